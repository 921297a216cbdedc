// prod under mocks, from its stack file (alerts mailed to the file's address, snapshots on by default): the topic,
// the alarms and what they watch, auto-recovery, the snapshot policy and the tag it targets, the agent's policy on
// the host's role, the RDS windows.
import { beforeAll, describe, expect, it } from "vitest";
import { agentPolicyDocument } from "../../components/monitoring/agentPolicy";
import { mockId } from "../../scripts/plan/mocks/resources";
import { runStack, type StackRun } from "./support/runStack";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

let run: StackRun;
beforeAll(async () => {
  // The stack file as committed: ACME certificates, so no certificate secrets.
  run = await runStack("prod", {});
});

const instanceId = () => mockId({ type: "aws:ec2/instance:Instance", name: "prod-host-instance" } as never);

describe("prod: alerts", () => {
  it("one topic, one e-mail subscription per address, under the Monitoring component", () => {
    const topic = run.named("prod-monitoring-alerts");
    const component = run.named("prod-monitoring");
    expect(component.type).toBe("startup:aws:Monitoring");
    expect(topic.parent).toBe(component.urn);
    const subs = run.ofType("aws:sns/topicSubscription:TopicSubscription");
    expect(subs.map((s) => [s.props.protocol, s.props.endpoint, s.parent])).toEqual([
      ["email", "ops@example.com", topic.urn],
    ]);
    expect(run.outputs.alertTopicArn!.value).toMatch(/^arn:aws:sns:ap-northeast-2:\d+:prod-monitoring-alerts-/);
  });

  it("the alarms, their metrics, and who they watch", () => {
    const alarms = run.ofType(ALARM);
    // The identifier RDS gave the stack's database (the mock names it like the provider: <name>-<hex>).
    const dbIdentifier = alarms.find((a) => a.props.namespace === "AWS/RDS")!.props.dimensions.DBInstanceIdentifier;
    expect(dbIdentifier).toMatch(/^prod-database-db-[0-9a-f]{7}$/);
    const byName = (rows: unknown[][]) => [...rows].sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(byName(alarms.map((a) => [a.props.name, a.props.metricName, a.props.dimensions]))).toEqual(
      byName([
        ["prod-host-system-status-check-failed", "StatusCheckFailed_System", { InstanceId: instanceId() }],
        ["prod-host-instance-status-check-failed", "StatusCheckFailed_Instance", { InstanceId: instanceId() }],
        [
          "prod-registry-volume-filling-up",
          "disk_used_percent",
          { InstanceId: instanceId(), path: "/srv/registry", fstype: "ext4" },
        ],
        ["prod-host-memory-high", "mem_used_percent", { InstanceId: instanceId() }],
        ["prod-database-storage-low", "FreeStorageSpace", { DBInstanceIdentifier: dbIdentifier }],
        ["prod-database-cpu-high", "CPUUtilization", { DBInstanceIdentifier: dbIdentifier }],
        ["prod-database-memory-low", "FreeableMemory", { DBInstanceIdentifier: dbIdentifier }],
      ]),
    );
    expect([...(run.outputs.alarmNames!.value as string[])].sort()).toEqual(alarms.map((a) => a.props.name).sort());
  });

  it("every alarm tells the topic on ALARM and OK; the system check also recovers the instance", () => {
    const topicArn = run.outputs.alertTopicArn!.value;
    for (const a of run.ofType(ALARM)) {
      expect(a.props.okActions).toEqual([topicArn]);
      const recover =
        a.props.metricName === "StatusCheckFailed_System" ? ["arn:aws:automate:ap-northeast-2:ec2:recover"] : [];
      expect(a.props.alarmActions).toEqual([...recover, topicArn]);
      expect(a.props.alarmDescription.length).toBeGreaterThan(40);
    }
  });
});

