// The restore runbook (docs/restore.md) under mocks: each path is a config change plus `pulumi up`, and these are
// the resources that change. Dev with a burstable host, alerts and snapshots on, and every restore key set.
import { beforeAll, describe, expect, it } from "vitest";
import { runStack, type StackRun } from "./support/runStack";

let run: StackRun;
beforeAll(async () => {
  run = await runStack("dev", {
    host: {
      sshAllowedCidrs: ["203.0.113.10/32"],
      instanceType: "t3.large",
      dataVolumeGiB: 120,
    },
    alerts: { email: ["ops@example.com", "oncall@example.com"], hostCpuCreditBalanceMin: 30 },
    backups: { dataVolumeSnapshots: true, snapshotRetentionCount: 3 },
    restore: {
      dataVolumeSnapshotId: "snap-0123456789abcdef0",
      databaseSourceInstance: "dev-database-db-1a2b3c4",
      databaseRestoreTime: "2026-12-01T08:30:00Z",
    },
  });
});

describe("(b) the registry volume from a snapshot", () => {
  it("the data volume is created from the named snapshot, at the configured size, still encrypted", () => {
    expect(run.named("dev-host-data").props).toMatchObject({
      snapshotId: "snap-0123456789abcdef0",
      size: 120,
      encrypted: true,
      type: "gp3",
    });
  });
  it("it is attached to the host and provisioning mounts it (the format step skips a volume with a file system)", () => {
    const attachment = run.named("dev-host-data-attachment");
    expect(attachment.dependsOn).toContain(run.named("dev-host-data").urn);
    expect(attachment.props.volumeId).toMatch(/^vol-0/);
    expect(run.named("dev-host-prepare-data-volume").dependsOn).toContain(run.named("dev-host-install-packages").urn);
  });
});

describe("(c) the database to a point in time", () => {
  it("a new instance restored from the source's backups, under a new identifier", () => {
    const db = run.named("dev-database-db");
    expect(db.props.restoreToPointInTime).toEqual({
      sourceDbInstanceIdentifier: "dev-database-db-1a2b3c4",
      restoreTime: "2026-12-01T08:30:00Z",
    });
    expect(db.props.identifier).toMatch(/^dev-database-db-pitr-[0-9a-f]{8}$/);
    // Same network placement, security group, encryption and TLS parameter group as the database it replaces.
    expect(db.props).toMatchObject({ storageEncrypted: true, publiclyAccessible: false });
    expect(db.props.vpcSecurityGroupIds).toHaveLength(1);
  });
  it("the database alarms follow the restored instance", () => {
    const identifier = run.named("dev-database-db").props.identifier;
    const rds = run.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.props.namespace === "AWS/RDS");
    expect(rds).toHaveLength(3);
    for (const a of rds) expect(a.props.dimensions).toEqual({ DBInstanceIdentifier: identifier });
  });
});

describe("options on in dev", () => {
  it("a CPU credit alarm for the burstable host, at the configured threshold", () => {
    const credits = run.named("dev-monitoring-host-cpu-credits");
    expect(credits.props).toMatchObject({
      metricName: "CPUCreditBalance",
      threshold: 30,
      name: "dev-host-cpu-credits-low",
    });
  });
  it("two subscriptions, and snapshots kept 3 days", () => {
    expect(run.ofType("aws:sns/topicSubscription:TopicSubscription").map((s) => s.props.endpoint)).toEqual([
      "ops@example.com",
      "oncall@example.com",
    ]);
    expect(run.named("dev-monitoring-data-snapshots").props.policyDetails.schedules[0].retainRule).toEqual({
      count: 3,
    });
  });
});

describe("(a) a new host on the existing data volume", () => {
  it("the data volume does not depend on the instance; the attachment stops the old instance before detaching", () => {
    const instance = run.named("dev-host-instance");
    expect(run.named("dev-host-data").dependsOn).not.toContain(instance.urn);
    const attachment = run.named("dev-host-data-attachment");
    expect(attachment.props.stopInstanceBeforeDetaching).toBe(true);
    expect(attachment.dependsOn).toContain(instance.urn);
    expect(run.named("dev-host-eip-association").dependsOn).toContain(instance.urn);
  });
  it("every provisioning step is keyed on the instance id, so a new instance is provisioned from scratch", () => {
    const steps = run.ofType("command:remote:Command").filter((c) => c.name.startsWith("dev-host-"));
    expect(steps.map((s) => s.name.replace("dev-host-", ""))).toEqual(
      expect.arrayContaining(["wait-ready", "prepare-data-volume", "health-check", "install-cloudwatch-agent"]),
    );
    const instanceId = run.outputs.hostInstanceId!.value;
    for (const s of steps) expect(s.props.triggers[0]).toBe(instanceId);
  });
});

describe("(c) what the point-in-time restore leaves out", () => {
  it("outputs the follow-up script for the restored instance: password, retention and window, no secret in it", async () => {
    const identifier = run.named("dev-database-db").props.identifier as string;
    const output = run.outputs.databaseRestoreFollowUp!;
    expect(output.secret).toBe(false);
    const script = String(output.value);
    expect(script).toContain(`"DBInstanceIdentifier":"${identifier}"`);
    expect(script).toContain(`"BackupRetentionPeriod":${run.named("dev-database-db").props.backupRetentionPeriod}`);
    expect(script).toContain("pulumi stack output --show-secrets databasePassword");
    expect(script).toContain(`aws rds modify-db-instance --region 'ap-northeast-2' --cli-input-json "file://$request"`);
    expect(script).not.toContain(String(run.outputs.databasePassword!.value));
  });
});
