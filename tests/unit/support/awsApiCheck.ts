/**
 * Judges every string a planned AWS resource sends by the API's own rule: the table in policy/lib/awsApiMembers.ts
 * says which member of which operation each input becomes, botocore's model (support/botocore.ts) says what that
 * member accepts. An input the table neither maps nor exempts is reported as unmapped, so a new resource or input
 * cannot slip through unjudged.
 */
import { AWS_API_MEMBERS, AWS_PROVIDER_EXEMPT, type ResourceApiMap } from "../../../policy/lib/awsApiMembers";
import { isUnknown } from "../../../policy/lib/values";
import { unwrapSecrets } from "../../../scripts/plan/secrets";
import type { PlannedResource } from "../../../scripts/plan/types";
import { ruleProblem } from "./awsPatterns";
import { resolveMember, type Botocore, type ResolvedMember } from "./botocore";

const PROVIDER = "pulumi:providers:aws";

/** One string the plan sends: where it sits in the inputs (generic path and concrete location) and its value. */
export interface SentString {
  type: string;
  name: string;
  /** Generic path (`tags.<key>`, `policyDetails.schedules[].name`), the table's key. */
  path: string;
  /** Concrete location, for messages (`tags.Name`, `policyDetails.schedules[0].name`). */
  at: string;
  value: string;
}

export interface ApiCheckResult {
  /** Strings whose input the table neither maps nor exempts (`type path`). */
  unmapped: string[];
  /** Strings judged, with the member that judged them. */
  judged: (SentString & { member: string })[];
  /** Strings that break their member's rule. */
  violations: string[];
}

/** The string inputs of one resource, each with its generic path; maps are those the table addresses by `<key>`. */
export function sentStrings(r: { type: string; name: string; inputs: unknown }, map?: ResourceApiMap): SentString[] {
  const rows = { ...map?.members, ...map?.exempt, ...(r.type === PROVIDER ? AWS_PROVIDER_EXEMPT : {}) };
  const out: SentString[] = [];
  const walk = (value: unknown, path: string, at: string): void => {
    if (typeof value === "string") {
      out.push({ type: r.type, name: r.name, path, at, value });
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${path}[]`, `${at}[${i}]`));
      return;
    }
    if (typeof value !== "object" || value === null) return;
    const prefix = path === "" ? "" : `${path}.`;
    const isMap = `${prefix}<key>` in rows;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const where = at === "" ? k : `${at}.${k}`;
      if (isMap) {
        out.push({ type: r.type, name: r.name, path: `${prefix}<key>`, at: `${where} (key)`, value: k });
        walk(v, `${prefix}<value>`, where);
      } else if (`${prefix}${k}` in rows && !(typeof v === "string" || Array.isArray(v))) {
        // An exempt or mapped input given as an object/JSON (e.g. the provider's defaultTags): one entry for it.
        out.push({ type: r.type, name: r.name, path: `${prefix}${k}`, at: where, value: JSON.stringify(v) });
      } else {
        walk(v, `${prefix}${k}`, where);
      }
    }
  };
  walk(r.inputs, "", "");
  return out;
}

/** The provider's default tags (its `defaultTags` input, a JSON string), merged into every tagged resource. */
function defaultTags(resources: PlannedResource[]): Record<string, string> {
  const provider = resources.find((r) => r.type === PROVIDER);
  const raw = (unwrapSecrets(provider?.inputs) as { defaultTags?: unknown } | undefined)?.defaultTags;
  if (typeof raw !== "string") return {};
  return ((JSON.parse(raw) as { tags?: Record<string, string> }).tags ?? {}) as Record<string, string>;
}

/** Checks every AWS resource of a plan. Pure over the plan and the models. */
export function checkPlan(resources: PlannedResource[], models: Botocore): ApiCheckResult {
  const result: ApiCheckResult = { unmapped: [], judged: [], violations: [] };
  const tagsForAll = defaultTags(resources);
  const members = new Map<string, ResolvedMember>();
  for (const r of resources) {
    if (!r.type.startsWith("aws:") && r.type !== PROVIDER) continue;
    const map = AWS_API_MEMBERS[r.type];
    let inputs = unwrapSecrets(r.inputs) as Record<string, unknown>;
    if (map && "tags.<key>" in map.members) inputs = { ...inputs, tags: { ...tagsForAll, ...(inputs.tags as object) } };
    if (!map && r.type !== PROVIDER) {
      result.unmapped.push(`${r.type} (no row in policy/lib/awsApiMembers.ts)`);
      continue;
    }
    for (const s of [...sentStrings({ ...r, inputs }, map), ...autoNames(r, inputs, map)]) {
      const ref = map?.members[s.path];
      if (ref === undefined) {
        if (!(s.path in (map?.exempt ?? {})) && !(r.type === PROVIDER && s.path in AWS_PROVIDER_EXEMPT))
          result.unmapped.push(`${r.type} ${s.path}`);
        continue;
      }
      if (isUnknown(s.value)) continue;
      const key = `${map!.service} ${ref}`;
      let member = members.get(key);
      if (!member) {
        const [operation, path] = ref.split(" ") as [string, string];
        member = resolveMember(models.model(map!.service), operation, path);
        members.set(key, member);
      }
      result.judged.push({ ...s, member: key });
      const problem = ruleProblem(member.shape, s.value);
      if (problem !== undefined)
        result.violations.push(
          `${r.type} "${r.name}" ${s.at} = ${JSON.stringify(s.value)} ${problem} (${key}, shape ${member.shapeName})`,
        );
    }
  }
  result.unmapped = [...new Set(result.unmapped)].sort();
  return result;
}

/**
 * The names the provider generates when the program gives none (`<logical name>-<7 hex>`, terraform bridge
 * AutoName; the mock engine does the same in state, not in inputs): judged as the `name` member, the hex as x's.
 */
function autoNames(r: PlannedResource, inputs: Record<string, unknown>, map: ResourceApiMap | undefined): SentString[] {
  if (!map || !("name" in map.members) || inputs.name !== undefined || !AUTO_NAMED.has(r.type)) return [];
  if (typeof inputs.namePrefix === "string")
    return [
      {
        type: r.type,
        name: r.name,
        path: "name",
        at: "namePrefix + 26",
        value: `${inputs.namePrefix}${"x".repeat(26)}`,
      },
    ];
  return [{ type: r.type, name: r.name, path: "name", at: `name (auto-named)`, value: `${r.name}-xxxxxxx` }];
}

/** Types whose name the AWS provider generates from the logical name when unset. */
const AUTO_NAMED = new Set([
  "aws:cloudwatch/logGroup:LogGroup",
  "aws:iam/role:Role",
  "aws:iam/rolePolicy:RolePolicy",
  "aws:iam/instanceProfile:InstanceProfile",
  "aws:sns/topic:Topic",
  "aws:ec2/securityGroup:SecurityGroup",
]);
