import * as pulumi from "@pulumi/pulumi";

/** The warnings this process has printed (a module loads once per program run; tests get one per test file). */
const printed = new Set<string>();

/**
 * `pulumi.log.warn`, once per distinct message: a warning about config (an expiry, an unverified host key) holds for
 * the whole stack, so building a component twice, or two stacks in one process, says it once. Returns whether it
 * was printed now.
 */
export function warnOnce(message: string, resource?: pulumi.Resource): boolean {
  if (printed.has(message)) return false;
  printed.add(message);
  void pulumi.log.warn(message, resource);
  return true;
}
