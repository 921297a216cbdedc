import { Provider } from "@pulumi/azure-native/provider";
import { beforeAll, describe, expect, it } from "vitest";
import { mailDnsRecords } from "../../components/azureServices/mail";
import { azureRecordSetData, type AzureRecordSetData } from "../../components/dnsZone/azure";
import { DnsZone, type DnsZoneArgs } from "../../components/dnsZone/dnsZone";
import { fqdn, planDnsRecords, route53Values, type DnsRecordType } from "../../components/dnsZone/records";
import { resolveOutput, runUnderMocks } from "../../scripts/plan/engine";
import type { PlannedResource } from "../../scripts/plan/types";
import { PROJECT } from "../../stacks/config/schema";

const DOMAIN = "example.com";
const HOST_IP = "203.0.113.7";
const LONG_TXT = `v=DKIM1; k=rsa; p=${"A".repeat(400)}`;

/** The same input for both backends: host record, sites, every extra-record type, and SendGrid's mail CNAMEs. */
const RECORDS_INPUT = {
  domain: DOMAIN,
  hostRecordName: "cname",
  siteNames: ["www", "docker", "admin"],
  ttl: 300,
  extraRecords: [
    { name: "@", type: "TXT" as const, values: ["v=spf1 include:sendgrid.net -all", 'quoted "text"'] },
    { name: "google._domainkey", type: "TXT" as const, values: [LONG_TXT], ttl: 3600 },
    { name: "@", type: "MX" as const, values: ["10 mx1.example.net", "20 mx2.example.net"] },
    { name: "@", type: "CAA" as const, values: ['0 issue "letsencrypt.org"', '0 iodef "mailto:sec@example.com"'] },
    { name: "v6", type: "AAAA" as const, values: ["2001:db8::1"] },
    { name: "legacy", type: "A" as const, values: ["198.51.100.4", "198.51.100.5"] },
    ...mailDnsRecords({
      enabled: true,
      dnsRecords: [
        { name: "em1234", value: "u1234.wl.sendgrid.net" },
        { name: "s1._domainkey", value: "s1.domainkey.u1234.wl.sendgrid.net" },
      ],
    }),
  ],
};

/** One record set, normalized: relative name, type, TTL, and values as plain text, sorted. */
interface NormalizedRecord {
  name: string;
  type: DnsRecordType;
  ttl: number;
  values: string[];
}

const key = (r: NormalizedRecord) => `${r.type} ${r.name}`;
const sortRecords = (rs: NormalizedRecord[]) => [...rs].sort((a, b) => key(a).localeCompare(key(b)));

function relative(name: string): string {
  return name === DOMAIN ? "@" : name.slice(0, -(DOMAIN.length + 1));
}

/**
 * A Route53 TXT value back to plain text: the AWS provider wraps it in quotes (`"%s"`), Route53 reads the result as
 * quoted character-strings (`""` between two of them), `\` escaping the next character.
 */
function unquoteTxt(value: string): string {
  return [...`"${value}"`.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, "$1")).join("");
}

function fromRoute53(r: { name: string; type: DnsRecordType; ttl: number; records: string[] }): NormalizedRecord {
  const values = r.records.map((v) => (r.type === "TXT" ? unquoteTxt(v) : v));
  return { name: relative(r.name), type: r.type, ttl: r.ttl, values: values.sort() };
}

function fromAzure(r: AzureRecordSetData): NormalizedRecord {
  const values: Record<DnsRecordType, () => string[]> = {
    A: () => r.aRecords!.map((a) => a.ipv4Address),
    AAAA: () => r.aaaaRecords!.map((a) => a.ipv6Address),
    CNAME: () => [r.cnameRecord!.cname],
    TXT: () => r.txtRecords!.map((t) => t.value.join("")),
    MX: () => r.mxRecords!.map((m) => `${m.preference} ${m.exchange}`),
    CAA: () => r.caaRecords!.map((c) => `${c.flags} ${c.tag} "${c.value}"`),
  };
  return { name: r.relativeRecordSetName, type: r.recordType, ttl: r.ttl, values: values[r.recordType]().sort() };
}

