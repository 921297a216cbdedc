/** Small builders for testing rules on hand-made resources (unit tests, and anyone trying a rule out). */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import type { PlannedResource, PlanViolation } from "./planned";
import type { Environment } from "./lib/environment";
import { evaluate } from "./evaluate";

export const PROJECT = "startup-infra";

/** A planned custom resource in stack `stack` (default "dev") with a URN built like the engine's. */
export function planned(
  type: string,
  name: string,
  inputs: Record<string, unknown> = {},
  options: { stack?: string; dependsOn?: PlannedResource[]; parent?: PlannedResource } = {},
): PlannedResource {
  return {
    urn: `urn:pulumi:${options.stack ?? "dev"}::${PROJECT}::${type}::${name}`,
    type,
    name,
    parent: options.parent?.urn,
    inputs,
    dependsOn: (options.dependsOn ?? []).map((d) => d.urn),
    custom: true,
    protect: false,
    ignoreChanges: [],
  };
}

/** Violations of one policy over `resources`. */
export function run(
  policy: ResourceValidationPolicy | StackValidationPolicy,
  resources: PlannedResource[],
  environment: Environment = "dev",
  config: Record<string, unknown> = {},
): PlanViolation[] {
  return evaluate([policy], resources, environment, config);
}

/** Just the messages of one policy's violations. */
export function messages(
  policy: ResourceValidationPolicy | StackValidationPolicy,
  resources: PlannedResource[],
  environment: Environment = "dev",
  config: Record<string, unknown> = {},
): string[] {
  return run(policy, resources, environment, config).map((v) => v.message);
}
