import type { PolicyConfigSchema } from "@pulumi/policy";

export type Environment = "dev" | "prod";

/** The policy config every environment-dependent rule accepts (`--policy-pack-config`). */
export interface EnvironmentConfig {
  environment?: Environment;
}

export const environmentConfigSchema: PolicyConfigSchema = {
  properties: {
    environment: {
      type: "string",
      enum: ["dev", "prod"],
      description: 'Stack environment. When not set, stacks whose name starts with "prod" are prod, all others dev.',
    },
  },
};

/** The stack name in a URN: `urn:pulumi:<stack>::<project>::<type>::<name>`. */
export function stackOfUrn(urn: string | undefined): string | undefined {
  const match = /^urn:pulumi:([^:]+)::/.exec(urn ?? "");
  return match?.[1];
}

/**
 * The environment a rule judges for: the policy config when set, else the stack name of the URN ("prod..." -> prod).
 * Tags are not used: provider default tags are not in the resource inputs.
 */
export function resolveEnvironment(config: EnvironmentConfig | undefined, urn: string | undefined): Environment {
  if (config?.environment === "prod" || config?.environment === "dev") return config.environment;
  const stack = stackOfUrn(urn);
  return stack !== undefined && stack.toLowerCase().startsWith("prod") ? "prod" : "dev";
}
