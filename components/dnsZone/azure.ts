import * as dns from "@pulumi/azure-native/dns";
import * as pulumi from "@pulumi/pulumi";
import type { DnsBackendResult } from "./backend";
import type { DnsRecordSpec, DnsRecordType } from "./records";

/** The azure-native provider and tags the Azure side deploys with, tied to the resource group it hands DnsZone. */
export interface AzureDnsContext {
  provider: pulumi.ProviderResource;
  tags?: Record<string, string>;
}

const contexts = new WeakMap<object, AzureDnsContext>();

/**
 * Ties the Azure side's explicit provider (and tags) to the resource group output it gives the composition, so the
 * zone is created with the same provider and subscription as the group, although DnsZone receives only the name.
 * Returns the same output.
 */
export function bindAzureDnsContext<T extends pulumi.Output<string>>(
  resourceGroupName: T,
  context: AzureDnsContext,
): T {
  contexts.set(resourceGroupName, context);
  return resourceGroupName;
}

/** The record data of one Azure DNS record set (the part of `dns.RecordSetArgs` that depends on the record). */
export interface AzureRecordSetData {
  relativeRecordSetName: string;
  recordType: DnsRecordType;
  ttl: number;
  aRecords?: { ipv4Address: string }[];
  aaaaRecords?: { ipv6Address: string }[];
  cnameRecord?: { cname: string };
  txtRecords?: { value: string[] }[];
  mxRecords?: { preference: number; exchange: string }[];
  caaRecords?: { flags: number; tag: string; value: string }[];
}

/**
 * Maps one planned record to Azure DNS record-set data. Values use the same text as `dns.extraRecords` (and Route53):
 * MX `"10 mail.example.com"`, CAA `0 issue "letsencrypt.org"`, TXT as plain text (split into 255-character strings).
 */
export function azureRecordSetData(record: DnsRecordSpec, hostIp: string): AzureRecordSetData {
  const values = record.values === "host-ip" ? [hostIp] : record.values;
  const base = { relativeRecordSetName: record.name, recordType: record.type, ttl: record.ttl };
  switch (record.type) {
    case "A":
      return { ...base, aRecords: values.map((ipv4Address) => ({ ipv4Address })) };
    case "AAAA":
      return { ...base, aaaaRecords: values.map((ipv6Address) => ({ ipv6Address })) };
    case "CNAME":
      return { ...base, cnameRecord: { cname: values[0]! } };
    case "TXT":
      return { ...base, txtRecords: values.map((v) => ({ value: v.match(/.{1,255}/g) ?? [""] })) };
    case "MX":
      return { ...base, mxRecords: values.map(parseMx) };
    case "CAA":
      return { ...base, caaRecords: values.map(parseCaa) };
  }
}

function parseMx(value: string): { preference: number; exchange: string } {
  const m = /^(\d+)\s+(\S+)$/.exec(value.trim());
  if (!m) throw new Error(`MX value "${value}" must be "<preference> <host>", e.g. "10 mail.example.com".`);
  return { preference: Number(m[1]), exchange: m[2]! };
}

function parseCaa(value: string): { flags: number; tag: string; value: string } {
  const m = /^(\d+)\s+([a-zA-Z0-9]+)\s+"?([^"]*)"?$/.exec(value.trim());
  if (!m) throw new Error(`CAA value "${value}" must be '<flags> <tag> "<value>"', e.g. '0 issue "letsencrypt.org"'.`);
  return { flags: Number(m[1]), tag: m[2]!, value: m[3]! };
}

/**
 * Azure DNS backend: a public zone (global) and one record set per planned record, in the Azure side's resource
 * group. Same records and the same name-server output as Route53.
 */
export function createAzureDnsZone(
  parent: pulumi.Resource,
  name: string,
  domain: string,
  records: DnsRecordSpec[],
  hostIp: pulumi.Input<string>,
  resourceGroupName: pulumi.Input<string> | undefined,
): DnsBackendResult {
  if (resourceGroupName === undefined) {
    throw new Error(
      "dns.provider azure needs the Azure resource group (azureResourceGroupName): turn on azure.enabled, or use route53.",
    );
  }
  const context = typeof resourceGroupName === "object" ? contexts.get(resourceGroupName) : undefined;
  const provider = context?.provider ?? parent.getProvider("azure-native:dns:Zone");
  if (!provider) {
    throw new Error(
      "dns.provider azure: no azure-native provider for the zone. Pass the resource group from createAzure " +
        "(stacks/azure.ts binds its provider) or give DnsZone an azure-native provider in `providers`.",
    );
  }
  const zone = new dns.Zone(
    `${name}-zone`,
    { zoneName: domain, resourceGroupName, location: "global", zoneType: "Public", tags: context?.tags },
    { parent, provider },
  );
  for (const r of records) {
    // Only the host's A record waits for the address; the other records are known at preview.
    const data =
      r.values === "host-ip"
        ? pulumi.output(hostIp).apply((ip) => azureRecordSetData(r, ip))
        : pulumi.output(azureRecordSetData(r, ""));
    new dns.RecordSet(
      `${name}-${r.type.toLowerCase()}-${r.name === "@" ? "apex" : r.name}`,
      {
        resourceGroupName,
        zoneName: zone.name,
        relativeRecordSetName: r.name,
        recordType: r.type,
        ttl: r.ttl,
        aRecords: data.aRecords,
        aaaaRecords: data.aaaaRecords,
        cnameRecord: data.cnameRecord,
        txtRecords: data.txtRecords,
        mxRecords: data.mxRecords,
        caaRecords: data.caaRecords,
      },
      { parent: zone, provider },
    );
  }
  return { zoneId: zone.id, nameServers: zone.nameServers };
}
