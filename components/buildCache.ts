import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { build, buildSync, version, type BuildOptions, type BuildResult } from "esbuild";
import { stampDigest } from "./fileStamps";

/** Build options for a one-output bundle; `absWorkingDir` anchors every path, `write` and `metafile` are set here. */
export type CachedBuildOptions = Omit<BuildOptions, "write" | "metafile"> & { absWorkingDir: string };

/** The manifest kept beside the output (`<cacheFile>.js` holds the output itself). */
interface CacheEntry {
  /** Digest of the esbuild version and the build options. */
  key: string;
  /** The files esbuild read (the metafile's inputs), relative to absWorkingDir. */
  inputs: string[];
  /** Digest of what the output depends on (see `fingerprint`). */
  fingerprint: string;
  /** sha256 of the output, checked on every read that `stamps` does not vouch for. */
  output: string;
  /**
   * Stat stamps (./fileStamps.ts) of every file and folder the fingerprint reads, and of the output, taken when the
   * fingerprint and the output last matched: while they are the same, nothing is read to know that it still does.
   * Absent until all of them are older than the racy window.
   */
  stamps?: string;
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const outputFile = (cacheFile: string) => `${cacheFile}.js`;

/**
 * `buildSync` of a one-output bundle, reused from `cacheFile` while nothing it depends on has changed: the same
 * esbuild version, the same options, and every file the last build read byte for byte the same, with no file added
 * to or removed from their folders or the folders above them up to absWorkingDir (a new file could win a module
 * resolution there), and the same package.json / tsconfig.json files in those folders. Otherwise it builds and
 * records the build. esbuild builds the same bytes from the same inputs, so a hit returns what a build would.
 * The cache is only a saving: when it cannot be read or written, this builds as if there were none. Keep
 * `cacheFile` in a hidden folder (or away from the inputs' folders): the listings skip hidden names.
 */
export function cachedBuildSync(options: CachedBuildOptions, cacheFile: string): string {
  const key = keyOf(options);
  return (
    readEntry(cacheFile, key, options.absWorkingDir)?.text ?? record(options, key, cacheFile, buildSync(full(options)))
  );
}

/** A build output kept as a file by the cache: its path, and the sha256 of its bytes. */
export interface CachedFile {
  file: string;
  digest: string;
}

/**
 * `cachedBuildSync` for builds that need esbuild's asynchronous API (plugins): resolves to the cache's file that
 * holds the output, or to undefined when the cache cannot be written (then the caller does without the bundle).
 * A plugin's hooks are part of the key as source text, not what they call: rename a plugin when that changes.
 */
export async function cachedBuildFile(options: CachedBuildOptions, cacheFile: string): Promise<CachedFile | undefined> {
  const key = keyOf(options);
  const hit = readEntry(cacheFile, key, options.absWorkingDir);
  if (hit) return { file: hit.file, digest: hit.digest };
  const text = record(options, key, cacheFile, await build(full(options)));
  const kept = readEntry(cacheFile, key, options.absWorkingDir);
  return kept?.text === text ? { file: kept.file, digest: kept.digest } : undefined;
}

/** Functions (a plugin's hooks) enter the key as their source text. */
const keyOf = (options: CachedBuildOptions) =>
  sha256(
    JSON.stringify({ version, options }, (_key, value: unknown) =>
      typeof value === "function" ? String(value) : value,
    ),
  );
const full = (options: CachedBuildOptions) => ({ ...options, write: false as const, metafile: true as const });

/** Records a build's output under `cacheFile` (when its inputs can be fingerprinted) and returns it. */
function record(
  options: CachedBuildOptions,
  key: string,
  cacheFile: string,
  result: BuildResult<{ write: false; metafile: true }>,
): string {
  const root = options.absWorkingDir;
  if (result.outputFiles.length !== 1) throw new Error(`esbuild wrote ${result.outputFiles.length} files, not one`);
  const text = result.outputFiles[0]!.text;
  const inputs = Object.keys(result.metafile.inputs).sort();
  // Inputs outside the file system (esbuild namespaces such as "(disabled):...") cannot be fingerprinted: no cache.
  const onDisk = inputs.every((i) => !i.includes(":") && !relative(root, resolve(root, i)).startsWith(".."));
  if (onDisk && makeFolder(dirname(cacheFile))) {
    // Taken once the cache folder exists: creating it must not change a listing the fingerprint covers.
    const print = fingerprint(root, inputs);
    if (print !== undefined) writeEntry(cacheFile, { key, inputs, fingerprint: print, output: sha256(text) }, text);
  }
  return text;
}

function readEntry(cacheFile: string, key: string, root: string): (CachedFile & { text: string }) | undefined {
  try {
    const entry = JSON.parse(readFileSync(cacheFile, "utf8")) as CacheEntry;
    if (entry.key !== key || !Array.isArray(entry.inputs)) return undefined;
    const file = outputFile(cacheFile);
    // Taken before any content is read, so a change made while it is read shows in the next run's stamps.
    const stamps = stampDigest(stampedPaths(root, entry.inputs, file));
    if (stamps !== undefined && stamps === entry.stamps) {
      return { text: readFileSync(file, "utf8"), file, digest: entry.output };
    }
    if (fingerprint(root, entry.inputs) !== entry.fingerprint) return undefined;
    const text = readFileSync(file, "utf8");
    if (sha256(text) !== entry.output) return undefined;
    if (stamps !== undefined) writeAside(cacheFile, JSON.stringify({ ...entry, stamps }));
    return { text, file, digest: entry.output };
  } catch {
    return undefined;
  }
}

function makeFolder(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    return true;
  } catch {
    return false;
  }
}

