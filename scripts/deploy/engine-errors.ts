import { ChangesDetectedError, PulumiCliMissingError } from "./errors.js";

/**
 * Maps an error thrown by the Automation API to the deploy command's own errors, by the texts the CLI and
 * the SDK print (the SDK exposes no typed error for these cases):
 * - `spawn pulumi ENOENT` (execa could not start `pulumi`) -> PulumiCliMissingError (exit 2)
 * - the SDK's CLI version checks -> PulumiCliMissingError (exit 2)
 * - `no changes were expected but changes were proposed|occurred` (--expect-no-changes) -> ChangesDetectedError (exit 3)
 * Anything else is returned unchanged (exit 1).
 */
export function translateEngineError(err: unknown): unknown {
  const message = err instanceof Error ? err.message : String(err);
  if (/spawn \S*pulumi\S* ENOENT|Command failed with ENOENT: \S*pulumi/.test(message)) {
    return new PulumiCliMissingError("`pulumi` was not found on PATH");
  }
  const versionProblem = /Minimum version requirement failed[^\n]*|Major version mismatch[^\n]*/.exec(message);
  if (versionProblem) {
    return new PulumiCliMissingError(`the installed one is not usable (${versionProblem[0].trim()})`);
  }
  if (/no changes were expected but changes (were proposed|occurred)/.test(message)) {
    return new ChangesDetectedError("the engine found changes but --expect-no-changes was given");
  }
  return err;
}
