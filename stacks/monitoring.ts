import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { Database } from "../components/database/database";
import type { DatabaseRestore } from "../components/database/restore";
import { Monitoring } from "../components/monitoring/monitoring";
import { DATA_FS_TYPE, HOST_PATHS } from "../components/registryHost/render/paths";
import type { StackConfig } from "./config/parse";
import type { HostResult } from "./host";

/** The database's restore source from `restore.*` (validated: at most one source, time given with the instance). */
export function databaseRestoreOf(config: StackConfig): DatabaseRestore | undefined {
  const { restore } = config;
  if (restore.databaseSourceInstance && restore.databaseRestoreTime) {
    return { kind: "point-in-time", sourceInstance: restore.databaseSourceInstance, time: restore.databaseRestoreTime };
  }
  if (restore.databaseSnapshotIdentifier)
    return { kind: "snapshot", snapshotIdentifier: restore.databaseSnapshotIdentifier };
  return undefined;
}

/**
 * Alarms (to `alerts.email`), the host's auto-recovery and the data volume's snapshots, from config. Stack outputs:
 * `alertTopicArn` (when alerts are on), `alarmNames`, `dataSnapshotPolicyId` (when snapshots are on).
 */
export function createMonitoring(
  config: StackConfig,
  host: HostResult,
  database: Database,
  provider: aws.Provider,
): { component: Monitoring; outputs: Record<string, pulumi.Input<unknown>> } {
  const { alerts, backups } = config;
  const { email, ...thresholds } = alerts;
  const component = new Monitoring(
    `${config.stack}-monitoring`,
    {
      prefix: config.stack,
      region: config.aws.region,
      host: {
        instanceId: host.instanceId,
        instanceType: config.host.instanceType,
        instanceRoleName: host.instanceRoleName,
        dataMount: HOST_PATHS.dataMount,
        dataFsType: DATA_FS_TYPE,
      },
      database: { identifier: database.identifier },
      emails: email,
      thresholds,
      snapshots: backups.dataVolumeSnapshots
        ? { stack: config.stack, retentionCount: backups.snapshotRetentionCount, timeUtc: backups.snapshotTimeUtc }
        : undefined,
    },
    { providers: [provider] },
  );
  return {
    component,
    outputs: {
      alertTopicArn: component.topicArn,
      alarmNames: component.alarmNames,
      dataSnapshotPolicyId: component.snapshotPolicyId,
    },
  };
}
