import type { Composition } from "../defaults";
import type { ConfigProblem } from "../errors";
import type { SecretKey, SectionsConfig } from "../schema";

/** Rules spanning the Azure settings. */
export function azureChecks(
  _config: SectionsConfig,
  _composition: Composition,
  _secretsSet: Record<SecretKey, boolean>,
): ConfigProblem[] {
  return [];
}
