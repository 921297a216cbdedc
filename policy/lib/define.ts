import type {
  EnforcementLevel,
  PolicyConfigSchema,
  PolicyResource,
  ReportViolation,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import { type Environment, type EnvironmentConfig, environmentConfigSchema, resolveEnvironment } from "./environment";
import { type Props, rawProps } from "./values";

/** What a resource rule sees: one resource, its raw props, and the environment it is judged for. */
export interface ResourceSubject {
  type: string;
  name: string;
  urn: string;
  props: Props;
  environment: Environment;
  /** URN of the resource's parent (`opts.parent`), when it has one. */
  parent?: string;
  /** The rule's own policy config (its `config` schema's properties), as given; defaults are the rule's job. */
  config: Record<string, unknown>;
}

/** One resource of the stack, with its relations as URNs. */
export interface StackItem {
  type: string;
  name: string;
  urn: string;
  props: Props;
  parent?: string;
  /** URNs this resource depends on. */
  dependencies: string[];
  /** Per property, the URNs its value came from (CrossGuard knows these; the offline plan does not). */
  propertyDependencies: Record<string, string[]>;
}

export interface StackSubject {
  resources: StackItem[];
  environment: Environment;
  byUrn: Map<string, StackItem>;
  ofType(...types: string[]): StackItem[];
}

interface RuleMeta {
  name: string;
  /** What the rule checks, with its scanner IDs. */
  description: string;
  enforcementLevel: Extract<EnforcementLevel, "mandatory" | "advisory">;
  /** Config properties of the rule beside `environment` (JSON schema, each with its `default`). */
  config?: PolicyConfigSchema["properties"];
}

/** The environment property plus a rule's own config properties. */
function schemaOf(meta: RuleMeta): PolicyConfigSchema {
  return { properties: { ...environmentConfigSchema.properties, ...meta.config } };
}

/**
 * A standard CrossGuard resource policy that runs `check` on resources of `types` only. `report` takes the message;
 * CrossGuard attaches the resource's URN.
 */
export function resourceRule(
  meta: RuleMeta & { types: string[]; check: (r: ResourceSubject, report: (message: string) => void) => void },
): ResourceValidationPolicy {
  return {
    name: meta.name,
    description: meta.description,
    enforcementLevel: meta.enforcementLevel,
    configSchema: schemaOf(meta),
    validateResource: (args, reportViolation: ReportViolation) => {
      if (!meta.types.includes(args.type)) return;
      const config = args.getConfig<EnvironmentConfig & Record<string, unknown>>() ?? {};
      const environment = resolveEnvironment(config, args.urn);
      meta.check(
        {
          type: args.type,
          name: args.name,
          urn: args.urn,
          props: rawProps(args.props),
          environment,
          config,
          parent: args.opts?.parent,
        },
        (message) => reportViolation(message),
      );
    },
  };
}

/** A standard CrossGuard stack policy; `report` takes the message and the URN of the offending resource. */
export function stackRule(
  meta: RuleMeta & { check: (s: StackSubject, report: (message: string, urn?: string) => void) => void },
): StackValidationPolicy {
  return {
    name: meta.name,
    description: meta.description,
    enforcementLevel: meta.enforcementLevel,
    configSchema: schemaOf(meta),
    validateStack: (args, reportViolation: ReportViolation) => {
      const resources = args.resources.map(toStackItem);
      const environment = resolveEnvironment(args.getConfig<EnvironmentConfig>(), resources[0]?.urn);
      const byUrn = new Map(resources.map((r) => [r.urn, r]));
      meta.check(
        { resources, environment, byUrn, ofType: (...types) => resources.filter((r) => types.includes(r.type)) },
        (message, urn) => reportViolation(message, urn),
      );
    },
  };
}

function toStackItem(r: PolicyResource): StackItem {
  const propertyDependencies: Record<string, string[]> = {};
  for (const [key, deps] of Object.entries(r.propertyDependencies ?? {})) {
    propertyDependencies[key] = (deps ?? []).map((d) => d.urn);
  }
  return {
    type: r.type,
    name: r.name,
    urn: r.urn,
    props: rawProps(r.props),
    parent: r.parent?.urn,
    dependencies: (r.dependencies ?? []).map((d) => d.urn),
    propertyDependencies,
  };
}
