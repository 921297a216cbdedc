import type * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { acmeDns01PolicyDocument } from "../components/registryHost/acmeDnsPolicy";
import { acmeCertificateNames } from "../components/registryHost/render/acme/acme";
import { Database } from "../components/database/database";
import { renderPointInTimeFollowUp } from "../components/database/pointInTimeFollowUp";
import { DnsZone } from "../components/dnsZone/dnsZone";
import { Network } from "../components/network/network";
import { createApps } from "./apps";
import { createAzure } from "./azure";
import { createHost } from "./host";
import { createMonitoring, databaseRestoreOf } from "./monitoring";
import type { StackSecrets } from "./config/load";
import type { StackConfig } from "./config/parse";
import { awsProvider } from "./providers";
import type { HostShape, StackResult } from "./types";

export type { HostShape, StackResult } from "./types";

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

  // ACME dns-01: the host may write only the _acme-challenge TXT records of its certificate's names, only in this zone
  // (attached once it exists).
  if (
    config.tls.mode === "acme" &&
    config.tls.acme.challenge === "dns-01" &&
    dns &&
    config.dns.domain &&
    config.dns.provider === "route53"
  ) {
    const names = acmeCertificateNames({ nginx: { domain: config.dns.domain, sites: config.sites } });
    new aws.iam.RolePolicy(
      `${prefix}-host-acme-dns01`,
      {
        role: host.instanceRoleName,
        policy: dns.zoneId.apply((id) => JSON.stringify(acmeDns01PolicyDocument(id, names))),
      },
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
      databaseRestoreFollowUp: pointInTimeFollowUpOf(config, database),
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

/**
 * After a point-in-time restore: the script that sets what RestoreDBInstanceToPointInTime leaves out (the stack's
 * master password, backup retention and window; components/database/pointInTimeFollowUp.ts). Undefined otherwise.
 */
function pointInTimeFollowUpOf(config: StackConfig, database: Database): pulumi.Output<string> | undefined {
  if (databaseRestoreOf(config)?.kind !== "point-in-time") return undefined;
  return database.identifier.apply((identifier) =>
    renderPointInTimeFollowUp({
      identifier,
      region: config.aws.region,
      backupRetentionDays: config.database.backupRetentionDays,
      backupWindow: config.database.backupWindow,
    }),
  );
}
