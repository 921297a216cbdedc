import { beforeAll, describe, expect, it } from "vitest";
import { runStack, type StackRun } from "./support/runStack";

let run: StackRun;
beforeAll(async () => {
  run = await runStack("dev", {
    dns: {
      enabled: true,
      provider: "azure",
      domain: "example.com",
      extraRecords: [
        { name: "@", type: "TXT", values: ["v=spf1 include:sendgrid.net -all"] },
        { name: "_dmarc", type: "TXT", values: ["v=DMARC1; p=quarantine"], ttl: 3600 },
        { name: "@", type: "MX", values: ["10 mail.example.com"] },
      ],
    },
  });
});

const recordSets = () => run.ofType("azure-native:dns:RecordSet");
const recordSet = (name: string, type: string) => {
  const found = recordSets().filter((r) => r.props.relativeRecordSetName === name && r.props.recordType === type);
  expect(found, `${type} ${name}`).toHaveLength(1);
  return found[0]!.props;
};

describe("dns.provider azure: the zone lives in Azure DNS, in the Azure side's resource group", () => {
  it("creates one public Azure DNS zone (global) and no Route53 zone", () => {
    expect(run.ofType("aws:route53/zone:Zone")).toHaveLength(0);
    const zones = run.ofType("azure-native:dns:Zone");
    expect(zones).toHaveLength(1);
    expect(zones[0]!.props).toMatchObject({
      zoneName: "example.com",
      location: "global",
      zoneType: "Public",
      resourceGroupName: run.outputs.azureResourceGroupName!.value,
      tags: { Project: "startup-infra", Stack: "dev", Environment: "dev", ManagedBy: "pulumi" },
    });
  });

  it("parents the zone under DnsZone and every record set under the zone", () => {
    const dnsZone = run.named("dev-dns");
    const zone = run.ofType("azure-native:dns:Zone")[0]!;
    expect(zone.parent).toBe(dnsZone.urn);
    for (const r of recordSets()) expect(r.parent).toBe(zone.urn);
  });

  it("publishes the A record to the host's Elastic IP and a CNAME per site", () => {
    expect(recordSet("cname", "A")).toMatchObject({
      ttl: 300,
      aRecords: [{ ipv4Address: run.outputs.hostPublicIp!.value }],
    });
    for (const site of ["admin", "docker", "www"]) {
      expect(recordSet(site, "CNAME")).toMatchObject({ ttl: 300, cnameRecord: { cname: "cname.example.com" } });
    }
  });

  it("publishes the extra records with their own TTLs", () => {
    expect(recordSet("@", "TXT")).toMatchObject({
      ttl: 300,
      txtRecords: [{ value: ["v=spf1 include:sendgrid.net -all"] }],
    });
    expect(recordSet("_dmarc", "TXT")).toMatchObject({
      ttl: 3600,
      txtRecords: [{ value: ["v=DMARC1; p=quarantine"] }],
    });
    expect(recordSet("@", "MX")).toMatchObject({ mxRecords: [{ preference: 10, exchange: "mail.example.com" }] });
    expect(recordSets()).toHaveLength(7);
  });

  it("outputs the Azure zone's name servers (to set at the registrar)", () => {
    const servers = run.outputs.dnsNameServers!.value as string[];
    expect(servers).toHaveLength(4);
    for (const s of servers) expect(s).toMatch(/^ns\d-0\d\.azure-dns\.(com|net|org|info)\.$/);
  });
});
