import { RegistryError, type RegistryClient, type RequestStats } from "./client.js";
import { globToRegExp, repositorySelected } from "./glob.js";
import { TagInspector } from "./inspect.js";
import { protectionOf, type ProtectedSet } from "./protected.js";
import { protectionReport, savedByProtection, type ProtectionReport } from "./protection-report.js";
import { decideRetention } from "./rules.js";
import type { DeletionOutcome, RankBy, RepositoryPlan, RepositoryResult, RetentionRules, TagInfo } from "./types.js";

export type { DeletionOutcome, RepositoryResult } from "./types.js";

/** Where tags, digests and times come from: the registry API, or (host-side) the registry's storage. */
export interface TagSource {
  /** What `inspect` dates tags by (`tag`: nothing; the rules fall back to natural tag order). */
  readonly rankBy: RankBy;
  listRepositories(): Promise<string[]>;
  listTags(repository: string): Promise<string[]>;
  /** Undefined when the tag vanished meanwhile. */
  inspect(repository: string, tag: string): Promise<TagInfo | undefined>;
}

/**
 * The API source: `_catalog`, `tags/list`, then one manifest GET per tag and (ranking by `created`) one config GET
 * per unseen image. `rankBy: "tag"` reads no config: one request per tag, the order registry-cli uses.
 */
export function apiSource(
  client: RegistryClient,
  pageSize: number,
  cache?: Map<string, string | null>,
  rankBy: "created" | "tag" = "created",
): TagSource {
  const inspector = new TagInspector(client, cache, rankBy === "created");
  return {
    rankBy,
    listRepositories: () => client.listRepositories(pageSize),
    listTags: (r) => client.listTags(r, pageSize),
    inspect: (r, t) => inspector.inspect(r, t),
  };
}

export interface GcOptions {
  readonly rules: RetentionRules;
  /** Defaults to the registry API (`apiSource`), ranking by creation time. */
  readonly source?: TagSource;
  /** Repository globs; empty means all. */
  readonly repos?: readonly string[];
  /** Act; otherwise a dry run that only reads. */
  readonly delete?: boolean;
  /** Page size for `_catalog` and `tags/list`. Defaults to 1000. */
  readonly pageSize?: number;
  /** "Now" for --keep-younger-than. Defaults to the current time. */
  readonly now?: Date;
  /**
   * Creation times of immutable digests (configs, platform manifests) from earlier runs; filled in place with
   * what this run learns. Saves the config request for every image already seen.
   */
  readonly createdCache?: Map<string, string | null>;
  /**
   * Digests no rule may delete (deployed, running, rollback targets; see protected.ts). Kept with every tag sharing
   * them and every platform image they list; listed in the report with the reasons.
   */
  readonly protect?: ProtectedSet;
  /** Progress lines for long runs (one every `progressEveryMs` while the run lasts). */
  readonly onProgress?: (line: string) => void;
  /** Defaults to 1000 ms. */
  readonly progressEveryMs?: number;
}