describe("prod: snapshots", () => {
  it("a daily DLM policy targets the data volume's tag, run by a role DLM alone assumes", () => {
    const policy = run.named("prod-monitoring-data-snapshots");
    const volume = run.named("prod-host-data");
    const target = policy.props.policyDetails.targetTags;
    expect(target).toEqual({ "startup-infra:snapshots": "prod-registry-data" });
    for (const [k, v] of Object.entries(target)) expect(volume.props.tags[k]).toBe(v);
    expect(policy.props.policyDetails.schedules[0]).toMatchObject({
      createRule: { interval: 24, intervalUnit: "HOURS", times: "18:00" },
      retainRule: { count: 7 },
      copyTags: true,
    });
    expect(policy.props.state).toBe("ENABLED");
    const role = run.named("prod-monitoring-dlm-role");
    expect(JSON.parse(role.props.assumeRolePolicy).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "dlm.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    expect(policy.dependsOn).toContain(run.named("prod-monitoring-dlm-role-policy").urn);
    expect(run.named("prod-monitoring-dlm-role-policy").props.policyArn).toBe(
      "arn:aws:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole",
    );
    expect(volume.props.snapshotId).toBeUndefined();
  });

  it("the policy description and schedule names use only DLM's characters (a colon stops prod at preview)", () => {
    // The AWS provider (internal/service/dlm/lifecycle_policy.go) validates `description` with ^[0-9A-Za-z _-]+$,
    // max 500; botocore's dlm model gives PolicyDescription and ScheduleName the same set ([0-9A-Za-z _-]+, max 500
    // and 120). Written out here, independently of the code under test.
    const policy = run.named("prod-monitoring-data-snapshots");
    expect(policy.props.description).toMatch(/^[0-9A-Za-z _-]{1,500}$/);
    expect(policy.props.description).toBe("prod registry data volume daily snapshots");
    for (const s of policy.props.policyDetails.schedules) expect(s.name).toMatch(/^[0-9A-Za-z _-]{1,120}$/);
  });
});

describe("prod: the host's role and the agent", () => {
  it("the instance carries a profile whose role holds only the agent's put-metric policy and the host-key read", () => {
    const instance = run.named("prod-host-instance");
    const profile = run.named("prod-host-profile");
    const role = run.named("prod-host-role");
    expect(instance.props.iamInstanceProfile).toMatch(/^prod-host-profile-/);
    expect(profile.props.role).toMatch(/^prod-host-role-/);
    const policies = run.ofType("aws:iam/rolePolicy:RolePolicy").filter((p) => p.props.role === profile.props.role);
    // One policy per feature: the agent's put-metric (monitoring) and reading its own SSH host key (SshHostKey).
    const documents = policies.map((p) => JSON.parse(p.props.policy) as { Statement: { Sid?: string }[] });
    expect(documents).toHaveLength(2);
    expect(documents).toContainEqual(agentPolicyDocument());
    expect(documents.filter((d) => d.Statement.some((st) => st.Sid === "ReadHostKey"))).toHaveLength(1);
    expect(
      run
        .ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        .filter((a) => a.props.role === profile.props.role),
    ).toEqual([]);
    expect(JSON.parse(role.props.assumeRolePolicy).Statement[0].Principal).toEqual({ Service: "ec2.amazonaws.com" });
  });

  it("the agent's config is shipped to the host", () => {
    const file = run.hostFiles.find((f) => f.path === "/opt/aws/amazon-cloudwatch-agent/etc/startup-infra.json")!;
    expect(JSON.parse(file.content).metrics.metrics_collected.disk.resources).toEqual(["/srv/registry"]);
  });
});

describe("prod: RDS backups", () => {
  it("windows and retention from config, a fresh database (no restore)", () => {
    const db = run.named("prod-database-db");
    expect(db.props).toMatchObject({
      backupWindow: "17:00-18:00",
      maintenanceWindow: "sun:18:30-sun:19:30",
      backupRetentionPeriod: 14,
      skipFinalSnapshot: false,
    });
    expect(db.props.restoreToPointInTime).toBeUndefined();
    expect(db.props.snapshotIdentifier).toBeUndefined();
  });
});
