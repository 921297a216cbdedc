import { AGENT_METRICS, AGENT_NAMESPACE } from "./agentConfig";
import { hasCpuCredits } from "./burstable";

/** Thresholds of the alarms (the `alerts.*` config, documented there). */
export interface AlarmThresholds {
  hostCpuCreditBalanceMin: number;
  dataVolumeUsedPercentMax: number;
  hostMemoryUsedPercentMax: number;
  databaseFreeStorageGiBMin: number;
  databaseCpuPercentMax: number;
  databaseFreeMemoryMiBMin: number;
}

export interface AlarmPlanInput {
  /** Name prefix of every alarm, e.g. the stack name. */
  prefix: string;
  region: string;
  instanceType: string;
  /** Mount point of the registry data volume (the agent's disk metric `path` dimension). */
  dataMount: string;
  /** File system of the data volume (the agent's disk metric `fstype` dimension). */
  dataFsType: string;
  thresholds: AlarmThresholds;
  /** Whether anyone is told (`alerts.email` not empty). Without, only the auto-recovery alarm exists. */
  notify: boolean;
}

/** Which resource's id fills the `InstanceId` / `DBInstanceIdentifier` dimension. */
export type AlarmSubject = "host" | "database";

/** One CloudWatch metric alarm, as plain values: the component fills the subject's id and the topic. */
export interface AlarmSpec {
  /** Resource-name suffix, kebab-case. */
  key: string;
  subject: AlarmSubject;
  /** The alarm's name in CloudWatch (what the mail's subject shows). */
  alarmName: string;
  /** What happened and what to do: CloudWatch puts it into every notification. */
  description: string;
  namespace: string;
  metricName: string;
  /** Dimensions besides the subject's id. */
  extraDimensions: Record<string, string>;
  statistic: "Average" | "Maximum" | "Minimum";
  periodSeconds: number;
  evaluationPeriods: number;
  threshold: number;
  comparisonOperator: "GreaterThanThreshold" | "LessThanThreshold" | "GreaterThanOrEqualToThreshold";
  /** `breaching` where silence itself means trouble (no status check data: the host is gone). */
  treatMissingData: "missing" | "breaching" | "notBreaching";
  /** EC2 actions run on ALARM besides notifying (auto-recovery). */
  ec2Actions: string[];
  /** Whether ALARM and OK go to the topic. */
  notify: boolean;
}

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

/** The EC2 action that recovers an instance onto healthy hardware: same id, private IP, Elastic IP, EBS volumes. */
export function recoverActionArn(region: string): string {
  return `arn:aws:automate:${region}:ec2:recover`;
}

/** What every alarm shares: no extra dimension, no EC2 action, missing data is missing (not OK, not breaching). */
function alarmDefaults(notify: boolean) {
  return { extraDimensions: {}, ec2Actions: [] as string[], notify, treatMissingData: "missing" as const };
}

type AlarmDefaults = ReturnType<typeof alarmDefaults>;

/** Auto-recovery on the system status check: always, since self-healing needs no reader. */
function recoveryAlarm(input: AlarmPlanInput, base: AlarmDefaults): AlarmSpec {
  const { prefix } = input;
  return {
    ...base,
    key: "host-system-status",
    subject: "host",
    alarmName: `${prefix}-host-system-status-check-failed`,
    description:
      "The registry host failed its EC2 system status check (the AWS hardware or network under it). EC2 is " +
      "recovering it onto healthy hardware: same instance, Elastic IP and data volume. Wait 15 minutes; if the " +
      "alarm stays, replace the host (docs/restore.md, section A).",
    namespace: "AWS/EC2",
    metricName: "StatusCheckFailed_System",
    statistic: "Maximum",
    periodSeconds: 60,
    evaluationPeriods: 2,
    threshold: 0,
    comparisonOperator: "GreaterThanThreshold",
    ec2Actions: [recoverActionArn(input.region)],
  };
}

