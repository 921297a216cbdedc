import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { build, buildSync, version, type BuildOptions, type BuildResult } from "esbuild";

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
  /** sha256 of the output, checked on every read. */
  output: string;
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

/**
 * `cachedBuildSync` for builds that need esbuild's asynchronous API (plugins): resolves to the cache's file that
 * holds the output, or to undefined when the cache cannot be written (then the caller does without the bundle).
 * A plugin's hooks are part of the key as source text, not what they call: rename a plugin when that changes.
 */
export async function cachedBuildFile(options: CachedBuildOptions, cacheFile: string): Promise<string | undefined> {
  const key = keyOf(options);
  const hit = readEntry(cacheFile, key, options.absWorkingDir);
  if (hit) return hit.file;
  const text = record(options, key, cacheFile, await build(full(options)));
  const kept = readEntry(cacheFile, key, options.absWorkingDir);
  return kept?.text === text ? kept.file : undefined;
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

function readEntry(cacheFile: string, key: string, root: string): { text: string; file: string } | undefined {
  try {
    const entry = JSON.parse(readFileSync(cacheFile, "utf8")) as CacheEntry;
    if (entry.key !== key || !Array.isArray(entry.inputs)) return undefined;
    if (fingerprint(root, entry.inputs) !== entry.fingerprint) return undefined;
    const file = outputFile(cacheFile);
    const text = readFileSync(file, "utf8");
    return sha256(text) === entry.output ? { text, file } : undefined;
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
  // Each file is written aside, then renamed: a concurrent reader sees the old file or the new one, never half of
  // one, and the output's digest in the manifest tells an output from another build apart.
  try {
    for (const [file, content] of [
      [outputFile(cacheFile), text],
      [cacheFile, JSON.stringify(entry)],
    ] as const) {
      const aside = `${file}.${process.pid}.tmp`;
      writeFileSync(aside, content);
      renameSync(aside, file);
    }
  } catch {
    // A read-only or full disk: the next run builds again.
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
  const folders = new Set<string>();
  try {
    for (const input of inputs) {
      hash.update(`file ${input}\0${sha256(readFileSync(join(root, input)))}\n`);
      for (let dir = dirname(input); !folders.has(dir); dir = dirname(dir)) {
        folders.add(dir);
        if (dir === "." || dir === sep) break;
      }
    }
    for (const dir of [...folders].sort()) {
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
