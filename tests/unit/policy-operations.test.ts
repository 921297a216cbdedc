import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { alertsConfiguredProd, ebsVolumeSnapshotsProd, ec2StatusCheckRecovery } from "../../policy/rules/operations";
import { messages, planned } from "../../policy/testing";

const INSTANCE = "aws:ec2/instance:Instance";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
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

describe("alerts-configured-prod (AWS FSBP CloudWatch.15, advisory)", () => {
  const alarm = (alarmActions: unknown, stack = "prod") =>
    planned(ALARM, "recover", { name: "prod-host-system-status-check-failed", alarmActions }, { stack });
  const recover = "arn:aws:automate:ap-northeast-2:ec2:recover";
  it("fails a prod alarm that only recovers and tells no one", () => {
    expect(messages(alertsConfiguredProd, [alarm([recover])], "prod")).toEqual([
      "Alarm prod-host-system-status-check-failed notifies no one: set alerts.email (pulumi config set --path " +
        "'alerts.email[0]' ops@example.com) so host status checks, a filling data volume and RDS storage, CPU and " +
        "memory alarms are mailed (AWS FSBP CloudWatch.15).",
    ]);
    expect(messages(alertsConfiguredProd, [alarm([])], "prod")).toHaveLength(1);
  });
  it("passes an alarm with a topic (known, or not yet known in a preview), and any alarm in dev", () => {
    expect(messages(alertsConfiguredProd, [alarm([recover, "arn:aws:sns:ap-northeast-2:1:alerts"])], "prod")).toEqual(
      [],
    );
    expect(messages(alertsConfiguredProd, [alarm([recover, pulumi.runtime.unknownValue])], "prod")).toEqual([]);
    expect(messages(alertsConfiguredProd, [alarm([recover], "dev")], "dev")).toEqual([]);
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