/** The host's alarms for a reader: instance status, CPU credits (burstable types), data volume, memory. */
function hostAlarms(input: AlarmPlanInput, base: AlarmDefaults): AlarmSpec[] {
  const { prefix, thresholds: t } = input;
  const alarms: AlarmSpec[] = [
    {
      ...base,
      key: "host-instance-status",
      subject: "host",
      alarmName: `${prefix}-host-instance-status-check-failed`,
      description:
        "The registry host failed its EC2 instance status check (its own OS: kernel, full disk, network config). " +
        "Look at the system log (aws ec2 get-console-output), reboot it (aws ec2 reboot-instances); if it does not " +
        "come back, replace the host (docs/restore.md, section A).",
      namespace: "AWS/EC2",
      metricName: "StatusCheckFailed_Instance",
      statistic: "Maximum",
      periodSeconds: 60,
      evaluationPeriods: 3,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
    },
  ];
  if (hasCpuCredits(input.instanceType)) {
    alarms.push({
      ...base,
      key: "host-cpu-credits",
      subject: "host",
      alarmName: `${prefix}-host-cpu-credits-low`,
      description:
        `The registry host (${input.instanceType}) has fewer than ${t.hostCpuCreditBalanceMin} CPU credits left: ` +
        "it is about to be throttled (t2) or billed for surplus credits (t3/t3a/t4g unlimited). Find what keeps the " +
        "CPU busy (top on the host), or move to a larger or non-burstable type (host.instanceType).",
      namespace: "AWS/EC2",
      metricName: "CPUCreditBalance",
      statistic: "Minimum",
      periodSeconds: 300,
      evaluationPeriods: 3,
      threshold: t.hostCpuCreditBalanceMin,
      comparisonOperator: "LessThanThreshold",
    });
  }
  alarms.push(
    {
      ...base,
      key: "data-volume-used",
      subject: "host",
      alarmName: `${prefix}-registry-volume-filling-up`,
      description:
        `The registry data volume (${input.dataMount}) is more than ${t.dataVolumeUsedPercentMax}% full. Delete ` +
        "old images (npm run registry-gc) or grow the volume (host.dataVolumeGiB, then pulumi up and resize2fs on " +
        "the host). A full volume refuses every push.",
      namespace: AGENT_NAMESPACE,
      metricName: AGENT_METRICS.diskUsedPercent,
      extraDimensions: { path: input.dataMount, fstype: input.dataFsType },
      statistic: "Maximum",
      periodSeconds: 300,
      evaluationPeriods: 1,
      threshold: t.dataVolumeUsedPercentMax,
      comparisonOperator: "GreaterThanThreshold",
    },
    {
      ...base,
      key: "host-memory-used",
      subject: "host",
      alarmName: `${prefix}-host-memory-high`,
      description:
        `The registry host uses more than ${t.hostMemoryUsedPercentMax}% of its memory. Find the process ` +
        "(ps aux --sort=-rss on the host); if the apps need it, move to a larger type (host.instanceType).",
      namespace: AGENT_NAMESPACE,
      metricName: AGENT_METRICS.memUsedPercent,
      statistic: "Average",
      periodSeconds: 300,
      evaluationPeriods: 3,
      threshold: t.hostMemoryUsedPercentMax,
      comparisonOperator: "GreaterThanThreshold",
    },
  );
  return alarms;
}

/** The database's alarms: free storage, CPU, freeable memory. */
function databaseAlarms(input: AlarmPlanInput, base: AlarmDefaults): AlarmSpec[] {
  const { prefix, thresholds: t } = input;
  return [
    {
      ...base,
      key: "database-free-storage",
      subject: "database",
      alarmName: `${prefix}-database-storage-low`,
      description:
        `The database has less than ${t.databaseFreeStorageGiBMin} GiB of free storage; when it runs out, RDS stops ` +
        "accepting writes. Raise database.allocatedStorageGiB (or database.maxAllocatedStorageGiB for autoscaling) " +
        "and pulumi up, or delete data.",
      namespace: "AWS/RDS",
      metricName: "FreeStorageSpace",
      statistic: "Minimum",
      periodSeconds: 300,
      evaluationPeriods: 1,
      threshold: t.databaseFreeStorageGiBMin * GIB,
      comparisonOperator: "LessThanThreshold",
    },
    {
      ...base,
      key: "database-cpu",
      subject: "database",
      alarmName: `${prefix}-database-cpu-high`,
      description:
        `The database's CPU has averaged above ${t.databaseCpuPercentMax}% for 15 minutes. Look at Performance ` +
        "Insights (top SQL) for a missing index or a runaway query; if the load is real, raise " +
        "database.instanceClass.",
      namespace: "AWS/RDS",
      metricName: "CPUUtilization",
      statistic: "Average",
      periodSeconds: 300,
      evaluationPeriods: 3,
      threshold: t.databaseCpuPercentMax,
      comparisonOperator: "GreaterThanThreshold",
    },
    {
      ...base,
      key: "database-free-memory",
      subject: "database",
      alarmName: `${prefix}-database-memory-low`,
      description:
        `The database has less than ${t.databaseFreeMemoryMiBMin} MiB of freeable memory for 15 minutes: it is ` +
        "swapping or about to. Check connection counts and work_mem / buffer settings; raise database.instanceClass.",
      namespace: "AWS/RDS",
      metricName: "FreeableMemory",
      statistic: "Average",
      periodSeconds: 300,
      evaluationPeriods: 3,
      threshold: t.databaseFreeMemoryMiBMin * MIB,
      comparisonOperator: "LessThanThreshold",
    },
  ];
}

/**
 * The alarms of a stack. The auto-recovery alarm on the system status check always exists (self-healing needs no
 * reader); the others only when someone is notified. Names are `<prefix>-<what>`; descriptions end with what to do.
 */
export function planAlarms(input: AlarmPlanInput): AlarmSpec[] {
  const base = alarmDefaults(input.notify);
  const recovery = recoveryAlarm(input, base);
  if (!input.notify) return [recovery];
  return [recovery, ...hostAlarms(input, base), ...databaseAlarms(input, base)];
}
