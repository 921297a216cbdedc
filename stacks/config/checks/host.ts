import type { Composition } from "../defaults";
import type { ConfigProblem } from "../errors";
import type { SecretKey, SectionsConfig } from "../schema";

/** Rules spanning host, registry and TLS settings. */
export function hostChecks(
  _config: SectionsConfig,
  _composition: Composition,
  _secretsSet: Record<SecretKey, boolean>,
): ConfigProblem[] {
  return [];
}
