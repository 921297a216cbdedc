import { describe, expect, it } from "vitest";
import { alertsConfiguredProd, ebsVolumeSnapshotsProd, ec2StatusCheckRecovery } from "../../policy/rules/operations";
import { messages, planned } from "../../policy/testing";

const INSTANCE = "aws:ec2/instance:Instance";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const RDS = "aws:rds/instance:Instance";
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
const VOLUME = "aws:ebs/volume:Volume";
const DLM = "aws:dlm/lifecyclePolicy:LifecyclePolicy";

describe("ec2-status-check-recovery", () => {
  const host = planned(INSTANCE, "host", { instanceType: "m6i.xlarge" });
  const alarm = (inputs: Record<string, unknown>, dependsOn = [host]) =>
    planned(
      ALARM,
      "recover",
      {
        metricName: "StatusCheckFailed_System",
        dimensions: { InstanceId: "i-0abc" },
        alarmActions: ["arn:aws:automate:ap-northeast-2:ec2:recover"],
        ...inputs,
      },
      { dependsOn },
    );
  const message =
    "Instance host has no StatusCheckFailed_System alarm with the EC2 recover action: a failure of the AWS hardware " +
    "under it leaves it down until someone notices; add a MetricAlarm on that metric with alarmActions " +
    "[arn:aws:automate:<region>:ec2:recover].";

  it("passes an instance watched by a recovering system status check alarm", () => {
    expect(messages(ec2StatusCheckRecovery, [host, alarm({})])).toEqual([]);
  });
  it("fails an instance without one, one whose alarm only notifies, one watching another metric or instance", () => {
    expect(messages(ec2StatusCheckRecovery, [host])).toEqual([message]);
    expect(
      messages(ec2StatusCheckRecovery, [host, alarm({ alarmActions: ["arn:aws:sns:ap-northeast-2:1:alerts"] })]),
    ).toEqual([message]);
    expect(messages(ec2StatusCheckRecovery, [host, alarm({ metricName: "StatusCheckFailed_Instance" })])).toEqual([
      message,
    ]);
    expect(messages(ec2StatusCheckRecovery, [host, alarm({}, [])])).toEqual([message]);
  });
});

describe("alerts-configured-prod (advisory)", () => {
  const host = planned(INSTANCE, "host", {}, { stack: "prod" });
  const db = planned(RDS, "db", {}, { stack: "prod" });
  const sub = planned(SUBSCRIPTION, "mail", { protocol: "email", endpoint: "ops@example.com" }, { stack: "prod" });
  it("fails a prod stack whose alarms reach no one", () => {
    expect(messages(alertsConfiguredProd, [host, db], "prod")).toEqual([
      "No alarm reaches anyone: set alerts.email (pulumi config set --path 'alerts.email[0]' ops@example.com) so " +
        "host status checks, a filling data volume and RDS storage, CPU and memory alarms are mailed.",
    ]);
  });
  it("passes with a subscription, and in dev", () => {
    expect(messages(alertsConfiguredProd, [host, db, sub], "prod")).toEqual([]);
    expect(messages(alertsConfiguredProd, [host, db], "dev")).toEqual([]);
  });
});

describe("ebs-volume-snapshots-prod (CKV2_AWS_9, advisory)", () => {
  const tag = { "startup-infra:snapshots": "prod-registry-data" };
  const volume = (tags: Record<string, string>) =>
    planned(VOLUME, "data", { encrypted: true, tags }, { stack: "prod" });
  const policy = planned(DLM, "snapshots", { policyDetails: { targetTags: tag } }, { stack: "prod" });
  it("passes a volume carrying a policy's target tag", () => {
    expect(messages(ebsVolumeSnapshotsProd, [volume({ Name: "data", ...tag }), policy], "prod")).toEqual([]);
  });
  it("fails an untargeted volume in prod, not in dev", () => {
    const expected = [
      "EBS volume data is not snapshotted by any lifecycle policy: its loss loses its data; turn on " +
        "backups.dataVolumeSnapshots (CKV2_AWS_9).",
    ];
    expect(messages(ebsVolumeSnapshotsProd, [volume({ Name: "data" }), policy], "prod")).toEqual(expected);
    expect(messages(ebsVolumeSnapshotsProd, [volume(tag)], "prod")).toEqual(expected);
    expect(messages(ebsVolumeSnapshotsProd, [volume({ Name: "data" })], "dev")).toEqual([]);
  });
});
