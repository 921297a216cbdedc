import { DEFAULT_MAX_NAMES } from "./budget.js";
import { TagInspector, type ManifestStore, type ReadManifest } from "./inspect.js";
import { isRepositoryName, isTagName, NAME_TOTAL_LENGTH_MAX, quoteName, REPOSITORY_COMPONENT } from "./names.js";
import { StorageError, StorageTree, UnsafeStorageFileError } from "./storage-files.js";
import type { TagInfo } from "./types.js";

export { StorageError, UnsafeStorageFileError } from "./storage-files.js";

/** A registry refuses manifests over 4 MiB; a bigger file in its storage is not one we read. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** A link file holds one digest (`sha256:` and 64 hex digits, 71 bytes); a few hundred bytes is already wrong. */
const MAX_LINK_BYTES = 512;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const V2 = ["docker", "registry", "v2"];

/**
 * Reads tags, digests, manifests, image configs and push times straight from a registry's filesystem storage,
 * read-only (host-side mode).
 *
 * The layout is distribution's (registry/storage/paths.go, the same in 2.x and 3.x):
 * `<root>/docker/registry/v2/repositories/<name>/_manifests/tags/<tag>/current/link` holds the digest the tag
 * points at, and `<root>/docker/registry/v2/blobs/sha256/<first two hex>/<hex>/data` the bytes of every blob
 * (manifests and configs alike). Like the registry, it sees a manifest in a repository only through the
 * repository's revision link (`_manifests/revisions/sha256/<hex>/link`) and a config only through its layer link
 * (`_layers/sha256/<hex>/link`): a blob another repository holds, or one whose link a garbage collection removed,
 * is "unknown" here as it is over the API.
 *
 * Push time: the modification time of the tag's `current/link`. The registry rewrites that file every time the tag
 * is pushed or moved, so it is when the tag got its current image (what Harbor and ECR rank by). The revision
 * link (`_manifests/revisions/sha256/<hex>/link`) is not used: it is shared by every tag of a digest and dates the
 * digest's first push into the repository, not the tag's.
 *
 * Files are read synchronously on purpose: thousands of tiny local files read through the thread pool cost more
 * CPU in hand-offs than in reading (a third of a 1000-tag scan), and each read takes microseconds.
 */
export class StorageReader implements ManifestStore {
  private readonly tree: StorageTree;
  private readonly inspector: TagInspector;
  /** Push time of each tag link read by `getManifest`, taken by `inspect` (one look at the file, not two). */
  private readonly pushed = new Map<string, Date>();

  /**
   * `rankBy`: `pushed` (default) dates a tag by its push time; `created` by its image config's creation time (read
   * from the storage: the same dates, so the same decisions, as the API mode); `tag` reads no time at all.
   */
  /** Directory entries read so far by the listings, against `maxNames`. */
  private entries = 0;

  constructor(
    root: string,
    readonly rankBy: "pushed" | "created" | "tag" = "pushed",
    /**
     * Most directory entries the listings read (repositories, their `_manifests`-like directories, tags); more stops
     * the run. Defaults to `--max-names`' default, 100,000: a tree of millions of entries must not fill the memory.
     */
    readonly maxNames = DEFAULT_MAX_NAMES,
  ) {
    this.tree = new StorageTree(root);
    this.inspector = new TagInspector(this, undefined, rankBy === "created");
  }

  /** Releases what the reader holds (nothing at the moment: every file is closed after reading). */
  close(): void {
    this.pushed.clear();
  }

  /** Fails with a clear message when `root` holds no registry storage. */
  async check(): Promise<void> {
    const repos = [...V2, "repositories"];
    if (!this.tree.isDirectory(repos)) {
      throw new StorageError(
        `--storage: ${this.tree.display(repos)} does not exist: give the registry's storage root ` +
          "(storage.filesystem.rootdirectory, e.g. /var/lib/registry) on the registry host",
      );
    }
  }

  /**
   * Every repository (a directory holding `_manifests`), nested names included, sorted. A symbolic link in the
   * tree, or a directory whose name the registry could not have made, stops the run: names go into --repo matches
   * and DELETE URLs.
   */
  async listRepositories(): Promise<string[]> {
    const out: string[] = [];
    const walk = (parts: string[], prefix: string): void => {
      const entries = this.tree.readdir([...V2, "repositories", ...parts], this.count) ?? [];
      for (const e of entries) {
        if (e.isSymbolicLink()) {
          throw new UnsafeStorageFileError(
            this.tree.display([...V2, "repositories", ...parts, e.name]),
            "a symbolic link in the repositories tree (the registry writes none there; registry-gc follows none)",
          );
        }
      }
      if (entries.some((e) => e.name === "_manifests" && e.isDirectory()) && prefix) out.push(prefix);
      for (const e of entries) {
        if (!e.isDirectory() || e.name.startsWith("_")) continue;
        const name = prefix ? `${prefix}/${e.name}` : e.name;
        if (!REPOSITORY_COMPONENT.test(e.name) || name.length > NAME_TOTAL_LENGTH_MAX) {
          throw new StorageError(
            `--storage: ${this.tree.display([...V2, "repositories", ...parts, e.name])}: ${quoteName(name)} is ` +
              "not a repository name the registry accepts (distribution's grammar: lowercase [a-z0-9] joined by " +
              `".", "_", "__" or "-", at most ${NAME_TOTAL_LENGTH_MAX} characters): something else wrote it`,
          );
        }
        walk([...parts, e.name], name);
      }
    };
    walk([], "");
    return out.sort();
  }

