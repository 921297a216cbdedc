import { z } from "zod";
import { digitText } from "./common";

/** `database`: the RDS instance. Defaults differ per composition (dev: free tier; prod: protected). */
export const databaseSection = z
  .object({
    /** postgres or mysql. Defaults to postgres. */
    engine: z.enum(["postgres", "mysql"]).default("postgres").meta({ example: "postgres" }),
    /** Engine major version. Defaults to 16 (postgres) or 8.0 (mysql). */
    engineVersion: digitText(z.string().regex(/^\d+(\.\d+){0,2}$/, "must be a version such as 16 or 8.0"))
      .optional()
      .meta({ example: "16" }),
    /** Instance class. Defaults to db.t4g.micro (free tier) in dev, db.t4g.medium in prod. */
    instanceClass: z
      .string()
      .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "must be an RDS instance class such as db.t4g.micro")
      .meta({ example: "db.t4g.micro" }),
    /** Storage in GiB. Defaults to 20 (free tier) in dev, 50 in prod. */
    allocatedStorageGiB: z.number().int().min(20).max(65536).meta({ example: "20" }),
    /** Storage autoscaling ceiling in GiB; 0 turns autoscaling off. Defaults to 0 in dev, 200 in prod. */
    maxAllocatedStorageGiB: z.number().int().min(0).max(65536).meta({ example: "200" }),
    /** Initial database name. Defaults to app. */
    dbName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]{0,62}$/, "must start with a letter and hold only letters, digits and _")
      .default("app")
      .meta({ example: "app" }),
    /** Master user name (its password is generated and secret). Defaults to app_admin. */
    username: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]{0,15}$/, "must start with a letter, hold only letters, digits and _, at most 16")
      .refine((u) => !["admin", "postgres", "rdsadmin", "root"].includes(u.toLowerCase()), {
        message: "is reserved by RDS: choose another name",
      })
      .default("app_admin")
      .meta({ example: "app_admin" }),
    /** Days of automated backups. Defaults to 1 in dev, 14 in prod (prod needs at least 7). */
    backupRetentionDays: z.number().int().min(0).max(35).meta({ example: "14" }),
    /**
     * Daily window (UTC, hh:mm-hh:mm, at least 30 minutes) for automated backups; must not overlap the maintenance
     * window. Defaults to 17:00-18:00 (02:00-03:00 in Seoul).
     */
    backupWindow: z
      .string()
      .regex(
        /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/,
        "must be a UTC window as hh:mm-hh:mm, such as 17:00-18:00",
      )
      .default("17:00-18:00")
      .meta({ example: "17:00-18:00" }),
    /** Weekly window (UTC, ddd:hh:mm-ddd:hh:mm) for engine patches. Defaults to sun:18:30-sun:19:30 (Monday 03:30 in Seoul). */
    maintenanceWindow: z
      .string()
      .regex(
        /^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$/,
        "must be a UTC window as ddd:hh:mm-ddd:hh:mm, such as sun:18:30-sun:19:30",
      )
      .default("sun:18:30-sun:19:30")
      .meta({ example: "sun:18:30-sun:19:30" }),
    /** Standby in a second AZ. Defaults to false (an option for prod). */
    multiAz: z.boolean().default(false).meta({ example: "true" }),
    /** Performance Insights (7 days, free tier). Defaults to false in dev, true in prod. */
    performanceInsights: z.boolean().meta({ example: "true" }),
    /** Deletion protection. Defaults to false in dev, true in prod. */
    deletionProtection: z.boolean().meta({ example: "true" }),
    /** Keep a final snapshot on delete. Defaults to false in dev, true in prod. */
    finalSnapshot: z.boolean().meta({ example: "true" }),
    /** IAM database authentication. Defaults to false. */
    iamAuthentication: z.boolean().default(false).meta({ example: "true" }),
    /** Export the engine's error (and upgrade / slow query) logs to CloudWatch Logs. Defaults to true. */
    logExports: z.boolean().default(true).meta({ example: "false" }),
  })
  .strict();