export interface GcReport {
  readonly registry: string;
  readonly dryRun: boolean;
  /** What ranks the images: the config's creation time (API), the tag's push time (`--storage`) or the tag name. */
  readonly rankedBy: RankBy;
  /** Things the user should know that did not stop the run (e.g. a --repo glob that matched nothing). */
  readonly warnings: readonly string[];
  readonly repositories: readonly RepositoryResult[];
  /** What was protected and why (absent when the run had no protected set). */
  readonly protection?: ProtectionReport;
  readonly summary: {
    readonly repositories: number;
    readonly tags: number;
    readonly keptTags: number;
    readonly deletedTags: number;
    readonly digestsToDelete: number;
    readonly digestsDeleted: number;
    readonly digestsFailed: number;
    /** Tags whose rank came from natural tag order because no creation time is known. */
    readonly tagsRankedByName: number;
    readonly repositoryErrors: number;
    /** Kept tags whose digest is protected (deployed, running, rollback target). */
    readonly protectedTags: number;
  };
  readonly stats: RequestStats & { readonly durationMs: number; readonly requestsPerTagBeyondListing: number };
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>) {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * The whole clean-up: list repositories (filtered by glob) and tags, inspect every tag, decide per
 * repository with `decideRetention`, then (with `delete`) delete the doomed digests. A repository where
 * any tag cannot be inspected is left untouched (its digests might be shared with the unknown tag) and
 * reported with an error. Fatal registry errors (unreachable, authentication, deletes disabled) throw.
 */
export async function runRegistryGc(client: RegistryClient, registry: string, opts: GcOptions): Promise<GcReport> {
  const started = Date.now();
  const now = opts.now ?? new Date();
  const source = opts.source ?? apiSource(client, opts.pageSize ?? 1000, opts.createdCache);
  const progress: Progress = { phase: "listing repositories", inspected: 0, totalTags: 0, deleted: 0, toDelete: 0 };
  const stopProgress = reportProgress(opts, progress, started);
  try {
    const { repositories, tagLists, warnings } = await listSelected(source, opts.repos ?? [], progress);
    const listingRequests = client.stats.total;
    progress.phase = opts.delete ? "inspecting and deleting" : "inspecting (dry run)";
    // Storage mode has sent nothing yet: check the credentials before deleting.
    if (opts.delete && opts.source && client.stats.total === 0) await client.ping();
    const deletions: Deletions = { client, act: opts.delete === true, progress };
    const results = await Promise.all(
      repositories.map(async (repository, i) => {
        const planned = await planRepository(source, repository, tagLists[i]!, opts, now, progress);
        // Deleted as soon as the plan is known, so one repository's deletions overlap the others' inspections.
        return planned.plan
          ? { ...planned, deletions: await deleteDigests(deletions, repository, planned.plan) }
          : planned;
      }),
    );
    if (deletions.fatal) throw deletions.fatal;
    return {
      registry,
      dryRun: !opts.delete,
      rankedBy: source.rankBy,
      warnings,
      repositories: results,
      ...(opts.protect ? { protection: protectionReport(opts.protect, results) } : {}),
      summary: summarize(results),
      stats: runStats(client.stats, started, progress.totalTags, listingRequests),
    };
  } finally {
    stopProgress();
  }
}

/** What a run has done so far, for the progress lines. */
interface Progress {
  phase: string;
  inspected: number;
  totalTags: number;
  deleted: number;
  toDelete: number;
}

/** Calls `onProgress` every `progressEveryMs` while the run lasts; returns what stops it. */
function reportProgress(opts: GcOptions, progress: Progress, started: number): () => void {
  const onProgress = opts.onProgress;
  if (!onProgress) return () => {};
  const ticker = setInterval(
    () => onProgress(progressLine(progress, Date.now() - started)),
    opts.progressEveryMs ?? 1000,
  );
  ticker.unref();
  return () => clearInterval(ticker);
}

function progressLine(progress: Progress, elapsedMs: number): string {
  const parts = [progress.phase];
  if (progress.totalTags) parts.push(`inspected ${progress.inspected}/${progress.totalTags} tags`);
  if (progress.toDelete) parts.push(`deleted ${progress.deleted}/${progress.toDelete} digests`);
  return `registry-gc: ${parts.join(", ")} (${formatElapsed(elapsedMs)})`;
}

/** The repositories the globs select, each one's tags, and a warning per glob that selects nothing. */
async function listSelected(source: TagSource, globs: readonly string[], progress: Progress) {
  const { repositories, warnings } = selectRepositories(await source.listRepositories(), globs);
  progress.phase = `listing tags of ${repositories.length} repositories`;
  const tagLists = await mapLimit(repositories, 8, (r) => source.listTags(r));
  progress.totalTags = tagLists.reduce((n, l) => n + l.length, 0);
  return { repositories, tagLists, warnings };
}

/** The repositories (sorted) the `--repo` globs select from the registry's, and a warning per glob that selects none. */
export function selectRepositories(all: readonly string[], globs: readonly string[]) {
  const warnings = globs
    .filter((g) => !all.some((r) => globToRegExp(g).test(r)))
    .map((g) => `--repo '${g}' matches none of the ${all.length} repositories${all.length ? ` (e.g. ${all[0]})` : ""}`);
  return { repositories: all.filter((r) => repositorySelected(r, globs)).sort(), warnings };
}

/**
 * Inspects every tag of one repository and decides what goes. A tag that cannot be inspected leaves the repository
 * untouched (a result with an error, no plan); a fatal registry error (unreachable, authentication) throws.
 */
async function planRepository(
  source: TagSource,
  repository: string,
  listed: readonly string[],
  opts: GcOptions,
  now: Date,
  progress: Progress,
): Promise<RepositoryResult> {
  try {
    const infos = await Promise.all(
      [...new Set(listed)].map(async (tag) => {
        const info = await source.inspect(repository, tag);
        progress.inspected++;
        return info;
      }),
    );
    const plan = decideRetention(
      repository,
      infos.filter((t): t is TagInfo => t !== undefined),
      opts.rules,
      now,
      (digest) => protectionOf(opts.protect, repository, digest),
    );
    return { repository, plan, deletions: [] };
  } catch (e) {
    if (e instanceof RegistryError && e.kind !== "http") throw e;
    return {
      repository,
      deletions: [],
      error: `could not inspect every tag, nothing deleted in this repository: ${(e as Error).message}`,
    };
  }
}

/** What the deletions of one run share: whether to act, and the first fatal error (after it nothing more is sent). */
interface Deletions {
  readonly client: RegistryClient;
  readonly act: boolean;
  readonly progress: Progress;
  fatal?: RegistryError;
}

/** Deletes a repository's doomed digests (a dry run skips each); the outcomes in plan order. */
function deleteDigests(d: Deletions, repository: string, plan: RepositoryPlan): Promise<DeletionOutcome[]> {
  d.progress.toDelete += plan.deletions.length;
  return Promise.all(plan.deletions.map((job) => deleteDigest(d, repository, job)));
}

async function deleteDigest(
  d: Deletions,
  repository: string,
  { digest, tags }: RepositoryPlan["deletions"][number],
): Promise<DeletionOutcome> {
  if (!d.act) return { digest, tags, status: "skipped" };
  if (d.fatal) return { digest, tags, status: "failed", error: d.fatal.message };
  try {
    return { digest, tags, status: await d.client.deleteManifest(repository, digest) };
  } catch (e) {
    if (e instanceof RegistryError && e.kind !== "http") d.fatal ??= e;
    return { digest, tags, status: "failed", error: (e as Error).message };
  } finally {
    d.progress.deleted++;
  }
}

/** The report's counts, from the repositories' plans and deletion outcomes. */
function summarize(results: readonly RepositoryResult[]): GcReport["summary"] {
  const allTags = results.flatMap((r) => r.plan?.tags ?? []);
  const allDeletions = results.flatMap((r) => r.deletions);
  return {
    repositories: results.length,
    tags: allTags.length,
    keptTags: allTags.filter((t) => t.action === "keep").length,
    deletedTags: allTags.filter((t) => t.action === "delete").length,
    digestsToDelete: results.reduce((n, r) => n + (r.plan?.deletions.length ?? 0), 0),
    digestsDeleted: allDeletions.filter((d) => d.status === "deleted" || d.status === "gone").length,
    digestsFailed: allDeletions.filter((d) => d.status === "failed").length,
    tagsRankedByName: allTags.filter((t) => t.rankedByTagName).length,
    repositoryErrors: results.filter((r) => r.error).length,
    protectedTags: allTags.filter(savedByProtection).length,
  };
}

/** The client's request counts with the run's duration and the requests per tag beyond the listings. */
function runStats(stats: RequestStats, started: number, totalTags: number, listingRequests: number): GcReport["stats"] {
  const beyondListing = stats.total - listingRequests - (stats.byKind.delete ?? 0);
  return {
    ...structuredClone(stats),
    durationMs: Date.now() - started,
    requestsPerTagBeyondListing: totalTags === 0 ? 0 : beyondListing / totalTags,
  };
}

function formatElapsed(ms: number): string {
  return `${(ms / 1000).toFixed(0)} s`;
}