describe("per-backend mapping over planDnsRecords (pure)", () => {
  const planned = planDnsRecords(RECORDS_INPUT);

  it("gives the same (name, type, ttl, values) set from Route53 and Azure DNS", () => {
    const route53 = planned.map((r) =>
      fromRoute53({
        name: fqdn(r.name, DOMAIN),
        type: r.type,
        ttl: r.ttl,
        records: r.values === "host-ip" ? [HOST_IP] : route53Values(r.type, r.values),
      }),
    );
    const azure = planned.map((r) => fromAzure(azureRecordSetData(r, HOST_IP)));
    expect(sortRecords(azure)).toEqual(sortRecords(route53));
    expect(azure).toHaveLength(12);
  });

  it("splits long TXT values into 255-character strings, as Azure requires", () => {
    const dkim = planned.find((r) => r.name === "google._domainkey")!;
    const chunks = azureRecordSetData(dkim, HOST_IP).txtRecords![0]!.value;
    expect(chunks.map((c) => c.length)).toEqual([255, LONG_TXT.length - 255]);
    expect(chunks.join("")).toBe(LONG_TXT);
  });

  it("refuses MX and CAA values it cannot parse, saying the expected form", () => {
    const mx = { name: "@", type: "MX" as const, ttl: 300, values: ["mail.example.com"] };
    expect(() => azureRecordSetData(mx, HOST_IP)).toThrow(
      'MX value "mail.example.com" must be "<preference> <host>", e.g. "10 mail.example.com".',
    );
    const caa = { name: "@", type: "CAA" as const, ttl: 300, values: ["issue letsencrypt.org"] };
    expect(() => azureRecordSetData(caa, HOST_IP)).toThrow(
      `CAA value "issue letsencrypt.org" must be '<flags> <tag> "<value>"'`,
    );
  });
});

let resources: PlannedResource[];
let nameServers: { route53: string[]; azure: string[] };
let errors: string[];
beforeAll(async () => {
  // One engine run (the engine is global) builds the same zone with both backends through the real DnsZone.
  const run = await runUnderMocks({ project: PROJECT, stack: "dns-backends", config: {} }, () => {
    const provider = new Provider("azure-test", { location: "koreacentral" });
    const args: DnsZoneArgs = { ...RECORDS_INPUT, provider: "route53", hostIp: HOST_IP };
    const route53 = new DnsZone("r53", args);
    const azure = new DnsZone(
      "az",
      { ...args, provider: "azure", azureResourceGroupName: "rg-dns" },
      { providers: [provider] },
    );
    const failures: string[] = [];
    for (const attempt of [
      () => new DnsZone("az-no-provider", { ...args, provider: "azure", azureResourceGroupName: "rg-dns" }),
      () => new DnsZone("az-no-group", { ...args, provider: "azure" }, { providers: [provider] }),
    ]) {
      try {
        attempt();
      } catch (e) {
        failures.push((e as Error).message);
      }
    }
    return { route53: route53.nameServers, azure: azure.nameServers, failures };
  });
  resources = run.resources;
  nameServers = {
    route53: (await resolveOutput(run.result.route53)).value,
    azure: (await resolveOutput(run.result.azure)).value,
  };
  errors = run.result.failures;
});

describe("both backends through DnsZone under the mock engine", () => {
  const props = (type: string) => resources.filter((r) => r.type === type).map((r) => r.inputs as any);

  it("publish the same record set", () => {
    const route53 = props("aws:route53/record:Record").map((r) => fromRoute53(r));
    const azure = props("azure-native:dns:RecordSet").map((r) => fromAzure(r));
    expect(route53).toHaveLength(12);
    expect(sortRecords(azure)).toEqual(sortRecords(route53));
  });

  it("include SendGrid's domain-authentication CNAMEs in both zones", () => {
    const azure = props("azure-native:dns:RecordSet").map((r) => fromAzure(r));
    expect(azure).toContainEqual({ name: "em1234", type: "CNAME", ttl: 300, values: ["u1234.wl.sendgrid.net"] });
    expect(azure).toContainEqual({
      name: "s1._domainkey",
      type: "CNAME",
      ttl: 300,
      values: ["s1.domainkey.u1234.wl.sendgrid.net"],
    });
    const route53 = props("aws:route53/record:Record").map((r) => fromRoute53(r));
    expect(route53.filter((r) => r.name.endsWith("_domainkey") || r.name === "em1234")).toHaveLength(3);
  });

  it("give four name servers each", () => {
    expect(nameServers.route53).toHaveLength(4);
    expect(nameServers.azure).toHaveLength(4);
    for (const s of nameServers.azure) expect(s).toMatch(/azure-dns\./);
  });

  it("refuse an Azure zone without a provider or without a resource group, saying what to pass", () => {
    expect(errors).toEqual([
      "dns.provider azure: no azure-native provider for the zone. Pass the resource group from createAzure " +
        "(stacks/azure.ts binds its provider) or give DnsZone an azure-native provider in `providers`.",
      "dns.provider azure needs the Azure resource group (azureResourceGroupName): turn on azure.enabled, or use route53.",
    ]);
  });
});
