import { z } from "zod";

/**
 * The release history an app keeps on the host: one JSON file per app under `RELEASES_DIR` (on the data volume, so it
 * outlives the instance), written atomically (temporary file + rename) by the app's deploy script, and read by
 * registry-gc to build the set of digests retention must never delete. This module is the one place that knows its
 * shape: the deploy script's renderer writes it, and every reader parses it through `parseReleaseHistory`.
 */
export const RELEASES_DIR = "/srv/registry/releases";

/** The file that holds one app's history. */
export function releaseHistoryPath(app: string): string {
  return `${RELEASES_DIR}/${app}.json`;
}

export const RELEASE_STATUSES = ["deploying", "active", "retired", "failed"] as const;
export type ReleaseStatus = (typeof RELEASE_STATUSES)[number];

const digest = z.string().regex(/^sha256:[0-9a-f]{64}$/, "a sha256 digest (sha256:<64 hex>)");

export const releaseSchema = z.object({
  /** Increasing per app; a rollback is a new entry that re-applies an older one (see `rollbackOf`). */
  seq: z.number().int().nonnegative(),
  /** The image's manifest (or index) digest in `repository`; the host always runs the image by this digest. */
  digest,
  /** sha256 of the app's rendered, non-secret run configuration (env, ports, limits, health check). */
  configHash: z.string().regex(/^[0-9a-f]{64}$/),
  /** sha256 over the secret values' versions (never the values). */
  secretsHash: z.string().regex(/^[0-9a-f]{64}$/),
  /** RFC 3339 UTC time the deploy started. */
  deployedAt: z.string().datetime(),
  /** Who or what deployed it (CI run, user). */
  deployedBy: z.string().max(200),
  status: z.enum(RELEASE_STATUSES),
  /** Set on a rollback entry: the `seq` it re-applies. */
  rollbackOf: z.number().int().nonnegative().optional(),
  /**
   * The app's settings this release ran with, as `apps.<app>` in stack config (image, port, env, secret *sources*,
   * health check, limits; never a secret value): what a rollback re-applies. Optional: readers that only need digests
   * (registry-gc) ignore it.
   */
  config: z.record(z.string(), z.unknown()).optional(),
});
export type Release = z.infer<typeof releaseSchema>;

export const releaseHistorySchema = z.object({
  version: z.literal(1),
  app: z.string(),
  /** Repository in the stack's registry, e.g. `web` or `team/web`. */
  repository: z.string(),
  /** How many releases (not counting failed ones) stay rollback targets, and so protected from retention. */
  keepReleases: z.number().int().positive(),
  /** Oldest first. */
  releases: z.array(releaseSchema),
});
export type ReleaseHistory = z.infer<typeof releaseHistorySchema>;

/** Parses one history file's text; throws an Error naming the file and the first problem. */
export function parseReleaseHistory(text: string, source: string): ReleaseHistory {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source}: not JSON (${(e as Error).message})`);
  }
  const parsed = releaseHistorySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${source}: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return parsed.data;
}
