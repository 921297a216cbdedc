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

  it("quotes TXT values and splits them into 255-character strings", () => {
    const long = "a".repeat(300);
    expect(route53Values("TXT", [long])).toEqual([`"${"a".repeat(255)}" "${"a".repeat(45)}"`]);
    expect(route53Values("TXT", ['say "hi"'])).toEqual(['"say \\"hi\\""']);
    expect(route53Values("CNAME", ["cname.example.com"])).toEqual(["cname.example.com"]);
  });
});
