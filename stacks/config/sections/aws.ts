import { z } from "zod";
import { digitText } from "./common";

/** `aws`: where the AWS resources go. */
export const awsSection = z
  .object({
    /** AWS region. Defaults to ap-northeast-2 (Seoul), where the hand-built setup's team ran. */
    region: z
      .string()
      .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "must be an AWS region code such as ap-northeast-2")
      .default("ap-northeast-2")
      .meta({ example: "ap-northeast-2" }),
    /**
     * Account ids this stack may touch: the provider refuses any other account, so a stray credential
     * cannot deploy prod into the wrong account. Defaults to no restriction.
     */
    allowedAccountIds: z
      .array(digitText(z.string().regex(/^\d{12}$/, "must be a 12-digit AWS account id")))
      .default([])
      .meta({ example: "123456789012" }),
  })
  .strict();
