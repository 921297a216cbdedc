import { UsageError } from "./errors.js";

/** Stacks whose destroy always needs `--confirm <stack name>`, whatever they hold. */
export const GUARDED_STACK_NAMES = ["prod", "production"];

/** The short name of `prod`, `org/prod` or `org/project/prod`. */
export function shortStackName(stack: string): string {
  return stack.split("/").pop() ?? stack;
}

/** URNs of the resources a `pulumi stack export` marks `protect: true`. */
export function protectedResourceUrns(exported: unknown): string[] {
  const deployment = (exported as { deployment?: { resources?: unknown } } | null | undefined)?.deployment;
  const resources = deployment?.resources;
  if (!Array.isArray(resources)) return [];
  return resources
    .filter((r): r is { urn: string; protect: true } => typeof r === "object" && r !== null && r.protect === true)
    .map((r) => String(r.urn));
}

/**
 * Refuses a destroy of a production-named stack, or of a stack holding protected resources, unless
 * `--confirm` repeats the stack name. (The engine still refuses to delete a protected resource until it is
 * unprotected with `pulumi state unprotect`: the guard is about intent, not about bypassing protection.)
 */
export function checkDestroyGuard(stack: string, protectedUrns: string[], confirm: string | undefined): void {
  const reasons: string[] = [];
  if (GUARDED_STACK_NAMES.includes(shortStackName(stack))) reasons.push(`it is named "${shortStackName(stack)}"`);
  if (protectedUrns.length > 0) {
    const shown = protectedUrns.slice(0, 3).join(", ");
    const more = protectedUrns.length > 3 ? ` and ${protectedUrns.length - 3} more` : "";
    reasons.push(`it holds ${protectedUrns.length} protected resource(s): ${shown}${more}`);
  }
  if (reasons.length === 0) return;
  if (confirm === stack) return;
  const given = confirm === undefined ? "" : ` (got --confirm "${confirm}")`;
  throw new UsageError(`refusing to destroy stack "${stack}": ${reasons.join("; ")}; pass --confirm ${stack}${given}`);
}
