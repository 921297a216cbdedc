import * as pulumi from "@pulumi/pulumi";
import { planDnsRecords, type DnsRecordsInput } from "./records";
import { createRoute53Zone } from "./route53";
import { createAzureDnsZone } from "./azure";
import type { DnsBackendResult } from "./backend";

export interface DnsZoneArgs extends DnsRecordsInput {
  /** Which service holds the zone. */
  provider: "route53" | "azure";
  /** The host's public (Elastic) IP: target of the A record. */
  hostIp: pulumi.Input<string>;
  /** Azure DNS backend: the resource group that holds the zone (required when provider is azure). */
  azureResourceGroupName?: pulumi.Input<string>;
}

/** Backends other than Route53 register here (kept out of this file so each provider's code stays in its own file). */
export const dnsBackends: Partial<
  Record<
    DnsZoneArgs["provider"],
    (
      parent: pulumi.Resource,
      name: string,
      args: DnsZoneArgs,
      records: ReturnType<typeof planDnsRecords>,
    ) => DnsBackendResult
  >
> = {
  route53: (parent, name, args, records) => createRoute53Zone(parent, name, args.domain, records, args.hostIp),
  azure: (parent, name, args, records) =>
    createAzureDnsZone(parent, name, args.domain, records, args.hostIp, args.azureResourceGroupName),
};

/** The DNS zone: A record to the host, CNAMEs per site, extra records; name servers as output. */
export class DnsZone extends pulumi.ComponentResource {
  readonly zoneId: pulumi.Output<string>;
  readonly nameServers: pulumi.Output<string[]>;
  readonly hostFqdn: string;

  constructor(name: string, args: DnsZoneArgs, opts?: pulumi.ComponentResourceOptions) {
    super("startup:dns:DnsZone", name, {}, opts);
    const records = planDnsRecords(args);
    const backend = dnsBackends[args.provider];
    if (!backend) throw new Error(`dns.provider "${args.provider}" has no backend in this program.`);
    const result = backend(this, name, args, records);
    this.zoneId = result.zoneId;
    this.nameServers = result.nameServers;
    this.hostFqdn = `${args.hostRecordName}.${args.domain}`;
    this.registerOutputs({ zoneId: this.zoneId, nameServers: this.nameServers });
  }
}
