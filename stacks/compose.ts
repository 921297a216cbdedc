import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Database } from "../components/database/database";
import { DnsZone } from "../components/dnsZone/dnsZone";
import { Network } from "../components/network/network";
import type { StackSecrets } from "./config/load";
import type { StackConfig } from "./config/parse";
import { awsProvider } from "./providers";

/** How a composition shapes the host (the only place dev and prod differ in structure; sizes come from config). */
export interface HostShape {
  /** Prod: Nginx terminates TLS on 80/443 and the registry listens on loopback only. */
  nginx: boolean;
  /** Dev: the API gateway port is opened (mission-brief row 11). */
  apiGateway: boolean;
  /** Dev: the registry port is reachable directly (TLS + basic auth), from `host.registryAllowedCidrs`. */
  directRegistryPort: boolean;
}

/** What a composition hands back: the stack outputs and, for the offline plan, the files shipped to hosts. */
export interface StackResult {
  outputs: Record<string, pulumi.Input<unknown>>;
  /** absolute remote path -> file content, as shipped (secret files are secret outputs). */
  hostFiles: pulumi.Output<Record<string, string>>;
}

/** Network -> host -> database (admits the host's security group) -> DNS (points at the host's Elastic IP). */
export function compose(config: StackConfig, secrets: StackSecrets, shape: HostShape): StackResult {
  const provider = awsProvider(config);
  const opts = { providers: [provider] };
  const prefix = config.stack;

  const network = new Network(
    prefix,
    {
      vpcCidr: config.network.vpcCidr,
      publicSubnetCount: config.network.publicSubnetCount,
      privateSubnetCount: config.network.privateSubnetCount,
      subnetPrefixLength: config.network.subnetPrefixLength,
      flowLogs: config.network.flowLogs ? { retentionDays: config.network.flowLogRetentionDays } : undefined,
    },
    opts,
  );

  const host = placeholderHost(prefix, network, provider, shape, secrets);

  const db = config.database;
  const database = new Database(
    `${prefix}-database`,
    {
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      allowedSecurityGroups: [{ name: "registry-host", id: host.securityGroupId }],
      engine: db.engine,
      engineVersion: db.engineVersion,
      instanceClass: db.instanceClass,
      allocatedStorageGiB: db.allocatedStorageGiB,
      maxAllocatedStorageGiB: db.maxAllocatedStorageGiB,
      dbName: db.dbName,
      username: db.username,
      backupRetentionDays: db.backupRetentionDays,
      multiAz: db.multiAz,
      performanceInsights: db.performanceInsights,
      deletionProtection: db.deletionProtection,
      finalSnapshot: db.finalSnapshot,
      iamAuthentication: db.iamAuthentication,
      protect: config.composition === "prod",
    },
    opts,
  );

  const dns =
    config.dns.enabled && config.dns.domain
      ? new DnsZone(
          `${prefix}-dns`,
          {
            provider: config.dns.provider,
            domain: config.dns.domain,
            hostRecordName: config.dns.hostRecordName,
            siteNames: Object.keys(config.sites),
            ttl: config.dns.ttl,
            extraRecords: config.dns.extraRecords,
            hostIp: host.publicIp,
          },
          opts,
        )
      : undefined;

  return {
    outputs: {
      composition: config.composition,
      vpcId: network.vpcId,
      publicSubnetIds: network.publicSubnetIds,
      privateSubnetIds: network.privateSubnetIds,
      hostPublicIp: host.publicIp,
      databaseAddress: database.address,
      databasePort: database.port,
      databaseName: database.dbName,
      databaseUsername: database.username,
      databasePassword: database.password,
      dnsZoneId: dns?.zoneId,
      dnsNameServers: dns?.nameServers,
    },
    hostFiles: pulumi.output<Record<string, string>>({}),
  };
}

/** Stand-in for the RegistryHost component (its own issue): the host's security group and Elastic IP. */
function placeholderHost(
  prefix: string,
  network: Network,
  provider: aws.Provider,
  _shape: HostShape,
  _secrets: StackSecrets,
): { securityGroupId: pulumi.Output<string>; publicIp: pulumi.Output<string> } {
  const securityGroup = new aws.ec2.SecurityGroup(
    `${prefix}-host-sg`,
    { vpcId: network.vpcId, description: "Registry host", tags: { Name: `${prefix}-host-sg` } },
    { provider },
  );
  const eip = new aws.ec2.Eip(`${prefix}-host-eip`, { domain: "vpc", tags: { Name: `${prefix}-host` } }, { provider });
  return { securityGroupId: securityGroup.id, publicIp: eip.publicIp };
}
