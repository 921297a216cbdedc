import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readSync,
  type Dirent,
  type Stats,
} from "node:fs";
import { join } from "node:path";

/** The storage root given to `--storage` is not a registry's filesystem storage, or holds what we refuse to read. */
export class StorageError extends Error {
  override name = "StorageError";
}

/**
 * A file or directory below the storage root that is refused, and why: a symbolic link, not a regular file (a
 * FIFO, a device), or larger than what such a file holds. `path` is where it is, `reason` what is wrong with it.
 */
export class UnsafeStorageFileError extends StorageError {
  override name = "UnsafeStorageFileError";
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`--storage: refusing ${path}: ${reason}`);
  }
}

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY } = constants;
/** A directory, never through a symbolic link. */
const DIR_FLAGS = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;
/** A file, never through a symbolic link; a FIFO must not block the open, a terminal must not become ours. */
const FILE_FLAGS = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
/**
 * `/proc/self/fd/<fd>/<name>` resolves `name` inside the directory open as `<fd>`, wherever it has moved since:
 * openat(2) for a runtime that has none. With O_NOFOLLOW on every step, no component is ever followed through a
 * symbolic link, and a component swapped for one between two steps fails the next open instead of leading out.
 */
const FD_DIR = "/proc/self/fd";
/** Directory descriptors kept open between reads (the walk from the root is then a step or two per file). */
const MAX_CACHED_DIRS = 256;

/** Why an entry that is not what the registry writes (directories and regular files only) is refused. */
const NOT_WRITTEN_BY_THE_REGISTRY =
  "the registry writes only directories and regular files below its storage root, and registry-gc reads nothing else";

function kindOf(s: Stats): string {
  if (s.isSymbolicLink()) return "a symbolic link";
  if (s.isFIFO()) return "a FIFO";
  if (s.isCharacterDevice()) return "a character device";
  if (s.isBlockDevice()) return "a block device";
  if (s.isSocket()) return "a socket";
  if (s.isDirectory()) return "a directory";
  return "not a regular file";
}

/**
 * Read-only access to the tree below a registry's storage root that follows no symbolic link below the root (the
 * root itself is the operator's path and may be one), reads only regular files and at most a given size of each.
 * The registry container runs as root with write access to this tree and the tool runs as root on the host: a link
 * to `/dev/zero`, `/etc/shadow` or a FIFO there must not be read, hang the run, or exhaust its memory.
 *
 * Linux only (`/proc/self/fd`), like the registry host. Everything is synchronous: thousands of tiny local files.
 */
export class StorageTree {
  private readonly dirs = new Map<string, number>();

  constructor(readonly root: string) {}

  /** Closes the directories kept open. The tree can still be used afterwards (they reopen). */
  close(): void {
    for (const fd of this.dirs.values()) closeSync(fd);
    this.dirs.clear();
  }

  /** Where `parts` are, for messages. */
  display(parts: readonly string[]): string {
    return join(this.root, ...parts);
  }

  private checkParts(parts: readonly string[]): void {
    for (const p of parts) {
      if (p === "" || p === "." || p === ".." || p.includes("/") || p.includes("\0")) {
        throw new StorageError(`--storage: ${JSON.stringify(p)} is not a file name (in ${parts.join("/")})`);
      }
    }
  }

  /** A descriptor of the directory at `parts`, every step without following links; undefined when absent. */
  private dir(parts: readonly string[]): number | undefined {
    const key = parts.join("/");
    const cached = this.dirs.get(key);
    if (cached !== undefined) return cached;
    let fd: number;
    if (parts.length === 0) {
      try {
        fd = openSync(this.root, O_RDONLY | O_DIRECTORY); // the operator's own path: a link is fine here
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw e;
      }
    } else {
      const parent = this.dir(parts.slice(0, -1));
      if (parent === undefined) return undefined;
      const path = `${FD_DIR}/${parent}/${parts.at(-1)!}`;
      try {
        fd = openSync(path, DIR_FLAGS);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT") return undefined;
        if (code === "ENOTDIR" || code === "ELOOP") {
          const s = lstatSync(path, { throwIfNoEntry: false });
          if (!s) return undefined;
          throw new UnsafeStorageFileError(
            this.display(parts),
            `${kindOf(s)} where a directory belongs (${NOT_WRITTEN_BY_THE_REGISTRY})`,
          );
        }
        throw e;
      }
    }
    if (this.dirs.size >= MAX_CACHED_DIRS) {
      // Oldest first (insertion order). No descriptor handed out earlier is still in use: all of this is synchronous.
      const [oldKey, oldFd] = this.dirs.entries().next().value as [string, number];
      this.dirs.delete(oldKey);
      closeSync(oldFd);
    }
    this.dirs.set(key, fd);
    return fd;
  }

