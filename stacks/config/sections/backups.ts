import { z } from "zod";

/** `backups`: snapshots of the registry's data volume (RDS keeps its own automated backups, see `database.*`). */
export const backupsSection = z
  .object({
    /** Daily EBS snapshots of the registry data volume (Data Lifecycle Manager). Defaults to false in dev, true in prod. */
    dataVolumeSnapshots: z.boolean().meta({ example: "true" }),
    /** How many daily snapshots are kept (the oldest is deleted when a new one is taken). Defaults to 7. */
    snapshotRetentionCount: z.number().int().min(1).max(1000).default(7).meta({ example: "7" }),
    /** Time of day (UTC, hh:mm) the daily snapshot starts; AWS starts it within the following hour. Defaults to 18:00 (03:00 in Seoul). */
    snapshotTimeUtc: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a UTC time of day as hh:mm, such as 18:00")
      .default("18:00")
      .meta({ example: "18:00" }),
  })
  .strict();