  async listTags(repository: string): Promise<string[]> {
    const dir = [...this.repo(repository), "_manifests", "tags"];
    const tags = (this.tree.readdir(dir, this.count) ?? []).map((e) => e.name);
    for (const t of tags) {
      if (!isTagName(t)) {
        throw new StorageError(
          `--storage: ${this.tree.display([...dir, t])}: ${quoteName(t)} is not a tag name the registry ` +
            "accepts ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}): something else wrote it",
        );
      }
    }
    return tags;
  }

  /** Counts one directory entry read in `dir`; past `maxNames` stops the run. */
  private readonly count = (dir: string): void => {
    if (++this.entries > this.maxNames) {
      throw new StorageError(
        `--storage: more than ${this.maxNames} entries (repositories, tags and their directories) listed, the ` +
          `limit of --max-names, while reading ${dir}: something else filled the storage, or the registry really ` +
          "holds that many (then raise --max-names)",
      );
    }
  };

  /** The path components of a repository's directory; refuses a name the registry could not hold. */
  private repo(repository: string): string[] {
    if (!isRepositoryName(repository)) {
      throw new StorageError(`--storage: ${quoteName(repository)} is not a repository name`);
    }
    return [...V2, "repositories", ...repository.split("/")];
  }

  private tagLink(repository: string, tag: string): string[] {
    if (!isTagName(tag)) throw new StorageError(`--storage: ${quoteName(tag)} is not a tag name`);
    return [...this.repo(repository), "_manifests", "tags", tag, "current", "link"];
  }

  /** Whether the repository links the digest: as a manifest revision, or as a layer / config blob. */
  private linked(repository: string, kind: "revision" | "layer", digest: string): boolean {
    const dir = kind === "revision" ? ["_manifests", "revisions"] : ["_layers"];
    return this.tree.stat([...this.repo(repository), ...dir, "sha256", digest.slice(7), "link"]) !== undefined;
  }

  /** The bytes of a manifest or config blob; undefined when absent. Over 4 MiB is refused (the registry refuses such manifests). */
  private blob(digest: string, what: string): Buffer | undefined {
    if (!DIGEST.test(digest)) throw new Error(`${what}: "${digest}" is not a sha256 digest`);
    const hex = digest.slice(7);
    return this.tree.read([...V2, "blobs", "sha256", hex.slice(0, 2), hex, "data"], MAX_MANIFEST_BYTES, what)?.bytes;
  }

  /** A manifest by tag (through the tag's link) or by digest; undefined when the tag (or the digest's blob) is gone. */
  async getManifest(repository: string, reference: string): Promise<ReadManifest | undefined> {
    let digest = reference;
    if (!reference.startsWith("sha256:")) {
      const link = this.tagLink(repository, reference);
      const read = this.tree.read(link, MAX_LINK_BYTES, "a link file");
      if (!read) return undefined;
      digest = read.bytes.toString("utf8").trim();
      if (this.rankBy === "pushed") this.pushed.set(`${repository}:${reference}`, read.stats.mtime);
      if (!DIGEST.test(digest)) throw new Error(`${this.tree.display(link)} does not hold a sha256 digest`);
    }
    const bytes = this.linked(repository, "revision", digest) ? this.blob(digest, "a manifest") : undefined;
    if (bytes === undefined && digest !== reference) {
      // A tag whose manifest is gone is a damaged storage, not a race: stop this repository (nothing deleted there).
      throw new Error(`${repository}:${reference} points at ${digest}, whose manifest is missing from the storage`);
    }
    if (bytes === undefined) return undefined;
    const manifest = JSON.parse(bytes.toString("utf8")) as Record<string, unknown>;
    const mediaType =
      (typeof manifest.mediaType === "string" ? manifest.mediaType : undefined) ??
      (Array.isArray(manifest.manifests)
        ? "application/vnd.oci.image.index.v1+json"
        : "application/vnd.oci.image.manifest.v1+json");
    return { digest, mediaType, manifest };
  }

  /** An image config from the storage (the inspector asks only for configs of at most 1 MiB). */
  async getJsonBlob(repository: string, digest: string): Promise<Record<string, unknown> | undefined> {
    const bytes = this.linked(repository, "layer", digest) ? this.blob(digest, "an image config") : undefined;
    try {
      return bytes === undefined ? undefined : (JSON.parse(bytes.toString("utf8")) as Record<string, unknown>);
    } catch {
      return undefined;
    }
  }

  /**
   * One tag: digest, media type, (for an index) children and its time: push time, creation time (as the API mode
   * reads it) or none. Undefined when the tag has no link.
   */
  async inspect(repository: string, tag: string): Promise<TagInfo | undefined> {
    const info = await this.inspector.inspect(repository, tag);
    if (!info || this.rankBy !== "pushed") return info;
    const key = `${repository}:${tag}`;
    const pushed = this.pushed.get(key); // the link inspect() just read through getManifest
    this.pushed.delete(key);
    return pushed ? { ...info, created: pushed } : undefined;
  }
}
