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
  const pageSize = opts.pageSize ?? 1000;
  const source = opts.source ?? apiSource(client, pageSize, opts.createdCache);
  let phase = "listing repositories";
  let inspected = 0;
  let totalTags = 0;
  let deleted = 0;
  let toDelete = 0;
  const ticker = opts.onProgress
    ? setInterval(() => {
        const parts = [phase];
        if (totalTags) parts.push(`inspected ${inspected}/${totalTags} tags`);
        if (toDelete) parts.push(`deleted ${deleted}/${toDelete} digests`);
        opts.onProgress!(`registry-gc: ${parts.join(", ")} (${formatElapsed(Date.now() - started)})`);
      }, opts.progressEveryMs ?? 1000)
    : undefined;
  ticker?.unref();
  try {
    return await run();
  } finally {
    if (ticker) clearInterval(ticker);
  }

  async function run(): Promise<GcReport> {
    const all = await source.listRepositories();
    const globs = opts.repos ?? [];
    const warnings = globs
      .filter((g) => !all.some((r) => globToRegExp(g).test(r)))
      .map(
        (g) => `--repo '${g}' matches none of the ${all.length} repositories${all.length ? ` (e.g. ${all[0]})` : ""}`,
      );
    const repositories = all.filter((r) => repositorySelected(r, globs)).sort();
    phase = `listing tags of ${repositories.length} repositories`;
    const tagLists = await mapLimit(repositories, 8, (r) => source.listTags(r));
    const listingRequests = client.stats.total;
    totalTags = tagLists.reduce((n, l) => n + l.length, 0);
    phase = opts.delete ? "inspecting and deleting" : "inspecting (dry run)";
    // Storage mode has sent nothing yet: check the credentials before deleting.
    if (opts.delete && opts.source && client.stats.total === 0) await client.ping();

    const outcomes = new Map<string, DeletionOutcome[]>();
    let fatal: RegistryError | undefined;
    /** Deletes a repository's doomed digests as soon as its plan is known, so deletions overlap inspections. */
    const deleteAll = async (repository: string, plan: RepositoryPlan) => {
      const list: DeletionOutcome[] = [];
      outcomes.set(repository, list);
      await Promise.all(
        plan.deletions.map(async (job) => {
          let outcome: DeletionOutcome;
          if (!opts.delete) outcome = { digest: job.digest, tags: job.tags, status: "skipped" };
          else if (fatal) outcome = { digest: job.digest, tags: job.tags, status: "failed", error: fatal.message };
          else {
            try {
              const status = await client.deleteManifest(repository, job.digest);
              outcome = { digest: job.digest, tags: job.tags, status };
            } catch (e) {
              if (e instanceof RegistryError && e.kind !== "http") fatal ??= e;
              outcome = { digest: job.digest, tags: job.tags, status: "failed", error: (e as Error).message };
            }
            deleted++;
          }
          list.push(outcome);
        }),
      );
      // Keep the report in plan order whatever order the deletions finished in.
      const order = new Map(plan.deletions.map((d, i) => [d.digest, i]));
      list.sort((a, b) => order.get(a.digest)! - order.get(b.digest)!);
    };

    const results: RepositoryResult[] = await Promise.all(
      repositories.map(async (repository, ri) => {
        const tags = [...new Set(tagLists[ri]!)];
        let plan: RepositoryPlan;
        try {
          const infos = await Promise.all(
            tags.map(async (tag) => {
              const info = await source.inspect(repository, tag);
              inspected++;
              return info;
            }),
          );
          plan = decideRetention(
            repository,
            infos.filter((t): t is TagInfo => t !== undefined),
            opts.rules,
            now,
            (digest) => protectionOf(opts.protect, repository, digest),
          );
        } catch (e) {
          if (e instanceof RegistryError && e.kind !== "http") throw e;
          return {
            repository,
            deletions: [],
            error: `could not inspect every tag, nothing deleted in this repository: ${(e as Error).message}`,
          };
        }
        toDelete += plan.deletions.length;
        await deleteAll(repository, plan);
        return { repository, plan, deletions: [] };
      }),
    );
    if (fatal) throw fatal;
    const jobs = results.flatMap((r) => r.plan?.deletions ?? []);

    const final = results.map((r) => ({ ...r, deletions: outcomes.get(r.repository) ?? [] }));
    const allTags = final.flatMap((r) => r.plan?.tags ?? []);
    const allDeletions = final.flatMap((r) => r.deletions);
    return {
      registry,
      dryRun: !opts.delete,
      rankedBy: source.rankBy,
      warnings,
      repositories: final,
      ...(opts.protect ? { protection: protectionReport(opts.protect, final) } : {}),
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
        protectedTags: allTags.filter(savedByProtection).length,
      },
      stats: {
        ...structuredClone(client.stats),
        durationMs: Date.now() - started,
        requestsPerTagBeyondListing:
          totalTags === 0 ? 0 : (client.stats.total - listingRequests - (client.stats.byKind.delete ?? 0)) / totalTags,
      },
    };
  }
}

function formatElapsed(ms: number): string {
  return `${(ms / 1000).toFixed(0)} s`;
}
