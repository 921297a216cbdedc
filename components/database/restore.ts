import { createHash } from "node:crypto";

/** Where a database's data comes from when it is not created empty (docs/restore.md, section C). */
export type DatabaseRestore =
  /** Point-in-time restore from the automated backups of `sourceInstance`; `time` is ISO 8601 UTC or `latest`. */
  | { kind: "point-in-time"; sourceInstance: string; time: string }
  /** A DB snapshot (manual, or the final snapshot kept on delete). */
  | { kind: "snapshot"; snapshotIdentifier: string };

/** The aws.rds.Instance inputs that restore, for a resource named `name` (none for an empty database). */
export function restoreInputs(
  name: string,
  restore: DatabaseRestore | undefined,
): {
  identifier?: string;
  snapshotIdentifier?: string;
  restoreToPointInTime?: {
    sourceDbInstanceIdentifier: string;
    restoreTime?: string;
    useLatestRestorableTime?: boolean;
  };
} {
  if (!restore) return {};
  if (restore.kind === "snapshot") return { snapshotIdentifier: restore.snapshotIdentifier };
  // The provider requires an explicit identifier with restoreToPointInTime (aws.rds.Instance docs). It is derived
  // from the restore source, so a new restore gets a new instance beside the old one (create before delete).
  const suffix = createHash("sha256").update(`${restore.sourceInstance}@${restore.time}`).digest("hex").slice(0, 8);
  const identifier = `${name}-pitr-${suffix}`.toLowerCase().slice(0, 63);
  return {
    identifier,
    restoreToPointInTime:
      restore.time === "latest"
        ? { sourceDbInstanceIdentifier: restore.sourceInstance, useLatestRestorableTime: true }
        : { sourceDbInstanceIdentifier: restore.sourceInstance, restoreTime: restore.time },
  };
}
