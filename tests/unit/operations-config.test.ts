// The operations settings: alerts, backups, RDS windows and retention, restore sources. Defaults per composition,
// and every mistake named with its key and fix.
import { describe, expect, it } from "vitest";
import { windowMinutes, windowsOverlap } from "../../stacks/config/checks/operations";
import { parseStackConfig } from "../../stacks/config/parse";
import { problems, raw } from "./support/rawConfig";

const HOST = { sshAllowedCidrs: ["203.0.113.10/32"] };
const PROD_SECRETS = ["tlsCertificateChain", "tlsPrivateKey"];
const prod = (extra: Record<string, unknown>) =>
  raw(
    "prod",
    {
      host: HOST,
      dns: { enabled: true, domain: "example.com" },
      tls: { mode: "provided" },
      tlsCertificateChain: "pem",
      tlsPrivateKey: "pem",
      ...extra,
    },
    PROD_SECRETS,
  );
const dev = (extra: Record<string, unknown>) => raw("dev", { host: HOST, ...extra });

describe("defaults", () => {
  it("dev: alerts off, no snapshots, documented thresholds and windows", () => {
    const c = parseStackConfig(dev({}));
    expect(c.alerts).toEqual({
      email: [],
      hostCpuCreditBalanceMin: 20,
      dataVolumeUsedPercentMax: 80,
      hostMemoryUsedPercentMax: 90,
      databaseFreeStorageGiBMin: 5,
      databaseCpuPercentMax: 80,
      databaseFreeMemoryMiBMin: 100,
    });
    expect(c.backups).toEqual({ dataVolumeSnapshots: false, snapshotRetentionCount: 7, snapshotTimeUtc: "18:00" });
    expect(c.database).toMatchObject({ backupWindow: "17:00-18:00", maintenanceWindow: "sun:18:30-sun:19:30" });
    expect(c.restore).toEqual({});
  });

  it("prod: snapshots on; config wins", () => {
    expect(parseStackConfig(prod({})).backups.dataVolumeSnapshots).toBe(true);
    const c = parseStackConfig(
      prod({
        backups: { dataVolumeSnapshots: false, snapshotRetentionCount: 30 },
        alerts: { email: ["ops@example.com"] },
      }),
    );
    expect(c.backups).toMatchObject({ dataVolumeSnapshots: false, snapshotRetentionCount: 30 });
    expect(c.alerts.email).toEqual(["ops@example.com"]);
  });

  it("restore sources parse", () => {
    const c = parseStackConfig(
      prod({
        restore: {
          dataVolumeSnapshotId: "snap-0123456789abcdef0",
          databaseSourceInstance: "prod-database-db-1a2b3c4",
          databaseRestoreTime: "2026-12-01T08:30:00Z",
        },
      }),
    );
    expect(c.restore.dataVolumeSnapshotId).toBe("snap-0123456789abcdef0");
    expect(c.restore.databaseRestoreTime).toBe("2026-12-01T08:30:00Z");
  });
});

describe("mistakes", () => {
  it("prod keeps at least 7 days of RDS backups", () => {
    expect(problems(prod({ database: { backupRetentionDays: 3 } }))).toEqual([
      {
        key: "database.backupRetentionDays",
        message: "is 3: prod keeps at least 7 days of automated backups (point-in-time restore reaches back that far).",
        fix: "pulumi config set --path 'database.backupRetentionDays' 14",
      },
    ]);
    expect(parseStackConfig(dev({ database: { backupRetentionDays: 3 } })).database.backupRetentionDays).toBe(3);
  });

  it("an address that is not one, a bad snapshot id, a bad time", () => {
    const found = problems(
      dev({
        alerts: { email: ["ops"] },
        restore: { dataVolumeSnapshotId: "vol-123", databaseSourceInstance: "x", databaseRestoreTime: "yesterday" },
      }),
    );
    expect(found.map((p) => p.key)).toEqual([
      "alerts.email[0]",
      "restore.dataVolumeSnapshotId",
      "restore.databaseRestoreTime",
    ]);
    expect(found[0]!.message).toContain("must be an e-mail address");
    expect(found[1]!.fix).toBe("pulumi config set --path 'restore.dataVolumeSnapshotId' snap-0123456789abcdef0");
  });

  it("a point-in-time source needs a time, a time needs a source, and only one kind of restore", () => {
    expect(problems(dev({ restore: { databaseSourceInstance: "dev-db" } }))).toEqual([
      {
        key: "restore.databaseRestoreTime",
        message: "is required with restore.databaseSourceInstance: give the UTC time to restore to, or latest.",
        fix: "pulumi config set --path 'restore.databaseRestoreTime' latest",
      },
    ]);
    expect(problems(dev({ restore: { databaseRestoreTime: "latest" } })).map((p) => p.key)).toEqual([
      "restore.databaseSourceInstance",
    ]);
    expect(
      problems(
        dev({
          restore: {
            databaseSourceInstance: "dev-db",
            databaseRestoreTime: "latest",
            databaseSnapshotIdentifier: "s1",
          },
        }),
      ).map((p) => p.key),
    ).toEqual(["restore.databaseSnapshotIdentifier"]);
  });

  it("windows: well-formed, at least 30 minutes, not overlapping", () => {
    expect(problems(dev({ database: { backupWindow: "25:00-26:00" } }))[0]!.key).toBe("database.backupWindow");
    expect(problems(dev({ database: { backupWindow: "17:00-17:15" } }))[0]!.message).toContain("30 minutes");
    const overlap = problems(dev({ database: { backupWindow: "18:00-19:00" } }));
    expect(overlap.map((p) => p.key)).toEqual(["database.maintenanceWindow"]);
    expect(overlap[0]!.message).toContain("overlaps the daily backup window");
  });
});

describe("window arithmetic", () => {
  it("lengths, across midnight and across the week's end", () => {
    expect(windowMinutes("17:00-18:00", 1440)).toBe(60);
    expect(windowMinutes("23:30-00:30", 1440)).toBe(60);
    expect(windowMinutes("sun:23:00-mon:01:00", 7 * 1440)).toBe(120);
  });
  it("overlap on any day of the week", () => {
    expect(windowsOverlap("17:00-18:00", "sun:18:30-sun:19:30")).toBe(false);
    expect(windowsOverlap("18:00-19:00", "wed:18:30-wed:19:30")).toBe(true);
    expect(windowsOverlap("23:30-00:30", "mon:00:00-mon:01:00")).toBe(true);
    expect(windowsOverlap("02:00-03:00", "sun:23:00-mon:01:00")).toBe(false);
  });
});
