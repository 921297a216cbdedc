import { z } from "zod";

/**
 * `restore`: where to restore data from (docs/restore.md). Setting or changing a key replaces the resource it names on
 * the next `pulumi up`. Removing it afterwards differs per key: `dataVolumeSnapshotId` and
 * `databaseSnapshotIdentifier` replace nothing (the provider's `snapshotId` / `snapshotIdentifier` are optional and
 * computed: state keeps the value); `databaseSourceInstance` / `databaseRestoreTime` must stay set (removing them
 * replaces the database with an empty one: `restoreToPointInTime` is not computed).
 */
export const restoreSection = z
  .object({
    /** EBS snapshot id the registry data volume is created from. Defaults to none (an empty volume). */
    dataVolumeSnapshotId: z
      .string()
      .regex(/^snap-[0-9a-f]{8,17}$/, "must be an EBS snapshot id such as snap-0123456789abcdef0")
      .optional()
      .meta({ example: "snap-0123456789abcdef0" }),
    /** RDS point-in-time restore: the identifier of the instance whose automated backups are read. Defaults to none. */
    databaseSourceInstance: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,62}$/, "must be an RDS instance identifier such as prod-database-db-1a2b3c4")
      .optional()
      .meta({ example: "prod-database-db-1a2b3c4" }),
    /**
     * The moment to restore to (UTC, ISO 8601, e.g. 2026-12-01T08:30:00Z), or `latest` for the latest restorable
     * time. Required with `databaseSourceInstance`.
     */
    databaseRestoreTime: z
      .union([
        z.literal("latest"),
        z.iso.datetime({ message: "must be an ISO 8601 UTC time such as 2026-12-01T08:30:00Z or latest" }),
      ])
      .optional()
      .meta({ example: "2026-12-01T08:30:00Z" }),
    /** RDS snapshot (manual, or the final snapshot kept on delete) to create the database from instead. Defaults to none. */
    databaseSnapshotIdentifier: z
      .string()
      .regex(
        /^[A-Za-z][A-Za-z0-9:-]{0,254}$/,
        "must be an RDS snapshot identifier such as prod-database-db-final-1a2b3c4d",
      )
      .optional()
      .meta({ example: "prod-database-db-final-1a2b3c4d" }),
  })
  .strict();
