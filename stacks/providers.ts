import * as aws from "@pulumi/aws";
import type { StackConfig } from "./config/parse";
import { PROJECT } from "./config/schema";

/** Tags every AWS resource carries (through the provider's default tags). */
export function defaultTags(config: StackConfig): Record<string, string> {
  return { Project: PROJECT, Stack: config.stack, Environment: config.composition, ManagedBy: "pulumi" };
}

/** The AWS provider, set explicitly from stack config (never from ambient defaults). */
export function awsProvider(config: StackConfig): aws.Provider {
  return new aws.Provider("aws", {
    region: config.aws.region as aws.Region,
    allowedAccountIds: config.aws.allowedAccountIds.length > 0 ? config.aws.allowedAccountIds : undefined,
    defaultTags: { tags: defaultTags(config) },
  });
}
