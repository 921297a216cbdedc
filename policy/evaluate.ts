/**
 * Runs the pack's rules over the offline plan's resources the way CrossGuard would, without an engine: every
 * resource policy on every resource (props = its inputs with secrets unwrapped), then every stack policy on the
 * whole list, collecting each `reportViolation(message, urn?)`.
 */
import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { unwrapSecrets } from "./lib/secrets";
import type { PlannedResource, PlanViolation } from "./planned";
import type { Environment } from "./lib/environment";
import { rules } from "./rules";

type Policy = ResourceValidationPolicy | StackValidationPolicy;

const isStackPolicy = (p: Policy): p is StackValidationPolicy => "validateStack" in p;

/** Pulumi type token of a resource class (what `isType` / `asType` compare). */
function typeOf(resourceClass: unknown): string | undefined {
  return (resourceClass as { __pulumiType?: string }).__pulumiType;
}

class NotApplicable extends Error {}

function resourceOptions(r: PlannedResource): PolicyResource["opts"] {
  return {
    protect: r.protect ?? false,
    ignoreChanges: r.ignoreChanges ?? [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    parent: r.parent,
  };
}

/** The resources as CrossGuard hands them to a stack policy: props, options, parent and dependencies linked. */
function stackView(resources: PlannedResource[], props: Record<string, unknown>[]): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  const policyResources = resources.map((r, i) => {
    const resource: PolicyResource = {
      type: r.type,
      props: props[i]!,
      urn: r.urn,
      name: r.name,
      opts: resourceOptions(r),
      dependencies: [],
      propertyDependencies: {},
      isType: (cls) => typeOf(cls) === r.type,
      asType: (cls) => (typeOf(cls) === r.type ? (props[i] as never) : undefined),
    };
    byUrn.set(r.urn, resource);
    return resource;
  });
  resources.forEach((r, i) => {
    const resource = policyResources[i]!;
    resource.parent = r.parent ? byUrn.get(r.parent) : undefined;
    resource.dependencies = r.dependsOn.map((d) => byUrn.get(d)).filter((d): d is PolicyResource => !!d);
  });
  return policyResources;
}

/**
 * Evaluates every rule of `rules` over `resources` for `environment` (passed to each policy as its config
 * `environment`, as `--policy-pack-config` would). Returns the violations in rule order, then resource order.
 * Components (custom: false) are evaluated too, as CrossGuard does; no rule applies to their types.
 */
export function evaluatePolicies(resources: PlannedResource[], environment: Environment): PlanViolation[] {
  return evaluate(rules, resources, environment);
}

/**
 * `evaluatePolicies` over any list of policies (tests use it for a single rule). `config` is the rest of each
 * policy's config, as `--policy-pack-config` would give it (the environment always comes from `environment`).
 */
export function evaluate(
  policies: Policy[],
  resources: PlannedResource[],
  environment: Environment,
  config: Record<string, unknown> = {},
): PlanViolation[] {
  const violations: PlanViolation[] = [];
  const stackTags: ReadonlyMap<string, string> = new Map();
  const getConfig = <T extends object>() => ({ ...config, environment }) as unknown as T;
  const notApplicable = (reason?: string): never => {
    throw new NotApplicable(reason);
  };
  const props = resources.map((r) => unwrapSecrets(r.inputs) as Record<string, unknown>);
  // What resource policies see, per resource, and what stack policies see: each built once for all policies.
  const resourceArgs = resources.map((r, i): ResourceValidationArgs => ({
    type: r.type,
    props: props[i]!,
    urn: r.urn,
    name: r.name,
    opts: resourceOptions(r),
    stackTags,
    isType: (cls) => typeOf(cls) === r.type,
    asType: (cls) => (typeOf(cls) === r.type ? (props[i] as never) : undefined),
    getConfig,
    notApplicable,
  }));
  let policyResources: PolicyResource[] | undefined;

  for (const policy of policies) {
    const level = policy.enforcementLevel === "advisory" ? "advisory" : "mandatory";
    if (policy.enforcementLevel === "disabled") continue;
    const collect =
      (fallbackUrn?: string): ReportViolation =>
      (message, urn) =>
        violations.push({ policy: policy.name, enforcementLevel: level, urn: urn ?? fallbackUrn, message });

    if (isStackPolicy(policy)) {
      policyResources ??= stackView(resources, props);
      const args: StackValidationArgs = { resources: policyResources, stackTags, getConfig, notApplicable };
      runGuarded(() => policy.validateStack(args, collect()));
      continue;
    }

    const validations = policy.validateResource === undefined ? [] : [policy.validateResource].flat();
    for (const [i, r] of resources.entries()) {
      const args = resourceArgs[i]!;
      // The resource's own URN always wins for resource policies, as in CrossGuard.
      const report: ReportViolation = (message) => collect(r.urn)(message);
      for (const validate of validations) runGuarded(() => validate(args, report));
    }
  }
  return violations;
}

/** Runs one validation; "not applicable" is not a violation. Rules are synchronous, so a promise is an error. */
function runGuarded(run: () => unknown): void {
  try {
    const result = run();
    if (result instanceof Promise) throw new Error("policy validations must be synchronous to run in the offline plan");
  } catch (e) {
    if (e instanceof NotApplicable) return;
    throw e;
  }
}