  /** The entries of the directory at `parts` (symbolic links show as such, not as what they point at); undefined when absent. */
  readdir(parts: readonly string[]): Dirent[] | undefined {
    this.checkParts(parts);
    const fd = this.dir(parts);
    return fd === undefined ? undefined : readdirSync(`${FD_DIR}/${fd}`, { withFileTypes: true });
  }

  /** Whether the directory at `parts` exists (as a directory, reached without links). */
  isDirectory(parts: readonly string[]): boolean {
    this.checkParts(parts);
    return this.dir(parts) !== undefined;
  }

  /**
   * The status of the regular file at `parts` (its own, a link is refused); undefined when it or its directory is
   * absent. Refuses anything but a regular file with an UnsafeStorageFileError.
   */
  stat(parts: readonly string[]): Stats | undefined {
    const path = this.entry(parts);
    if (path === undefined) return undefined;
    const s = lstatSync(path, { throwIfNoEntry: false });
    if (s && !s.isFile())
      throw new UnsafeStorageFileError(
        this.display(parts),
        `${kindOf(s)}, not a regular file (${NOT_WRITTEN_BY_THE_REGISTRY})`,
      );
    return s;
  }

  /**
   * The bytes of the regular file at `parts`, at most `cap` of them, with its status; undefined when it or its
   * directory is absent. A link, a FIFO, a device or a file over `cap` bytes is refused (UnsafeStorageFileError)
   * without reading a byte past `cap`. `what` names the file in messages (e.g. "a tag link").
   */
  read(parts: readonly string[], cap: number, what: string): { bytes: Buffer; stats: Stats } | undefined {
    // lstat first: a device or FIFO is refused without being opened (opening one can block or have effects).
    if (this.stat(parts) === undefined) return undefined;
    const path = this.entry(parts)!;
    let fd: number;
    try {
      fd = openSync(path, FILE_FLAGS);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return undefined;
      if (code === "ELOOP")
        throw new UnsafeStorageFileError(this.display(parts), `a symbolic link (${NOT_WRITTEN_BY_THE_REGISTRY})`);
      throw e;
    }
    try {
      // What was opened is what counts: the entry may have been swapped since the lstat.
      const stats = fstatSync(fd);
      if (!stats.isFile()) {
        throw new UnsafeStorageFileError(
          this.display(parts),
          `${kindOf(stats)}, not a regular file (${NOT_WRITTEN_BY_THE_REGISTRY})`,
        );
      }
      if (stats.size > cap) {
        throw new UnsafeStorageFileError(
          this.display(parts),
          `${stats.size} bytes, more than the ${cap} that ${what} may hold`,
        );
      }
      // Room for one byte more than the size: reading it means the file grew since the fstat (never past the cap).
      const buf = Buffer.alloc(stats.size + 1);
      let got = 0;
      for (let n; (n = readSync(fd, buf, got, buf.length - got, null)) > 0;) {
        got += n;
        if (got > stats.size) throw new UnsafeStorageFileError(this.display(parts), "it grew while being read");
      }
      return { bytes: buf.subarray(0, got), stats };
    } finally {
      closeSync(fd);
    }
  }

  /** `/proc/self/fd/<parent>/<name>` for the entry at `parts`; undefined when its directory is absent. */
  private entry(parts: readonly string[]): string | undefined {
    this.checkParts(parts);
    if (parts.length === 0) throw new StorageError("--storage: no file name");
    const parent = this.dir(parts.slice(0, -1));
    return parent === undefined ? undefined : `${FD_DIR}/${parent}/${parts.at(-1)!}`;
  }
}
