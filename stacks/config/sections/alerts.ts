import { z } from "zod";

/** An e-mail address SNS can deliver to (a light check: SNS itself sends the confirmation mail). */
const emailAddress = z
  .string()
  .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, "must be an e-mail address such as ops@example.com");

/**
 * `alerts`: who is told when the platform breaks, and when. Alarms exist only when `email` lists someone; the host's
 * auto-recovery alarm exists either way.
 */
export const alertsSection = z
  .object({
    /** Addresses subscribed to the alarm topic (each confirms once by mail). Defaults to none: alerts off. */
    email: z.array(emailAddress).default([]).meta({ example: "ops@example.com" }),
    /** Host's CPU credit balance below which to alert (burstable t2/t3/t3a/t4g types only). Defaults to 20 credits. */
    hostCpuCreditBalanceMin: z.number().min(0).default(20).meta({ example: "20" }),
    /** Registry data volume fill level above which to alert, in percent. Defaults to 80. */
    dataVolumeUsedPercentMax: z.number().min(1).max(100).default(80).meta({ example: "80" }),
    /** Host memory use above which to alert, in percent. Defaults to 90. */
    hostMemoryUsedPercentMax: z.number().min(1).max(100).default(90).meta({ example: "90" }),
    /** RDS free storage below which to alert, in GiB. Defaults to 5. */
    databaseFreeStorageGiBMin: z.number().min(0).default(5).meta({ example: "5" }),
    /** RDS CPU use above which to alert, in percent (15-minute average). Defaults to 80. */
    databaseCpuPercentMax: z.number().min(1).max(100).default(80).meta({ example: "80" }),
    /** RDS freeable memory below which to alert, in MiB. Defaults to 100. */
    databaseFreeMemoryMiBMin: z.number().min(0).default(100).meta({ example: "100" }),
  })
  .strict();
