import { z } from "zod";
import { ipv4Cidr } from "./common";

/** `network`: the VPC and its subnets. */
export const networkSection = z
  .object({
    /** VPC CIDR block. Defaults to 10.0.0.0/16, as in the hand-built setup. */
    vpcCidr: ipv4Cidr.default("10.0.0.0/16").meta({ example: "10.0.0.0/16" }),
    /** Public subnets (one per AZ) for the host. Defaults to 1 in dev, 2 in prod. */
    publicSubnetCount: z.number().int().min(1).max(6).meta({ example: "2" }),
    /** Private database subnets (one per AZ, no internet route). RDS needs at least 2. Defaults to 2. */
    privateSubnetCount: z.number().int().min(2).max(6).default(2).meta({ example: "2" }),
    /** Prefix length of every subnet. Defaults to 24 (256 addresses, as in the hand-built setup). */
    subnetPrefixLength: z.number().int().min(16).max(28).default(24).meta({ example: "24" }),
    /** VPC flow logs to CloudWatch Logs. Defaults to false in dev, true in prod. */
    flowLogs: z.boolean().meta({ example: "true" }),
    /** Days flow logs are kept. Defaults to 90. */
    flowLogRetentionDays: z
      .number()
      .int()
      .refine((d) => [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 3653].includes(d), {
        message: "must be a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)",
      })
      .default(90)
      .meta({ example: "90" }),
  })
  .strict();
