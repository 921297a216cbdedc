/** One resource as the offline plan records it (the `plan.json` contract); what the policies evaluate. */
export interface PlannedResource {
  urn: string;
  /** Pulumi type token, e.g. `aws:ec2/securityGroup:SecurityGroup`, or a component type such as `startup:aws:Network`. */
  type: string;
  name: string;
  /** URN of the parent resource; undefined for the stack itself. */
  parent?: string;
  /** Resource inputs as the engine received them. Secret values keep the engine's secret wrapper (see `policy/lib/secrets.ts`: `unwrapSecrets` for policies, `maskSecrets` for plan.json, where they become "[secret]"). */
  inputs: Record<string, unknown>;
  /** URNs this resource depends on (explicit dependsOn plus input dependencies). */
  dependsOn: string[];
  /** true for a provider/custom resource, false for a component. */
  custom: boolean;
  /** `protect` resource option. */
  protect: boolean;
  /** `ignoreChanges` resource option. */
  ignoreChanges: string[];
}

/** One policy violation found by the policy pack over the planned resources. */
export interface PlanViolation {
  policy: string;
  enforcementLevel: "mandatory" | "advisory";
  urn?: string;
  message: string;
}
