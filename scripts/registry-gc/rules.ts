import { describeProtection, type ProtectReason } from "./protected.js";
import type { KeepReason, RepositoryPlan, RetentionRules, TagDecision, TagInfo } from "./types.js";

/**
 * Natural order of tag names: digit runs compare as numbers, so `v2` < `v10` and `1.9.0` < `1.10.0`.
 * Total and deterministic (ties fall back to plain code-point order).
 */
export function naturalCompare(a: string, b: string): number {
  const chunk = /(\d+)|(\D+)/g;
  const as = a.match(chunk) ?? [];
  const bs = b.match(chunk) ?? [];
  for (let i = 0; i < Math.min(as.length, bs.length); i++) {
    const x = as[i]!;
    const y = bs[i]!;
    const xd = /^\d/.test(x);
    const yd = /^\d/.test(y);
    if (xd && yd) {
      const xs = x.replace(/^0+(?=\d)/, "");
      const ys = y.replace(/^0+(?=\d)/, "");
      if (xs.length !== ys.length) return xs.length - ys.length;
      if (xs !== ys) return xs < ys ? -1 : 1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  if (as.length !== bs.length) return as.length - bs.length;
  return a === b ? 0 : a < b ? -1 : 1;
}

/** One image (distinct digest) of a repository with everything that ranks it. */
interface RankedImage {
  readonly digest: string;
  readonly created?: Date;
  readonly tags: readonly string[];
  /** The image's highest tag in natural order (its name for ranking when no time is known). */
  readonly topTag: string;
}

/**
 * Orders the images of a repository newest first: images with a known creation time by that time, then
 * images without one by natural tag order (highest first). Ties are broken by natural tag order, then digest.
 */
export function rankImages(tags: readonly TagInfo[]): RankedImage[] {
  const byDigest = new Map<string, { created?: Date; tags: string[] }>();
  for (const t of tags) {
    const entry = byDigest.get(t.digest) ?? { tags: [] };
    entry.tags.push(t.tag);
    if (t.created && (!entry.created || t.created.getTime() > entry.created.getTime())) entry.created = t.created;
    byDigest.set(t.digest, entry);
  }
  const images: RankedImage[] = [...byDigest].map(([digest, e]) => {
    const sorted = [...e.tags].sort(naturalCompare);
    return { digest, created: e.created, tags: sorted, topTag: sorted[sorted.length - 1]! };
  });
  images.sort((a, b) => {
    if (a.created && b.created) {
      const d = b.created.getTime() - a.created.getTime();
      if (d !== 0) return d;
    } else if (a.created) {
      return -1;
    } else if (b.created) {
      return 1;
    }
    const n = naturalCompare(b.topTag, a.topTag);
    if (n !== 0) return n;
    return a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0;
  });
  return images;
}

/** A RegExp test without the `lastIndex` state that `g`/`y` flags would carry between calls. */
function matches(re: RegExp, s: string): boolean {
  return new RegExp(re.source, re.flags.replace(/[gy]/g, "")).test(s);
}

/**
 * Decides, for one repository, which tags to keep and why, and which digests to delete.
 *
 * A tag is kept when it belongs to one of the `keep` newest images, matches a keep pattern, or is younger
 * than `keepYoungerThanMs` (or of unknown age when that rule is given). Then, because the registry deletes
 * by digest and a digest takes every tag pointing at it along: any tag sharing a digest with a kept tag is
 * kept, and so is any tag pointing at a manifest that a kept index references. A digest `protectedReasons` names
 * (deployed, running, a rollback target: protected.ts) is kept whatever the rules say, and so, through the same two
 * steps, is every tag sharing it and every platform image it lists. Whatever is left is deleted, grouped by digest.
 * Pure: the same input always gives the same plan.
 */
export function decideRetention(
  repository: string,
  tags: readonly TagInfo[],
  rules: RetentionRules,
  now: Date,
  protectedReasons: (digest: string) => readonly ProtectReason[] = () => [],
): RepositoryPlan {
  if (!Number.isInteger(rules.keep) || rules.keep < 0)
    throw new Error(`keep must be a whole number >= 0, got ${rules.keep}`);
  const images = rankImages(tags);
  const ranked = byDigest(images);
  const reasons = new Map<string, KeepReason[]>();
  for (const t of tags) {
    for (const r of ruleReasons(t, ranked.get(t.digest)!, rules, now, protectedReasons)) addReason(reasons, t.tag, r);
  }
  keepWhatKeptTagsNeed(repository, tags, reasons);
  const decisions = tagDecisions(
    tags,
    ranked,
    images.some((img) => !img.created),
    reasons,
  );
  return { repository, tags: decisions, deletions: deletionsByDigest(decisions) };
}

/** An image with its 1-based rank, newest first. */
interface Ranked {
  readonly rank: number;
  readonly image: RankedImage;
}

/** Each image by its digest, with its rank (every tag's digest has one: `rankImages` made them from the tags). */
function byDigest(images: readonly RankedImage[]): ReadonlyMap<string, Ranked> {
  return new Map(images.map((image, i) => [image.digest, { rank: i + 1, image }]));
}

function addReason(reasons: Map<string, KeepReason[]>, tag: string, r: KeepReason): void {
  reasons.set(tag, [...(reasons.get(tag) ?? []), r]);
}

/** Why the rules (and the protected set) keep one tag on its own merits, before digests and indexes are followed. */
function ruleReasons(
  t: TagInfo,
  { rank, image }: Ranked,
  rules: RetentionRules,
  now: Date,
  protectedReasons: (digest: string) => readonly ProtectReason[],
): KeepReason[] {
  const out: KeepReason[] = protectedReasons(t.digest).map((why) => ({ kind: "protected", why }));
  if (rank <= rules.keep) out.push({ kind: "newest", rank, of: rules.keep });
  for (const re of rules.keepTagsLike) if (matches(re, t.tag)) out.push({ kind: "pattern", pattern: re.source });
  if (rules.keepYoungerThanMs !== undefined) {
    const age = ageReason(image.created, now, rules.keepYoungerThanMs);
    if (age) out.push(age);
  }
  return out;
}

/** The age rule: an image of unknown age is kept; a dated one while it is younger than the limit. */
function ageReason(created: Date | undefined, now: Date, limitMs: number): KeepReason | undefined {
  if (!created) return { kind: "age-unknown", limitMs };
  const ageMs = now.getTime() - created.getTime();
  return ageMs < limitMs ? { kind: "younger", ageMs, limitMs } : undefined;
}

/**
 * Adds the reasons the registry imposes: every digest a kept tag points at stays (with every tag sharing it), and
 * every manifest a kept index lists, transitively (a tag kept as a child may itself be an index). Iterates to a
 * fixpoint, in natural tag order so the tag named as the reason is the same every run.
 */
function keepWhatKeptTagsNeed(repository: string, tags: readonly TagInfo[], reasons: Map<string, KeepReason[]>): void {
  const keptDigestTag = new Map<string, string>();
  const protectedChildTag = new Map<string, string>();
  const sortedTags = [...tags].sort((a, b) => naturalCompare(a.tag, b.tag));
  // Each pass that changes something keeps at least one more tag or digest, so the loop ends; the bound turns a
  // future bug into an error (nothing deleted) instead of a hang.
  for (let changed = true, pass = 0; changed; pass++) {
    if (pass > 2 * tags.length + 2) throw new Error(`retention rules did not converge for ${repository}`);
    changed = false;
    for (const t of sortedTags) {
      if (!reasons.has(t.tag)) {
        const sharer = keptDigestTag.get(t.digest);
        const index = protectedChildTag.get(t.digest);
        if (sharer === undefined && index === undefined) continue;
        if (sharer !== undefined) addReason(reasons, t.tag, { kind: "shares-digest", withTag: sharer });
        if (index !== undefined) addReason(reasons, t.tag, { kind: "child-of-kept-index", indexTag: index });
        changed = true;
      }
      if (!keptDigestTag.has(t.digest)) {
        keptDigestTag.set(t.digest, t.tag);
        changed = true;
      }
      for (const child of t.children ?? []) {
        if (protectedChildTag.has(child)) continue;
        protectedChildTag.set(child, t.tag);
        changed = true;
      }
    }
  }
}

/** One decision per tag (kept when it has a reason), newest image first, then by natural tag order (highest first). */
function tagDecisions(
  tags: readonly TagInfo[],
  ranked: ReadonlyMap<string, Ranked>,
  anyUndated: boolean,
  reasons: ReadonlyMap<string, KeepReason[]>,
): TagDecision[] {
  const decisions: TagDecision[] = tags.map((t) => {
    const { rank, image } = ranked.get(t.digest)!;
    const r = reasons.get(t.tag) ?? [];
    return {
      tag: t.tag,
      digest: t.digest,
      created: image.created,
      action: r.length > 0 ? "keep" : "delete",
      reasons: r,
      rank,
      rankedByTagName: anyUndated && !image.created,
    };
  });
  return decisions.sort((a, b) => a.rank - b.rank || naturalCompare(b.tag, a.tag));
}

/** The deleted tags grouped by digest, in decision order. */
function deletionsByDigest(decisions: readonly TagDecision[]): RepositoryPlan["deletions"] {
  const deletions = new Map<string, string[]>();
  for (const d of decisions) {
    if (d.action !== "delete") continue;
    deletions.set(d.digest, [...(deletions.get(d.digest) ?? []), d.tag]);
  }
  return [...deletions].map(([digest, ts]) => ({ digest, tags: ts }));
}

/** Human-readable reason, e.g. `newest 2/5`, `matches /^stable$/`, `younger than 30d (3d)`. */
export function describeReason(r: KeepReason, formatDuration: (ms: number) => string): string {
  switch (r.kind) {
    case "newest":
      return `newest ${r.rank}/${r.of}`;
    case "pattern":
      return `matches /${r.pattern}/`;
    case "younger":
      return `younger than ${formatDuration(r.limitMs)} (${formatDuration(Math.max(0, r.ageMs))} old)`;
    case "age-unknown":
      return `age unknown, kept by --keep-younger-than ${formatDuration(r.limitMs)}`;
    case "shares-digest":
      return `same digest as kept tag ${r.withTag}`;
    case "child-of-kept-index":
      return `platform image of kept index ${r.indexTag}`;
    case "protected":
      return `protected: ${describeProtection(r.why)}`;
  }
}
