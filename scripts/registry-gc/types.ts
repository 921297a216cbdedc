import type { ProtectReason } from "./protected.js";

/** Everything the retention rules need to know about one tag of one repository. */
export interface TagInfo {
  /** Tag name, e.g. `v1.2.3`. */
  readonly tag: string;
  /** Digest of the manifest (or index) the tag points at, e.g. `sha256:...`. */
  readonly digest: string;
  /**
   * Creation time of the image: the `created` field of its config blob (for an index, the newest of its
   * platform images). Undefined when no usable time is known (missing, unparsable, or the 1970 epoch that
   * reproducible builds write).
   */
  readonly created?: Date;
  /** Media type of the manifest (Docker v2, Docker manifest list, OCI manifest, OCI index). */
  readonly mediaType?: string;
  /** For an index / manifest list: the digests of the manifests it references (they must survive with it). */
  readonly children?: readonly string[];
}

/**
 * What orders a repository's images, newest first: the image config's creation time (registry API), the tag's push
 * time (the registry's storage, `--storage`), or the natural order of tag names (`--rank-by tag`: no time is read).
 */
export type RankBy = "created" | "pushed" | "tag";

/** Retention rules for one repository. A tag is kept when ANY rule keeps it. */
export interface RetentionRules {
  /** Keep the N newest images (distinct digests) with every tag pointing at them. 0 keeps only what other rules keep. */
  readonly keep: number;
  /** Keep tags matching any of these patterns (unanchored, like `RegExp.test`). */
  readonly keepTagsLike: readonly RegExp[];
  /** Keep tags whose image is younger than this many milliseconds (and tags whose age is unknown). */
  readonly keepYoungerThanMs?: number;
}

export type KeepReason =
  | { readonly kind: "newest"; readonly rank: number; readonly of: number }
  | { readonly kind: "pattern"; readonly pattern: string }
  | { readonly kind: "younger"; readonly ageMs: number; readonly limitMs: number }
  | { readonly kind: "age-unknown"; readonly limitMs: number }
  | { readonly kind: "shares-digest"; readonly withTag: string }
  | { readonly kind: "child-of-kept-index"; readonly indexTag: string }
  /** Deployed, running or a rollback target (protected.ts): kept whatever the rules say. */
  | { readonly kind: "protected"; readonly why: ProtectReason };

export interface TagDecision {
  readonly tag: string;
  readonly digest: string;
  readonly created?: Date;
  readonly action: "keep" | "delete";
  /** Why the tag is kept (empty when it is deleted). */
  readonly reasons: readonly KeepReason[];
  /** 1-based rank of the tag's image, newest first. */
  readonly rank: number;
  /** True when the rank came from natural tag order because no creation time is known. */
  readonly rankedByTagName: boolean;
}

export interface RepositoryPlan {
  readonly repository: string;
  /** One decision per tag, newest image first. */
  readonly tags: readonly TagDecision[];
  /** Digests to delete, each with the tags that go with it. Never contains a digest of a kept tag. */
  readonly deletions: readonly { readonly digest: string; readonly tags: readonly string[] }[];
}

/** What happened to one digest the run meant to delete. */
export interface DeletionOutcome {
  readonly digest: string;
  readonly tags: readonly string[];
  /** `deleted`, `gone` (already deleted), `failed`, or `skipped` (dry run). */
  readonly status: "deleted" | "gone" | "failed" | "skipped";
  readonly error?: string;
}

export interface RepositoryResult {
  readonly repository: string;
  /** Undefined when the repository could not be inspected (then nothing was deleted in it). */
  readonly plan?: RepositoryPlan;
  readonly deletions: readonly DeletionOutcome[];
  readonly error?: string;
}
