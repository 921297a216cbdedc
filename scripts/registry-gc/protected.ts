import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { parseReleaseHistory, type ReleaseHistory } from "../../components/apps/releaseHistory.js";

/**
 * Why a digest must survive whatever the retention rules say. Release entries name their app and `seq`; a running
 * container names the image reference the engine reported.
 */
export type ProtectReason =
  | { readonly kind: "running"; readonly reference: string }
  | { readonly kind: "active" | "deploying"; readonly app: string; readonly seq: number }
  | { readonly kind: "rollback-target"; readonly app: string; readonly seq: number; readonly keepReleases: number };

/** One protected digest, the repository it is protected in (undefined: every repository) and why. */
export interface ProtectedDigest {
  readonly digest: string;
  readonly repository?: string;
  readonly reasons: readonly ProtectReason[];
}

/** The digests no run may delete, and where that knowledge came from. */
export interface ProtectedSet {
  readonly digests: readonly ProtectedDigest[];
  /** Files read (release histories, the running-images list). */
  readonly sources: readonly string[];
}

/** The protected set could not be read: the run deletes nothing (CLI exit 3). */
export class ProtectionError extends Error {
  override name = "ProtectionError";
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * What one app's release history protects: every release `active` or `deploying`, and the last `keepReleases`
 * releases that did not fail (the rollback targets). Pure.
 */
export function protectedByHistory(history: ReleaseHistory): ProtectedDigest[] {
  const out = new Map<string, ProtectReason[]>();
  const add = (digest: string, r: ProtectReason) => out.set(digest, [...(out.get(digest) ?? []), r]);
  for (const r of history.releases) {
    if (r.status === "active" || r.status === "deploying")
      add(r.digest, { kind: r.status, app: history.app, seq: r.seq });
  }
  const targets = history.releases.filter((r) => r.status !== "failed").slice(-history.keepReleases);
  for (const r of targets) {
    add(r.digest, { kind: "rollback-target", app: history.app, seq: r.seq, keepReleases: history.keepReleases });
  }
  return [...out].map(([digest, reasons]) => ({ digest, repository: history.repository, reasons }));
}

/**
 * Parses the running-images list the host's timer writes: one image reference with a digest per line
 * (`name@sha256:<64 hex>`, what `docker image inspect` reports as RepoDigests); blank lines are ignored. A line
 * without a digest makes the whole list unusable (a running image would go unprotected).
 */
export function parseRunningImages(text: string, source: string): ProtectedDigest[] {
  const out = new Map<string, string[]>();
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "") return;
    const at = line.lastIndexOf("@");
    const digest = at < 0 ? "" : line.slice(at + 1);
    if (!DIGEST.test(digest)) {
      throw new ProtectionError(`${source}: line ${i + 1} is not an image reference with a sha256 digest: "${line}"`);
    }
    out.set(digest, [...(out.get(digest) ?? []), line]);
  });
  return [...out].map(([digest, refs]) => ({
    digest,
    reasons: refs.map((reference) => ({ kind: "running" as const, reference })),
  }));
}

/**
 * Release histories from a file or a directory. A directory (the host's `/srv/registry/releases`) holds one
 * `<app>.json` per app (other names, e.g. a writer's temporary files, are skipped); a file holds one history, an array
 * of them, or an object of them by app (e.g. saved from the stack's output). Throws ProtectionError when the path is
 * missing or any history is unreadable: an unknown history could be protecting anything.
 */
