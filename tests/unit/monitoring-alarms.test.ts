// Which alarms a stack gets (names, thresholds, actions, descriptions that say what to do), which instance types
// earn CPU credits, the snapshot policy's details, and the database's restore inputs: pure functions, no engine.
import { describe, expect, it } from "vitest";
import { type AlarmPlanInput, planAlarms, recoverActionArn } from "../../components/monitoring/alarms";
import { hasCpuCredits } from "../../components/monitoring/burstable";
import {
  dlmText,
  snapshotPolicyDescription,
  snapshotPolicyDetails,
  snapshotTargetTags,
} from "../../components/monitoring/snapshots";
import { restoreInputs } from "../../components/database/restore";

const input = (overrides: Partial<AlarmPlanInput> = {}): AlarmPlanInput => ({
  prefix: "prod",
  region: "ap-northeast-2",
  instanceType: "m6i.xlarge",
  dataMount: "/srv/registry",
  dataFsType: "ext4",
  notify: true,
  thresholds: {
    hostCpuCreditBalanceMin: 20,
    dataVolumeUsedPercentMax: 80,
    hostMemoryUsedPercentMax: 90,
    databaseFreeStorageGiBMin: 5,
    databaseCpuPercentMax: 80,
    databaseFreeMemoryMiBMin: 100,
  },
  ...overrides,
});

describe("planAlarms", () => {
  it("with someone to tell: status checks, data volume, memory and RDS storage, CPU, memory", () => {
    expect(
      planAlarms(input()).map((a) => [a.alarmName, a.namespace, a.metricName, a.comparisonOperator, a.threshold]),
    ).toEqual([
      ["prod-host-system-status-check-failed", "AWS/EC2", "StatusCheckFailed_System", "GreaterThanThreshold", 0],
      ["prod-host-instance-status-check-failed", "AWS/EC2", "StatusCheckFailed_Instance", "GreaterThanThreshold", 0],
      ["prod-registry-volume-filling-up", "startup-infra/host", "disk_used_percent", "GreaterThanThreshold", 80],
      ["prod-host-memory-high", "startup-infra/host", "mem_used_percent", "GreaterThanThreshold", 90],
      ["prod-database-storage-low", "AWS/RDS", "FreeStorageSpace", "LessThanThreshold", 5 * 1024 ** 3],
      ["prod-database-cpu-high", "AWS/RDS", "CPUUtilization", "GreaterThanThreshold", 80],
      ["prod-database-memory-low", "AWS/RDS", "FreeableMemory", "LessThanThreshold", 100 * 1024 ** 2],
    ]);
    for (const a of planAlarms(input())) expect(a.notify).toBe(true);
  });

  it("the system status check alarm recovers the instance in the stack's region", () => {
    const system = planAlarms(input({ region: "eu-west-1" }))[0]!;
    expect(system.ec2Actions).toEqual(["arn:aws:automate:eu-west-1:ec2:recover"]);
    expect(recoverActionArn("us-east-1")).toBe("arn:aws:automate:us-east-1:ec2:recover");
    for (const a of planAlarms(input()).slice(1)) expect(a.ec2Actions).toEqual([]);
  });

  it("without anyone to tell, only the auto-recovery alarm exists (and notifies no one)", () => {
    const alarms = planAlarms(input({ notify: false }));
    expect(alarms.map((a) => a.key)).toEqual(["host-system-status"]);
    expect(alarms[0]!.notify).toBe(false);
    expect(alarms[0]!.ec2Actions).toEqual([recoverActionArn("ap-northeast-2")]);
  });

  it("a CPU credit alarm only for burstable types", () => {
    const keys = (instanceType: string) => planAlarms(input({ instanceType })).map((a) => a.key);
    expect(keys("t3.medium")).toContain("host-cpu-credits");
    expect(keys("m6i.xlarge")).not.toContain("host-cpu-credits");
    const credits = planAlarms(input({ instanceType: "t4g.large" })).find((a) => a.key === "host-cpu-credits")!;
    expect(credits).toMatchObject({ metricName: "CPUCreditBalance", statistic: "Minimum", threshold: 20 });
    expect(credits.description).toContain("t4g.large");
  });

  it("the disk alarm names exactly the dimensions the agent sends", () => {
    const disk = planAlarms(input()).find((a) => a.key === "data-volume-used")!;
    expect(disk.extraDimensions).toEqual({ path: "/srv/registry", fstype: "ext4" });
  });

  it("thresholds come from config", () => {
    const alarms = planAlarms(
      input({
        thresholds: {
          hostCpuCreditBalanceMin: 1,
          dataVolumeUsedPercentMax: 70,
          hostMemoryUsedPercentMax: 95,
          databaseFreeStorageGiBMin: 10,
          databaseCpuPercentMax: 60,
          databaseFreeMemoryMiBMin: 256,
        },
      }),
    );
    const by = (k: string) => alarms.find((a) => a.key === k)!.threshold;
    expect([by("data-volume-used"), by("host-memory-used"), by("database-cpu")]).toEqual([70, 95, 60]);
    expect(by("database-free-storage")).toBe(10 * 1024 ** 3);
    expect(by("database-free-memory")).toBe(256 * 1024 ** 2);
  });

  it("every description says what happened and what to do, and names stay unique", () => {
    const alarms = planAlarms(input({ instanceType: "t3.large" }));
    expect(new Set(alarms.map((a) => a.alarmName)).size).toBe(alarms.length);
    for (const a of alarms) {
      expect(a.alarmName).toMatch(/^prod-[a-z0-9-]+$/);
      expect(a.description.length).toBeLessThanOrEqual(1024); // CloudWatch's limit
      expect(a.description).toMatch(
        /\. [A-Z].*(pulumi up|docs\/restore\.md|npm run|host\.|database\.|Look|Find|Check|Wait|Delete)/,
      );
    }
  });
});

