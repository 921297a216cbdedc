import { ChangesDetectedError, PulumiCliMissingError } from "./errors.js";

/**
 * Maps an error thrown by the Automation API to the deploy command's own errors, by the texts the CLI and
 * the SDK print (the SDK exposes no typed error for these cases):
 * - `spawn pulumi ENOENT` (execa could not start `pulumi`) -> PulumiCliMissingError (exit 2)
 * - the SDK's CLI version checks -> PulumiCliMissingError (exit 2)
 * - `no changes were expected but changes were proposed|occurred` (--expect-no-changes) -> ChangesDetectedError (exit 3)
 * Any other failed CLI call becomes an `EngineCommandError` carrying only the CLI's stderr and exit code (exit 1):
 * the SDK's own message repeats the whole stdout (already streamed) and execa's command line (which, for
 * `config set-all`, holds secret values). Anything else is returned unchanged (exit 1).
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
  const detail = commandErrorDetail(err);
  if (detail && detail.stderr.trim() !== "") {
    const code = detail.code === undefined ? "" : ` with code ${detail.code}`;
    return new EngineCommandError(`pulumi exited${code}: ${detail.stderr.trim()}`, { cause: err });
  }
  return err;
}

/** A failed `pulumi` call, reduced to what the CLI said on stderr. */
export class EngineCommandError extends Error {
  override name = "EngineCommandError";
}

interface CommandResultLike {
  stderr?: unknown;
  code?: unknown;
  /** The execa error the SDK wraps: its own `stderr` / `exitCode` are the CLI's. */
  err?: { stderr?: unknown; exitCode?: unknown };
}

/** Reads the SDK's `CommandError.commandResult` (private in its typings, present at run time). */
function commandErrorDetail(err: unknown): { code?: number; stderr: string } | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const result = (err as { commandResult?: CommandResultLike }).commandResult;
  if (!result) return undefined;
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  const num = (v: unknown) => (typeof v === "number" ? v : undefined);
  const stderr = str(result.err?.stderr) ?? str(result.stderr) ?? "";
  return { code: num(result.err?.exitCode) ?? num(result.code), stderr };
}

/**
 * Whether a failed `pulumi config get` means only that the stack does not set the key. The CLI's own words, unchanged
 * across versions (pkg/cmd/pulumi/config, checked against v3.248.0): "configuration key 'apps.web' not found for stack
 * 'dev'". Anything else (a wrong passphrase, a broken stack file, no backend) is a failure, never "not set".
 */
export function isMissingConfigKey(err: unknown): boolean {
  const detail = commandErrorDetail(err);
  const text = detail ? detail.stderr : err instanceof Error ? err.message : String(err);
  return /^error: configuration key '.+' not found for stack '[^']+'$/m.test(text);
}
