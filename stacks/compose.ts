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
  const network = createNetwork(config, provider);
  const host = createHost(config, secrets, shape, network, provider);
  const database = createDatabase(config, network, host.securityGroupId, provider);
  const monitoring = createMonitoring(config, host, database, provider);
  const azure = createAzure(config, secrets, {
    databasePassword: database.password,
    registryPasswords: host.registryPasswords,
  });

  const apps = createApps(config, secrets, host.component, database, azure, shape.nginx);

  const dns = createDns(config, host.publicIp, azure, provider);
  if (dns) allowAcmeDns01(config, dns, host.instanceRoleName, provider);

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

/** The VPC, its subnets and (when on) flow logs. */
function createNetwork(config: StackConfig, provider: aws.Provider): Network {
  return new Network(
    config.stack,
    {
      vpcCidr: config.network.vpcCidr,
      publicSubnetCount: config.network.publicSubnetCount,
      privateSubnetCount: config.network.privateSubnetCount,
      subnetPrefixLength: config.network.subnetPrefixLength,
      flowLogs: config.network.flowLogs ? { retentionDays: config.network.flowLogRetentionDays } : undefined,
    },
    { providers: [provider] },
  );
}

/** The RDS instance in the private subnets, admitting the host's security group only; protected in prod. */
function createDatabase(
  config: StackConfig,
  network: Network,
  hostSecurityGroupId: pulumi.Output<string>,
  provider: aws.Provider,
): Database {
  const db = config.database;
  return new Database(
    `${config.stack}-database`,
    {
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      allowedSecurityGroups: [{ name: "registry-host", id: hostSecurityGroupId }],
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
    { providers: [provider] },
  );
}

/** The DNS zone with the host's and the sites' records (and Azure's, when it has any); undefined when DNS is off. */
function createDns(
  config: StackConfig,
  hostIp: pulumi.Output<string>,
  azure: ReturnType<typeof createAzure>,
  provider: aws.Provider,
): DnsZone | undefined {
  if (!(config.dns.enabled && config.dns.domain)) return undefined;
  return new DnsZone(
    `${config.stack}-dns`,
    {
      provider: config.dns.provider,
      domain: config.dns.domain,
      hostRecordName: config.dns.hostRecordName,
      siteNames: Object.keys(config.sites),
      ttl: config.dns.ttl,
      extraRecords: [...config.dns.extraRecords, ...(azure.dnsRecords ?? [])],
      hostIp,
      azureResourceGroupName: azure.resourceGroupName,
    },
    { providers: [provider] },
  );
}

/**
 * ACME dns-01: the host may write only the _acme-challenge TXT records of its certificate's names, only in this zone
 * (attached once it exists). Nothing otherwise.
 */
function allowAcmeDns01(
  config: StackConfig,
  dns: DnsZone,
  instanceRoleName: pulumi.Output<string>,
  provider: aws.Provider,
): void {
  if (
    config.tls.mode !== "acme" ||
    config.tls.acme.challenge !== "dns-01" ||
    !config.dns.domain ||
    config.dns.provider !== "route53"
  ) {
    return;
  }
  const names = acmeCertificateNames({ nginx: { domain: config.dns.domain, sites: config.sites } });
  new aws.iam.RolePolicy(
    `${config.stack}-host-acme-dns01`,
    { role: instanceRoleName, policy: dns.zoneId.apply((id) => JSON.stringify(acmeDns01PolicyDocument(id, names))) },
    { provider },
  );
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
