/** Exit codes of `npm run deploy` and `npm run trust-registry-ca` (documented in docs/ci.md). */
export const EXIT = {
  ok: 0,
  /** The engine or anything else failed. */
  failed: 1,
  /** Bad usage, a refused operation (no --yes, destroy guard), invalid input, or no usable Pulumi CLI. */
  usage: 2,
  /** `--expect-no-changes` was given and the engine found changes (drift). */
  changes: 3,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const PULUMI_INSTALL_URL = "https://www.pulumi.com/docs/install/";

/** Bad arguments or a refused operation: exit 2, one line, no stack trace. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** No `pulumi` on PATH (or one too old for this SDK): exit 2 with the install hint. */
export class PulumiCliMissingError extends Error {
  override name = "PulumiCliMissingError";
  constructor(detail: string) {
    super(`the Pulumi CLI is required but ${detail}; install it: ${PULUMI_INSTALL_URL}`);
  }
}

/** `--expect-no-changes` and the engine reported (or refused because of) changes: exit 3. */
export class ChangesDetectedError extends Error {
  override name = "ChangesDetectedError";
}
