import { mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

/**
 * Makes `dir` hold exactly `files` (path relative to `dir` -> content): writes each one that does not already hold
 * exactly that content, then removes whatever else is there (a previous plan's files and emptied directories).
 * Re-planning into the same directory thus leaves the same tree as planning into an empty one, without deleting and
 * re-creating every directory on each run, and without rewriting unchanged files: truncating and rewriting the 23
 * files of a prod plan waited 12-50 ms on the file system (ext4, a busy disk), reading and comparing them takes ~2 ms.
 */
export function writeTree(dir: string, files: ReadonlyMap<string, string>): void {
  try {
    writeFiles(dir, files);
  } catch (e) {
    // A file of the old tree where the new one needs a directory (or the reverse): start from an empty directory.
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "ENOTDIR" && code !== "EEXIST" && code !== "EISDIR") throw e;
    rmSync(dir, { recursive: true, force: true });
    writeFiles(dir, files);
  }
  prune(dir, dir, new Set(files.keys()));
}

function writeFiles(dir: string, files: ReadonlyMap<string, string>): void {
  const made = new Set<string>();
  for (const [path, content] of files) {
    const target = join(dir, path);
    const parent = dirname(target);
    if (!made.has(parent)) {
      mkdirSync(parent, { recursive: true });
      made.add(parent);
    }
    if (!holds(target, content)) writeFileSync(target, content);
  }
}

/** Whether the file at `path` holds exactly the UTF-8 bytes of `content` (false when it cannot be read). */
function holds(path: string, content: string): boolean {
  try {
    return readFileSync(path).equals(Buffer.from(content, "utf8"));
  } catch {
    return false;
  }
}

/** Removes what under `at` is not one of `keep` (relative to `root`); true when `at` is left empty. */
function prune(root: string, at: string, keep: ReadonlySet<string>): boolean {
  let empty = true;
  for (const entry of readdirSync(at, { withFileTypes: true })) {
    const path = join(at, entry.name);
    if (entry.isDirectory() && !entry.isSymbolicLink()) {
      if (prune(root, path, keep)) rmdirSync(path);
      else empty = false;
    } else if (keep.has(relative(root, path))) {
      empty = false;
    } else {
      rmSync(path, { force: true });
    }
  }
  return empty;
}
