import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type DnsRecordSpec, fqdn, route53Values } from "./records";
import type { DnsBackendResult } from "./backend";

/** Route53 backend: a public hosted zone and one record set per spec. */
export function createRoute53Zone(
  parent: pulumi.Resource,
  name: string,
  domain: string,
  records: DnsRecordSpec[],
  hostIp: pulumi.Input<string>,
): DnsBackendResult {
  const zone = new aws.route53.Zone(
    `${name}-zone`,
    { name: domain, comment: `Managed by Pulumi (startup-infra): ${domain}`, forceDestroy: false },
    { parent },
  );
  for (const r of records) {
    new aws.route53.Record(
      `${name}-${r.type.toLowerCase()}-${r.name === "@" ? "apex" : r.name}`,
      {
        zoneId: zone.zoneId,
        name: fqdn(r.name, domain),
        type: r.type,
        ttl: r.ttl,
        records: r.values === "host-ip" ? [hostIp] : route53Values(r.type, r.values),
      },
      { parent: zone },
    );
  }
  return { zoneId: zone.zoneId, nameServers: zone.nameServers };
}
