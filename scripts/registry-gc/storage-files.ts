import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  opendirSync,
  readlinkSync,
  realpathSync,
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

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY } = constants;
/**
 * Linux's O_PATH (`include/uapi/asm-generic/fcntl.h`: 010000000; node does not export it): a descriptor naming an
 * entry without opening it, so a FIFO does not block and a device is not touched, and with O_NOFOLLOW a symbolic
 * link is named itself rather than followed.
 */
const O_PATH = 0o10000000;
/**
 * `/proc/<pid>/fd/<fd>` names the very file open as `<fd>`: its target is the path the kernel resolved (compared
 * with the path we asked for, it tells whether a symbolic link was followed on the way), and opening it reopens
 * that same file, whatever has been renamed or swapped since.
 */
const FD_DIR = `/proc/${process.pid}/fd`; // not /proc/self: one symbolic link less to resolve per call

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

/** An entry located below the root: an O_PATH descriptor of it and its status. */
interface Located {
  readonly fd: number;
  readonly stats: Stats;
}

/**
 * Read-only access to the tree below a registry's storage root that follows no symbolic link below the root (the
 * root itself is the operator's path and may be one), reads only regular files and at most a given size of each.
 * The registry container runs as root with write access to this tree and the tool runs as root on the host: a link
 * to `/dev/zero`, `/etc/shadow` or a FIFO there must not be read, hang the run, or exhaust its memory.
 *
 * Every entry is first located without being opened (O_PATH | O_NOFOLLOW); the kernel's own path of what was
 * located must be exactly the path asked for (no link followed on the way below the root's real path), its type
 * is checked on that descriptor, and only then is the same file reopened through it to be read. Nothing can be
 * swapped between the check and the read. Linux only (`/proc/self/fd`), like the registry host. Everything is
 * synchronous: thousands of tiny local files, each a few system calls.
 */
export class StorageTree {
  /** The kernel's path of the root (symbolic links in the operator's path resolved), once known. */
  private rootPath?: string;

  constructor(readonly root: string) {}

  /** Where `parts` are, for messages. */
  display(parts: readonly string[]): string {
    return join(this.root, ...parts);
  }

  /**
   * The entries of the directory at `parts`; undefined when absent. Refuses anything but a directory. Reads one
   * entry at a time and calls `count` before keeping each, so a caller's cap stops a directory of millions of
   * entries before they are all in memory.
   */
  readdir(parts: readonly string[], count: (path: string) => void = () => {}): Dirent[] | undefined {
    const at = this.locate(parts);
    if (!at) return undefined;
    try {
      this.require(parts, at.stats, "directory");
      const dir = opendirSync(`${FD_DIR}/${at.fd}`);
      try {
        const out: Dirent[] = [];
        for (let e; (e = dir.readSync()) !== null;) {
          count(this.display(parts));
          out.push(e);
        }
        return out;
      } finally {
        dir.closeSync();
      }
    } finally {
      closeSync(at.fd);
    }
  }

  /** Whether the directory at `parts` exists. Refuses anything but a directory. */
  isDirectory(parts: readonly string[]): boolean {
    const at = this.locate(parts);
    if (!at) return false;
    closeSync(at.fd);
    this.require(parts, at.stats, "directory");
    return true;
  }

  /** The status of the regular file at `parts`; undefined when absent. Refuses anything but a regular file. */
  stat(parts: readonly string[]): Stats | undefined {
    const at = this.locate(parts);
    if (!at) return undefined;
    closeSync(at.fd);
    this.require(parts, at.stats, "file");
    return at.stats;
  }

  /**
   * The bytes of the regular file at `parts`, at most `cap` of them, with its status; undefined when absent. A link,
   * a FIFO, a device or a file over `cap` bytes is refused (UnsafeStorageFileError) before it is opened. `what`
   * names the file in messages (e.g. "a link file").
   */
  read(parts: readonly string[], cap: number, what: string): { bytes: Buffer; stats: Stats } | undefined {
    const at = this.locate(parts);
    if (!at) return undefined;
    try {
      const { stats } = at;
      this.require(parts, stats, "file");
      if (stats.size > cap) {
        throw new UnsafeStorageFileError(
          this.display(parts),
          `${stats.size} bytes, more than the ${cap} that ${what} may hold`,
        );
      }
      const fd = openSync(`${FD_DIR}/${at.fd}`, O_RDONLY | O_NONBLOCK | O_NOCTTY);
      try {
        // Room for one byte more than the size: reading it means the file grew since the fstat.
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
    } finally {
      closeSync(at.fd);
    }
  }

  private require(parts: readonly string[], s: Stats, kind: "file" | "directory"): void {
    if (kind === "file" ? s.isFile() : s.isDirectory()) return;
    const where = kind === "file" ? ", not a regular file" : " where a directory belongs";
    throw new UnsafeStorageFileError(this.display(parts), `${kindOf(s)}${where} (${NOT_WRITTEN_BY_THE_REGISTRY})`);
  }

  /** The root's real path (the operator's path: links there are resolved once); undefined when it is absent. */
  private realRoot(): string | undefined {
    if (this.rootPath === undefined) {
      if (process.platform !== "linux") {
        throw new StorageError("--storage runs on the registry host, a Linux system (it relies on O_PATH and /proc)");
      }
      try {
        const path = realpathSync(this.root);
        this.rootPath = path === "/" ? "" : path;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw e;
      }
    }
    return this.rootPath;
  }

  /**
   * Locates the entry at `parts` without opening it and without following a link in it; undefined when absent.
   * Throws UnsafeStorageFileError when the kernel reached it through a symbolic link (or not at all).
   */
  private locate(parts: readonly string[]): Located | undefined {
    if (parts.length === 0) throw new StorageError("--storage: no file name");
    for (const p of parts) {
      if (p === "" || p === "." || p === ".." || p.includes("/") || p.includes("\0")) {
        throw new StorageError(`--storage: ${JSON.stringify(p)} is not a file name (in ${parts.join("/")})`);
      }
    }
    const root = this.realRoot();
    if (root === undefined) return undefined;
    const path = `${root}/${parts.join("/")}`;
    let fd: number;
    try {
      fd = openSync(path, O_PATH | O_NOFOLLOW);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      if (code === "ELOOP") throw this.followed(parts);
      throw e;
    }
    try {
      if (readlinkSync(`${FD_DIR}/${fd}`) !== path) throw this.followed(parts);
      return { fd, stats: fstatSync(fd) };
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  /** The error for a path the kernel resolved through a symbolic link: names the first link on the way. */
  private followed(parts: readonly string[]): UnsafeStorageFileError {
    for (let i = 1; i <= parts.length; i++) {
      const s = lstatSync(this.display(parts.slice(0, i)), { throwIfNoEntry: false });
      if (s?.isSymbolicLink()) {
        const where = i < parts.length ? "a symbolic link where a directory belongs" : "a symbolic link";
        return new UnsafeStorageFileError(this.display(parts.slice(0, i)), `${where} (${NOT_WRITTEN_BY_THE_REGISTRY})`);
      }
    }
    return new UnsafeStorageFileError(this.display(parts), "reached through a symbolic link that has since gone");
  }
}
