// dev under mocks, from its stack file: alerts off (no address), snapshots off by default. Only the auto-recovery
// alarm exists, with no topic to tell; the agent still publishes (its permission stays on the host's role).
import { beforeAll, describe, expect, it } from "vitest";
import { runStack, type StackRun } from "./support/runStack";

let run: StackRun;
beforeAll(async () => {
  run = await runStack("dev");
});

describe("dev: alerts off, snapshots off", () => {
  it("no topic, no subscription, no lifecycle policy", () => {
    expect(run.ofType("aws:sns/topic:Topic")).toEqual([]);
    expect(run.ofType("aws:sns/topicSubscription:TopicSubscription")).toEqual([]);
    expect(run.ofType("aws:dlm/lifecyclePolicy:LifecyclePolicy")).toEqual([]);
    expect(run.outputs.alertTopicArn?.value).toBeUndefined();
    expect(run.outputs.dataSnapshotPolicyId?.value).toBeUndefined();
  });

  it("the host still recovers by itself: one alarm, the recover action only", () => {
    const alarms = run.ofType("aws:cloudwatch/metricAlarm:MetricAlarm");
    expect(alarms.map((a) => [a.props.name, a.props.alarmActions, a.props.okActions])).toEqual([
      ["dev-host-system-status-check-failed", ["arn:aws:automate:ap-northeast-2:ec2:recover"], []],
    ]);
  });

  it("the agent may put metrics (the alarms can be turned on without touching the host)", () => {
    const policy = run.named("dev-monitoring-agent-put-metrics");
    expect(JSON.parse(policy.props.policy).Statement[0].Action).toBe("cloudwatch:PutMetricData");
  });

  it("the data volume is tagged for snapshots anyway (turning them on needs no volume change)", () => {
    expect(run.named("dev-host-data").props.tags["startup-infra:snapshots"]).toBe("dev-registry-data");
  });

  it("RDS windows from config defaults", () => {
    expect(run.named("dev-database-db").props).toMatchObject({
      backupWindow: "17:00-18:00",
      maintenanceWindow: "sun:18:30-sun:19:30",
      backupRetentionPeriod: 1,
    });
  });
});