function writeEntry(cacheFile: string, entry: CacheEntry, text: string): void {
  // The output first, then the manifest that names its digest, which tells an output from another build apart.
  if (writeAside(outputFile(cacheFile), text)) writeAside(cacheFile, JSON.stringify(entry));
}

/**
 * Writes `file` aside, then renames it into place: a concurrent reader sees the old file or the new one, never half
 * of one. False when the disk is read-only or full (a cache then simply misses next time).
 */
export function writeAside(file: string, content: string | Uint8Array): boolean {
  try {
    const aside = `${file}.${process.pid}.tmp`;
    writeFileSync(aside, content);
    renameSync(aside, file);
    return true;
  } catch {
    return false;
  }
}

/** The files that steer module resolution in a folder: a change to one can change what a bare or relative import finds. */
const RESOLUTION_FILES = ["package.json", "tsconfig.json", "jsconfig.json"];

/**
 * Digest of every input's bytes, of the names in each folder from an input's folder up to `root` (hidden names
 * aside: imports never reach them unless an input names one), and of the resolution files in those folders.
 * Undefined when an input cannot be read.
 */
export function fingerprint(root: string, inputs: readonly string[]): string | undefined {
  const hash = createHash("sha256");
  try {
    for (const input of inputs) hash.update(`file ${input}\0${sha256(readFileSync(join(root, input)))}\n`);
    for (const dir of foldersOf(inputs)) {
      const names = readdirSync(join(root, dir))
        .filter((n) => !n.startsWith("."))
        .sort();
      hash.update(`dir ${dir}\0${names.join("\0")}\n`);
      for (const name of RESOLUTION_FILES.filter((n) => names.includes(n))) {
        hash.update(`conf ${join(dir, name)}\0${sha256(readFileSync(join(root, dir, name)))}\n`);
      }
    }
  } catch {
    return undefined;
  }
  return hash.digest("hex");
}

/** Each input's folder and the folders above it up to `root`, sorted. */
function foldersOf(inputs: readonly string[]): string[] {
  const folders = new Set<string>();
  for (const input of inputs) {
    for (let dir = dirname(input); !folders.has(dir); dir = dirname(dir)) {
      folders.add(dir);
      if (dir === "." || dir === sep) break;
    }
  }
  return [...folders].sort();
}

/** Every path `fingerprint` reads or lists (resolution files whether or not they exist), and the output. */
function stampedPaths(root: string, inputs: readonly string[], output: string): string[] {
  const folders = foldersOf(inputs);
  return [...inputs, ...folders, ...folders.flatMap((dir) => RESOLUTION_FILES.map((name) => join(dir, name)))]
    .map((path) => join(root, path))
    .concat(output);
}
