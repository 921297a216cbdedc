import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { acmeDns01PolicyDocument } from "../components/registryHost/acmeDnsPolicy";
import { Database } from "../components/database/database";
import { DnsZone } from "../components/dnsZone/dnsZone";
import type { HostFile } from "../components/hostFile";
import { Network } from "../components/network/network";
import { createApps } from "./apps";
import { createAzure } from "./azure";
import { createHost } from "./host";
import { createMonitoring, databaseRestoreOf } from "./monitoring";
import type { StackSecrets } from "./config/load";
import type { StackConfig } from "./config/parse";
import { awsProvider } from "./providers";

/** How a composition shapes the host (the only place dev and prod differ in structure; sizes come from config). */
export interface HostShape {
  /** Prod: Nginx terminates TLS on 80/443 and the registry listens on loopback only. */
  nginx: boolean;
  /** Dev: the API gateway port is opened. */
  apiGateway: boolean;
  /** Dev: the registry port is reachable directly (TLS + basic auth), from `host.registryAllowedCidrs`. */
  directRegistryPort: boolean;
}

/** What a composition hands back: the stack outputs and, for the offline plan, the files shipped to hosts. */
export interface StackResult {
  outputs: Record<string, pulumi.Input<unknown>>;
  /** Every file shipped to a host, as shipped. */
  hostFiles: pulumi.Output<HostFile[]>;
  /** What each app's deploy renders (`<app>/deploy.sh`, `<app>/env` with secrets masked); absent without apps. */
  appFiles?: pulumi.Output<HostFile[]>;
}

/**
 * Network -> host -> database (admits the host's security group) -> monitoring (watches both, snapshots the host's
 * data volume) -> DNS (points at the host's Elastic IP).
 */
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

  const host = createHost(config, secrets, shape, network, provider);

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
      backupWindow: db.backupWindow,
      maintenanceWindow: db.maintenanceWindow,
      restore: databaseRestoreOf(config),
      multiAz: db.multiAz,
      performanceInsights: db.performanceInsights,
      deletionProtection: db.deletionProtection,
      finalSnapshot: db.finalSnapshot,
      iamAuthentication: db.iamAuthentication,
      logExports: db.logExports,
      protect: config.composition === "prod",
    },
    opts,
  );

  const monitoring = createMonitoring(config, host, database, provider);

  const azure = createAzure(config, secrets, {
    databasePassword: database.password,
    registryPasswords: host.registryPasswords,
  });

  const apps = createApps(config, secrets, host.component, database, azure, shape.nginx);

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
            extraRecords: [...config.dns.extraRecords, ...(azure.dnsRecords ?? [])],
            hostIp: host.publicIp,
            azureResourceGroupName: azure.resourceGroupName,
          },
          opts,
        )
      : undefined;

  // ACME dns-01: the host may write only _acme-challenge TXT records, only in this zone (attached once it exists).
  if (
    config.tls.mode === "acme" &&
    config.tls.acme.challenge === "dns-01" &&
    dns &&
    config.dns.provider === "route53"
  ) {
    new aws.iam.RolePolicy(
      `${prefix}-host-acme-dns01`,
      { role: host.instanceRoleName, policy: dns.zoneId.apply((id) => JSON.stringify(acmeDns01PolicyDocument(id))) },
      { provider },
    );
  }

  return {
    outputs: {
      composition: config.composition,
      vpcId: network.vpcId,
      publicSubnetIds: network.publicSubnetIds,
      privateSubnetIds: network.privateSubnetIds,
      ...host.outputs,
      databaseAddress: database.address,
      databasePort: database.port,
      databaseName: database.dbName,
      databaseUsername: database.username,
      databasePassword: database.password,
      dnsZoneId: dns?.zoneId,
      dnsNameServers: dns?.nameServers,
      ...monitoring.outputs,
      ...azure.outputs,
      ...apps?.outputs,
    },
    hostFiles: host.hostFiles,
    ...(apps ? { appFiles: apps.renderedFiles } : {}),
  };
}
