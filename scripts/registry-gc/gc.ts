import { RegistryError, type RegistryClient, type RequestStats } from "./client.js";
import { repositorySelected } from "./glob.js";
import { TagInspector } from "./inspect.js";
import { decideRetention } from "./rules.js";
import type { RepositoryPlan, RetentionRules, TagInfo } from "./types.js";

export interface GcOptions {
  readonly rules: RetentionRules;
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
  /** Progress lines for long runs (at most one every `progressEveryMs`). */
  readonly onProgress?: (line: string) => void;
  /** Defaults to 2000 ms. */
  readonly progressEveryMs?: number;
}

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

export interface GcReport {
  readonly registry: string;
  readonly dryRun: boolean;
  readonly repositories: readonly RepositoryResult[];
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
  const pageSize = opts.pageSize ?? 1000;
  let lastProgress = started;
  const progress = (line: () => string) => {
    const t = Date.now();
    if (opts.onProgress && t - lastProgress >= (opts.progressEveryMs ?? 2000)) {
      lastProgress = t;
      opts.onProgress(line());
    }
  };

  await client.ping();
  const repositories = (await client.listRepositories(pageSize))
    .filter((r) => repositorySelected(r, opts.repos ?? []))
    .sort();
  const tagLists = await mapLimit(repositories, 8, (r) => client.listTags(r, pageSize));
  const listingRequests = client.stats.total;
  const totalTags = tagLists.reduce((n, l) => n + l.length, 0);

  const inspector = new TagInspector(client, opts.createdCache);
  let inspected = 0;
  const results: RepositoryResult[] = await Promise.all(
    repositories.map(async (repository, ri) => {
      const tags = [...new Set(tagLists[ri]!)];
      try {
        const infos = await Promise.all(
          tags.map(async (tag) => {
            const info = await inspector.inspect(repository, tag);
            inspected++;
            progress(() => `registry-gc: inspected ${inspected}/${totalTags} tags`);
            return info;
          }),
        );
        const plan = decideRetention(
          repository,
          infos.filter((t): t is TagInfo => t !== undefined),
          opts.rules,
          now,
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
    }),
  );

  const jobs = results.flatMap((r) => (r.plan?.deletions ?? []).map((d) => ({ repository: r.repository, ...d })));
  const outcomes = new Map<string, DeletionOutcome[]>();
  let done = 0;
  let fatal: RegistryError | undefined;
  await mapLimit(jobs, Number.MAX_SAFE_INTEGER, async (job) => {
    let outcome: DeletionOutcome;
    if (!opts.delete) outcome = { digest: job.digest, tags: job.tags, status: "skipped" };
    else if (fatal) outcome = { digest: job.digest, tags: job.tags, status: "failed", error: fatal.message };
    else {
      try {
        const status = await client.deleteManifest(job.repository, job.digest);
        outcome = { digest: job.digest, tags: job.tags, status };
      } catch (e) {
        if (e instanceof RegistryError && e.kind !== "http") fatal ??= e;
        outcome = { digest: job.digest, tags: job.tags, status: "failed", error: (e as Error).message };
      }
      done++;
      progress(() => `registry-gc: deleted ${done}/${jobs.length} digests`);
    }
    outcomes.set(job.repository, [...(outcomes.get(job.repository) ?? []), outcome]);
  });
  if (fatal) throw fatal;

  const final = results.map((r) => ({ ...r, deletions: outcomes.get(r.repository) ?? [] }));
  const allTags = final.flatMap((r) => r.plan?.tags ?? []);
  const allDeletions = final.flatMap((r) => r.deletions);
  return {
    registry,
    dryRun: !opts.delete,
    repositories: final,
    summary: {
      repositories: final.length,
      tags: allTags.length,
      keptTags: allTags.filter((t) => t.action === "keep").length,
      deletedTags: allTags.filter((t) => t.action === "delete").length,
      digestsToDelete: jobs.length,
      digestsDeleted: allDeletions.filter((d) => d.status === "deleted" || d.status === "gone").length,
      digestsFailed: allDeletions.filter((d) => d.status === "failed").length,
      tagsRankedByName: allTags.filter((t) => t.rankedByTagName).length,
      repositoryErrors: final.filter((r) => r.error).length,
    },
    stats: {
      ...structuredClone(client.stats),
      durationMs: Date.now() - started,
      requestsPerTagBeyondListing:
        totalTags === 0 ? 0 : (client.stats.total - listingRequests - (client.stats.byKind.delete ?? 0)) / totalTags,
    },
  };
}
