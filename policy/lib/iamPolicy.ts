/** Reading IAM policy documents (trust policies, resource policies) as the rules need them. */
import { isUnknown, list } from "./values";

export type Statement = { Sid?: unknown; Effect?: unknown; Principal?: unknown; Action?: unknown; Condition?: unknown };

/** The statements of a policy document given as JSON text; undefined when unknown yet or not JSON. */
export function policyStatements(document: unknown): Statement[] | undefined {
  if (typeof document !== "string" || isUnknown(document)) return undefined;
  try {
    const parsed = JSON.parse(document) as { Statement?: unknown };
    return (list(parsed.Statement) ?? []) as Statement[];
  } catch {
    return undefined; // not JSON: the provider refuses it anyway
  }
}

/** The service principals a statement names. */
export function servicePrincipals(statement: Statement): string[] {
  const principal = statement.Principal;
  if (typeof principal !== "object" || principal === null) return [];
  return (list((principal as Record<string, unknown>).Service) ?? []).filter((s): s is string => typeof s === "string");
}

/** True when the statement names every principal: `"*"` or `{ "AWS": "*" }` (alone or in a list). */
export function hasWildcardPrincipal(statement: Statement): boolean {
  const principal = statement.Principal;
  if (principal === "*") return true;
  if (typeof principal !== "object" || principal === null) return false;
  return (list((principal as Record<string, unknown>).AWS) ?? []).includes("*");
}

/** True when the statement's Condition constrains one of `keys` (case-insensitive, any operator). */
export function hasConditionOn(statement: Statement, keys: string[]): boolean {
  const condition = statement.Condition;
  if (typeof condition !== "object" || condition === null) return false;
  const wanted = keys.map((k) => k.toLowerCase());
  return Object.values(condition as Record<string, unknown>).some(
    (block) =>
      typeof block === "object" && block !== null && Object.keys(block).some((k) => wanted.includes(k.toLowerCase())),
  );
}

/** The confused-deputy conditions a service principal's statement needs: aws:SourceAccount or aws:SourceArn. */
export const SOURCE_CONDITION_KEYS = ["aws:SourceAccount", "aws:SourceArn"];
