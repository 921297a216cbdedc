import { describeProtection, type ProtectedSet } from "./protected.js";
import type { RepositoryResult, TagDecision } from "./types.js";

/** The protected set as the report shows it: every protected digest, why, and which tags of this run point at it. */
export interface ProtectionReport {
  /** Files the set was read from. */
  readonly sources: readonly string[];
  readonly digests: readonly {
    readonly digest: string;
    /** Undefined: protected in every repository (a running image). */
    readonly repository?: string;
    readonly reasons: readonly string[];
    /** `repository:tag` of this run's tags pointing at the digest (all kept). */
    readonly tags: readonly string[];
  }[];
  /**
   * Protected digests no tag of this run points at. Blob GC with `--delete-untagged` would delete such a manifest
   * (and with it a running or rollback image), so the host's timer collects without that flag while any is listed.
   */
  readonly untagged: readonly { readonly digest: string; readonly repository?: string }[];
}

/** True when the tag is kept because its digest is protected (whatever else also keeps it). */
export function savedByProtection(t: TagDecision): boolean {
  return t.action === "keep" && t.reasons.some((r) => r.kind === "protected");
}

/** Builds the report section from the set and the run's results. Pure. */
export function protectionReport(set: ProtectedSet, results: readonly RepositoryResult[]): ProtectionReport {
  const digests = set.digests.map((p) => {
    const tags = results
      .filter((r) => p.repository === undefined || r.repository === p.repository)
      .flatMap((r) =>
        (r.plan?.tags ?? [])
          .filter((t) => t.digest === p.digest && t.action === "keep")
          .map((t) => `${r.repository}:${t.tag}`),
      );
    return {
      digest: p.digest,
      ...(p.repository !== undefined ? { repository: p.repository } : {}),
      reasons: p.reasons.map(describeProtection),
      tags,
    };
  });
  return {
    sources: set.sources,
    digests,
    untagged: digests
      .filter((d) => d.tags.length === 0)
      .map((d) => ({ digest: d.digest, ...(d.repository !== undefined ? { repository: d.repository } : {}) })),
  };
}