describe("hasCpuCredits", () => {
  it.each([
    ["t2.micro", true],
    ["t3.medium", true],
    ["t3a.large", true],
    ["t4g.small", true],
    ["m6i.xlarge", false],
    ["c7g.large", false],
    ["m5.large", false],
    ["t1.micro", false],
  ])("%s -> %s", (type, expected) => {
    expect(hasCpuCredits(type)).toBe(expected);
  });
});

describe("snapshot policy", () => {
  it("daily at the configured time, keeps the configured count, targets the stack's data volume tag, copies tags", () => {
    expect(snapshotPolicyDetails({ stack: "prod", retentionCount: 14, timeUtc: "18:00" })).toEqual({
      policyType: "EBS_SNAPSHOT_MANAGEMENT",
      resourceTypes: ["VOLUME"],
      targetTags: { "startup-infra:snapshots": "prod-registry-data" },
      schedules: [
        {
          name: "daily keep 14",
          createRule: { interval: 24, intervalUnit: "HOURS", times: "18:00" },
          retainRule: { count: 14 },
          copyTags: true,
          tagsToAdd: { SnapshotOf: "prod registry data", CreatedBy: "startup-infra DLM" },
        },
      ],
    });
    expect(snapshotTargetTags("dev")).not.toEqual(snapshotTargetTags("prod"));
  });

  it("description and schedule names keep to DLM's [0-9A-Za-z _-], whatever the stack is called", () => {
    for (const stack of ["prod", "dev", "team.eu_1", "a:b,c"]) {
      expect(snapshotPolicyDescription(stack)).toMatch(/^[0-9A-Za-z _-]{1,500}$/);
      for (const s of snapshotPolicyDetails({ stack, retentionCount: 7, timeUtc: "18:00" }).schedules)
        expect(s.name).toMatch(/^[0-9A-Za-z _-]{1,120}$/);
    }
    expect(dlmText("prod: daily, keep 7")).toBe("prod- daily- keep 7");
  });
});

describe("restoreInputs", () => {
  it("nothing for an empty database", () => {
    expect(restoreInputs("prod-database-db", undefined)).toEqual({});
  });
  it("a snapshot restore names the snapshot", () => {
    expect(restoreInputs("prod-database-db", { kind: "snapshot", snapshotIdentifier: "prod-final-1" })).toEqual({
      snapshotIdentifier: "prod-final-1",
    });
  });
  it("a point-in-time restore names the source, the time, and a new identifier derived from both", () => {
    const at = restoreInputs("prod-database-db", {
      kind: "point-in-time",
      sourceInstance: "prod-database-db-1a2b3c4",
      time: "2026-12-01T08:30:00Z",
    });
    expect(at.restoreToPointInTime).toEqual({
      sourceDbInstanceIdentifier: "prod-database-db-1a2b3c4",
      restoreTime: "2026-12-01T08:30:00Z",
    });
    expect(at.identifier).toMatch(/^prod-database-db-pitr-[0-9a-f]{8}$/);
    const latest = restoreInputs("prod-database-db", {
      kind: "point-in-time",
      sourceInstance: "prod-database-db-1a2b3c4",
      time: "latest",
    });
    expect(latest.restoreToPointInTime).toEqual({
      sourceDbInstanceIdentifier: "prod-database-db-1a2b3c4",
      useLatestRestorableTime: true,
    });
    expect(latest.identifier).not.toBe(at.identifier);
    expect(latest.identifier!.length).toBeLessThanOrEqual(63);
  });
});