export async function readReleaseHistories(path: string): Promise<{ histories: ReleaseHistory[]; files: string[] }> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (e) {
    throw new ProtectionError(`release history ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  if (!isDir) return { histories: parseHistoryFile(await readText(path), path), files: [path] };
  const names = (
    await readdir(path).catch((e: NodeJS.ErrnoException) => {
      throw new ProtectionError(`release history directory ${path} cannot be listed (${e.code ?? e.message})`);
    })
  )
    .filter((n) => n.endsWith(".json") && !n.startsWith("."))
    .sort();
  const files = names.map((n) => join(path, n));
  const histories: ReleaseHistory[] = [];
  for (const file of files) histories.push(parseHistory(await readText(file), file));
  return { histories, files };
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    throw new ProtectionError(`${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
}

function parseHistory(text: string, source: string): ReleaseHistory {
  try {
    return parseReleaseHistory(text, source);
  } catch (e) {
    throw new ProtectionError((e as Error).message);
  }
}

function parseHistoryFile(text: string, source: string): ReleaseHistory[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ProtectionError(`${source}: not JSON (${(e as Error).message})`);
  }
  const one = (item: unknown, where: string) => parseHistory(JSON.stringify(item), where);
  if (Array.isArray(json)) return json.map((h, i) => one(h, `${source}[${i}]`));
  if (json && typeof json === "object" && !("version" in json)) {
    // By app: a history each, or the stack output `appReleases` (`{ <app>: { deploys, history } }`, where `history`
    // is null until the app's first deploy has run: nothing of it runs or can be rolled back to yet).
    return Object.entries(json).flatMap(([app, h]) => {
      const entry = h && typeof h === "object" && "history" in h ? (h as { history: unknown }).history : h;
      return entry === null && h !== null ? [] : [one(entry, `${source}: ${app}`)];
    });
  }
  return [one(json, source)];
}

/** Merges protected digests (same digest and repository: reasons joined), in a stable order. */
export function mergeProtected(lists: readonly (readonly ProtectedDigest[])[]): ProtectedDigest[] {
  const out = new Map<string, ProtectedDigest>();
  for (const p of lists.flat()) {
    const key = `${p.repository ?? "*"} ${p.digest}`;
    const prev = out.get(key);
    out.set(key, { ...p, reasons: [...(prev?.reasons ?? []), ...p.reasons] });
  }
  return [...out.values()].sort((a, b) =>
    `${a.repository ?? ""} ${a.digest}` < `${b.repository ?? ""} ${b.digest}` ? -1 : 1,
  );
}

/**
 * Reads the protected set: release histories (`releases`, a directory or a file) and the running-images list
 * (`running`). Throws ProtectionError (nothing may be deleted) when either is given and cannot be read.
 */
export async function loadProtectedSet(opts: { releases?: string; running?: string }): Promise<ProtectedSet> {
  const lists: ProtectedDigest[][] = [];
  const sources: string[] = [];
  if (opts.releases !== undefined) {
    const { histories, files } = await readReleaseHistories(opts.releases);
    lists.push(...histories.map(protectedByHistory));
    sources.push(...(files.length ? files : [`${opts.releases} (no release history yet)`]));
  }
  if (opts.running !== undefined) {
    lists.push(parseRunningImages(await readText(opts.running), opts.running));
    sources.push(opts.running);
  }
  return { digests: mergeProtected(lists), sources };
}

/** The reasons `digest` is protected in `repository` (empty when it is not). */
export function protectionOf(set: ProtectedSet | undefined, repository: string, digest: string): ProtectReason[] {
  if (!set) return [];
  return set.digests
    .filter((p) => p.digest === digest && (p.repository === undefined || p.repository === repository))
    .flatMap((p) => p.reasons);
}

/** Human-readable, e.g. `running web@sha256:ab12…`, `active release of web #12`, `rollback target of web #10`. */
export function describeProtection(r: ProtectReason): string {
  switch (r.kind) {
    case "running":
      return `running (${r.reference.replace(/(@sha256:[0-9a-f]{12})[0-9a-f]+$/, "$1…")})`;
    case "active":
    case "deploying":
      return `${r.kind} release of ${r.app} #${r.seq}`;
    case "rollback-target":
      return `rollback target of ${r.app} #${r.seq} (last ${r.keepReleases} releases)`;
  }
}
