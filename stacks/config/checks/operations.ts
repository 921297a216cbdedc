import type { Composition } from "../defaults";
import { type ConfigProblem, setCommand } from "../errors";
import type { SecretKey, SectionsConfig } from "../schema";

/** Minutes since the start of the week (Monday 00:00 UTC) for `ddd:hh:mm`, or since midnight for `hh:mm`. */
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
function minutesOf(point: string): number {
  const parts = point.split(":");
  const [h, m] = parts.slice(-2).map(Number) as [number, number];
  const day = parts.length === 3 ? DAYS.indexOf(parts[0]!) : 0;
  return day * 1440 + h * 60 + m;
}

/** [start, end) intervals of a window in minutes of its cycle; a window over midnight (or Sunday night) wraps. */
function intervals(window: string, cycle: number): [number, number][] {
  const [from, to] = window.split("-") as [string, string];
  const start = minutesOf(from);
  const end = minutesOf(to);
  return end > start
    ? [[start, end]]
    : [
        [start, cycle],
        [0, end],
      ];
}

/** Length of a window in minutes (a wrapping window counts across midnight). */
export function windowMinutes(window: string, cycle: number): number {
  return intervals(window, cycle).reduce((sum, [a, b]) => sum + (b - a), 0);
}

/** Whether the daily backup window overlaps the weekly maintenance window (RDS refuses that). */
export function windowsOverlap(backupWindow: string, maintenanceWindow: string): boolean {
  const week = 7 * 1440;
  const daily = intervals(backupWindow, 1440);
  const weekly = intervals(maintenanceWindow, week);
  for (let day = 0; day < 7; day++) {
    for (const [a, b] of daily) {
      const [da, db] = [a + day * 1440, b + day * 1440];
      if (weekly.some(([wa, wb]) => da < wb && wa < db)) return true;
    }
  }
  return false;
}

/** Rules of the operations settings: backups, alert thresholds, restore sources. */
export function operationsChecks(
  config: SectionsConfig,
  composition: Composition,
  _secretsSet: Record<SecretKey, boolean>,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const { database, restore } = config;
  if (composition === "prod" && database.backupRetentionDays < 7) {
    problems.push({
      key: "database.backupRetentionDays",
      message: `is ${database.backupRetentionDays}: prod keeps at least 7 days of automated backups (point-in-time restore reaches back that far).`,
      fix: setCommand("database.backupRetentionDays", "14"),
    });
  }
  if (windowMinutes(database.backupWindow, 1440) < 30) {
    problems.push({
      key: "database.backupWindow",
      message: `"${database.backupWindow}" is shorter than the 30 minutes RDS requires.`,
      fix: setCommand("database.backupWindow", "17:00-18:00"),
    });
  }
  if (windowMinutes(database.maintenanceWindow, 7 * 1440) < 30) {
    problems.push({
      key: "database.maintenanceWindow",
      message: `"${database.maintenanceWindow}" is shorter than the 30 minutes RDS requires.`,
      fix: setCommand("database.maintenanceWindow", "sun:18:30-sun:19:30"),
    });
  }
  if (windowsOverlap(database.backupWindow, database.maintenanceWindow)) {
    problems.push({
      key: "database.maintenanceWindow",
      message: `"${database.maintenanceWindow}" overlaps the daily backup window "${database.backupWindow}"; RDS refuses overlapping windows.`,
      fix: setCommand("database.maintenanceWindow", "sun:18:30-sun:19:30"),
    });
  }
  if (restore.databaseSourceInstance && !restore.databaseRestoreTime) {
    problems.push({
      key: "restore.databaseRestoreTime",
      message: "is required with restore.databaseSourceInstance: give the UTC time to restore to, or latest.",
      fix: setCommand("restore.databaseRestoreTime", "latest"),
    });
  }
  if (restore.databaseRestoreTime && !restore.databaseSourceInstance) {
    problems.push({
      key: "restore.databaseSourceInstance",
      message: "is required with restore.databaseRestoreTime: name the instance whose backups are restored.",
      fix: setCommand("restore.databaseSourceInstance", "prod-database-db-1a2b3c4"),
    });
  }
  if (restore.databaseSourceInstance && restore.databaseSnapshotIdentifier) {
    problems.push({
      key: "restore.databaseSnapshotIdentifier",
      message: "and restore.databaseSourceInstance are both set: restore either from a snapshot or to a point in time.",
      fix: "pulumi config rm --path 'restore.databaseSnapshotIdentifier'",
    });
  }
  return problems;
}
