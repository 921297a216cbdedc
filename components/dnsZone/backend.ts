import type * as pulumi from "@pulumi/pulumi";

/** What every DNS backend returns, so DnsZone looks the same whichever provider holds the zone. */
export interface DnsBackendResult {
  zoneId: pulumi.Output<string>;
  /** The name servers to set at the registrar. */
  nameServers: pulumi.Output<string[]>;
}
