import { describe, expect, it } from "vitest";
import { fqdn, planDnsRecords, route53Values } from "../../components/dnsZone/records";

const base = {
  domain: "example.com",
  hostRecordName: "cname",
  siteNames: ["www", "docker", "admin"],
  ttl: 300,
  extraRecords: [],
};

describe("planDnsRecords", () => {
  it("is the seed's zone: an A record to the host and a CNAME per site to that A record", () => {
    expect(planDnsRecords(base)).toEqual([
      { name: "cname", type: "A", ttl: 300, values: "host-ip" },
      { name: "admin", type: "CNAME", ttl: 300, values: ["cname.example.com"] },
      { name: "docker", type: "CNAME", ttl: 300, values: ["cname.example.com"] },
      { name: "www", type: "CNAME", ttl: 300, values: ["cname.example.com"] },
    ]);
  });

  it("appends extra records with their own or the default TTL", () => {
    const records = planDnsRecords({
      ...base,
      siteNames: [],
      extraRecords: [
        { name: "@", type: "MX", values: ["10 mail.example.com"] },
        { name: "_dmarc", type: "TXT", values: ["v=DMARC1; p=none"], ttl: 3600 },
      ],
    });
    expect(records.slice(1)).toEqual([
      { name: "@", type: "MX", ttl: 300, values: ["10 mail.example.com"] },
      { name: "_dmarc", type: "TXT", ttl: 3600, values: ["v=DMARC1; p=none"] },
    ]);
  });

  it("refuses an extra record that collides with a site CNAME", () => {
    expect(() => planDnsRecords({ ...base, extraRecords: [{ name: "www", type: "TXT", values: ["x"] }] })).toThrow(
      'dns.extraRecords: record "www" (TXT) collides with an existing CNAME record of the same name',
    );
  });

  it("allows two types on one name when neither is a CNAME", () => {
    const records = planDnsRecords({
      ...base,
      siteNames: [],
      extraRecords: [
        { name: "@", type: "MX", values: ["10 mx.example.com"] },
        { name: "@", type: "TXT", values: ["v=spf1 -all"] },
      ],
    });
    expect(records).toHaveLength(3);
  });
});

describe("fqdn and Route53 values", () => {
  it("maps @ to the apex", () => {
    expect(fqdn("@", "example.com")).toBe("example.com");
    expect(fqdn("www", "example.com")).toBe("www.example.com");
  });

  /** What the AWS provider sends Route53 for one TXT value: `"%s"` (terraform-provider-aws `flattenTxtEntry`). */
  const providerWire = (value: string) => `"${value}"`;
  /** Route53's reading of a TXT value: a sequence of quoted strings, `\\` escaping the next character. */
  const txtStrings = (wire: string): string[] => {
    const strings: string[] = [];
    let i = 0;
    while (i < wire.length) {
      if (wire[i] === " ") {
        i++;
        continue;
      }
      if (wire[i] !== '"') throw new Error(`unquoted text at ${i} in ${wire}`);
      let text = "";
      for (i++; wire[i] !== '"'; i++) {
        if (i >= wire.length) throw new Error(`unterminated string in ${wire}`);
        if (wire[i] === "\\") i++;
        text += wire[i];
      }
      strings.push(text);
      i++;
    }
    return strings;
  };

  it("passes TXT values unquoted, since the provider adds the quotes (no doubled quotes on the wire)", () => {
    const [value] = route53Values("TXT", ["v=spf1 include:sendgrid.net -all"]);
    expect(value).toBe("v=spf1 include:sendgrid.net -all");
    expect(txtStrings(providerWire(value!))).toEqual(["v=spf1 include:sendgrid.net -all"]);
  });

  it('splits values over 255 characters with "" as the provider documents, and escapes quotes', () => {
    const long = "a".repeat(255) + "b".repeat(45);
    const [value] = route53Values("TXT", [long]);
    expect(value).toBe(`${"a".repeat(255)}""${"b".repeat(45)}`);
    expect(txtStrings(providerWire(value!))).toEqual(["a".repeat(255), "b".repeat(45)]);
    const dkim = `k=rsa; p=${"Q".repeat(600)}`;
    const strings = txtStrings(providerWire(route53Values("TXT", [dkim])[0]!));
    expect(strings.join("")).toBe(dkim);
    expect(Math.max(...strings.map((x) => x.length))).toBeLessThanOrEqual(255);
    expect(txtStrings(providerWire(route53Values("TXT", ['say "hi" \\o/'])[0]!))).toEqual(['say "hi" \\o/']);
    expect(route53Values("CNAME", ["cname.example.com"])).toEqual(["cname.example.com"]);
  });
});
