/** Operations rules: the host recovers by itself, someone hears about alarms, the data volume is snapshotted. */
import { stackRule } from "../lib/define";
import { referenced } from "../lib/relations";
import { isUnknown, knownStrings } from "../lib/values";
import { EBS_VOLUME, INSTANCE } from "./host";

export const METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
export const DLM_POLICY = "aws:dlm/lifecyclePolicy:LifecyclePolicy";

const RECOVER_ACTION = /^arn:aws[a-z-]*:automate:[a-z0-9-]+:ec2:recover$/;

export const ec2StatusCheckRecovery = stackRule({
  name: "ec2-status-check-recovery",
  description:
    "AWS Config cloudwatch-alarm-resource-check (AWS::EC2::Instance, StatusCheckFailed_System; no Checkov/Trivy " +
    "ID): every EC2 instance has a CloudWatch alarm on StatusCheckFailed_System whose actions include the EC2 " +
    "recover action (arn:aws:automate:<region>:ec2:recover), so a host on failed AWS hardware comes back by itself.",
  enforcementLevel: "mandatory",
  check: (s, report) => {
    const alarms = s
      .ofType(METRIC_ALARM)
      .filter(
        (a) =>
          a.props.metricName === "StatusCheckFailed_System" &&
          (isUnknown(a.props.alarmActions) || knownStrings(a.props.alarmActions).some((x) => RECOVER_ACTION.test(x))),
      );
    for (const instance of s.ofType(INSTANCE)) {
      const watched = alarms.some((a) => referenced(a, "dimensions", [instance]).length > 0);
      if (!watched) {
        report(
          `Instance ${instance.name} has no StatusCheckFailed_System alarm with the EC2 recover action: a failure of ` +
            "the AWS hardware under it leaves it down until someone notices; add a MetricAlarm on that metric with " +
            "alarmActions [arn:aws:automate:<region>:ec2:recover].",
          instance.urn,
        );
      }
    }
  },
});

export const alertsConfiguredProd = stackRule({
  name: "alerts-configured-prod",
  description:
    "AWS FSBP CloudWatch.15 / AWS Config cloudwatch-alarm-action-check (alarms have actions that reach someone): in " +
    "prod every CloudWatch alarm notifies an SNS topic on ALARM (config alerts.email), not only an EC2 action.",
  enforcementLevel: "advisory",
  check: (s, report) => {
    if (s.environment !== "prod") return;
    for (const alarm of s.ofType(METRIC_ALARM)) {
      const actions = alarm.props.alarmActions;
      // A topic ARN is unknown until the topic exists (preview): count an unknown action as a notification.
      const notifies =
        isUnknown(actions) ||
        (Array.isArray(actions) && actions.some(isUnknown)) ||
        knownStrings(actions).some((a) => /^arn:aws[a-z-]*:sns:/.test(a));
      if (!notifies) {
        report(
          `Alarm ${String(alarm.props.name ?? alarm.name)} notifies no one: set alerts.email (pulumi config set ` +
            "--path 'alerts.email[0]' ops@example.com) so host status checks, a filling data volume and RDS " +
            "storage, CPU and memory alarms are mailed (AWS FSBP CloudWatch.15).",
          alarm.urn,
        );
      }
    }
  },
});

export const ebsVolumeSnapshotsProd = stackRule({
  name: "ebs-volume-snapshots-prod",
  description:
    "CKV2_AWS_9 (EBS volumes are backed up): in prod every separate EBS volume carries a tag targeted by a Data " +
    "Lifecycle Manager policy (backups.dataVolumeSnapshots).",
  enforcementLevel: "advisory",
  check: (s, report) => {
    if (s.environment !== "prod") return;
    const targets = s.ofType(DLM_POLICY).map((p) => {
      const tags = (p.props.policyDetails as { targetTags?: Record<string, unknown> } | undefined)?.targetTags ?? {};
      return Object.entries(tags);
    });
    for (const volume of s.ofType(EBS_VOLUME)) {
      const tags = (volume.props.tags ?? {}) as Record<string, unknown>;
      const covered = targets.some((t) => t.some(([k, v]) => tags[k] === v));
      if (!covered) {
        report(
          `EBS volume ${volume.name} is not snapshotted by any lifecycle policy: its loss loses its data; turn on ` +
            "backups.dataVolumeSnapshots (CKV2_AWS_9).",
          volume.urn,
        );
      }
    }
  },
});

export const operationsRules = [ec2StatusCheckRecovery, alertsConfiguredProd, ebsVolumeSnapshotsProd];
