import { readFileSync, statSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { TagInspector, type ManifestStore, type ReadManifest } from "./inspect.js";
import type { TagInfo } from "./types.js";

/** A registry refuses manifests over 4 MiB; a bigger file in its storage is not one we read. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** The storage root given to `--storage` is not a registry's filesystem storage. */
export class StorageError extends Error {
  override name = "StorageError";
}

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
  private readonly v2: string;
  private readonly inspector: TagInspector;

  /**
   * `rankBy`: `pushed` (default) dates a tag by its push time; `created` by its image config's creation time (read
   * from the storage: the same dates, so the same decisions, as the API mode); `tag` reads no time at all.
   */
  constructor(
    root: string,
    readonly rankBy: "pushed" | "created" | "tag" = "pushed",
  ) {
    this.v2 = join(root, "docker", "registry", "v2");
    this.inspector = new TagInspector(this, undefined, rankBy === "created");
  }

  /** Fails with a clear message when `root` holds no registry storage. */
  async check(): Promise<void> {
    const repos = join(this.v2, "repositories");
    const s = await stat(repos).catch(() => undefined);
    if (!s?.isDirectory()) {
      throw new StorageError(
        `--storage: ${repos} does not exist: give the registry's storage root (storage.filesystem.rootdirectory, ` +
          "e.g. /var/lib/registry) on the registry host",
      );
    }
  }

  /** Every repository (a directory holding `_manifests`), nested names included, sorted. */
  async listRepositories(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string, prefix: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true });
      if (entries.some((e) => e.name === "_manifests" && e.isDirectory()) && prefix) out.push(prefix);
      for (const e of entries) {
        if (e.isDirectory() && !e.name.startsWith("_")) {
          await walk(join(dir, e.name), prefix ? `${prefix}/${e.name}` : e.name);
        }
      }
    };
    await walk(join(this.v2, "repositories"), "");
    return out.sort();
  }

  async listTags(repository: string): Promise<string[]> {
    try {
      return await readdir(join(this.v2, "repositories", repository, "_manifests", "tags"));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
  }

  private tagLink(repository: string, tag: string): string {
    return join(this.v2, "repositories", repository, "_manifests", "tags", tag, "current", "link");
  }

  /** Whether the repository links the digest: as a manifest revision, or as a layer / config blob. */
  private linked(repository: string, kind: "revision" | "layer", digest: string): boolean {
    const [dir, ...sub] = kind === "revision" ? ["_manifests", "revisions"] : ["_layers"];
    const link = join(this.v2, "repositories", repository, dir!, ...sub, "sha256", digest.slice(7), "link");
    return statSync(link, { throwIfNoEntry: false }) !== undefined;
  }

  private blobPath(digest: string): string {
    const hex = digest.slice(7);
    return join(this.v2, "blobs", "sha256", hex.slice(0, 2), hex, "data");
  }

  /** The bytes of a manifest or config blob; undefined when absent. Over 4 MiB is an error (the registry refuses such manifests). */
  private blob(digest: string, what: string): Buffer | undefined {
    if (!DIGEST.test(digest)) throw new Error(`${what}: "${digest}" is not a sha256 digest`);
    const path = this.blobPath(digest);
    const s = statSync(path, { throwIfNoEntry: false });
    if (!s) return undefined;
    if (s.size > MAX_MANIFEST_BYTES) throw new Error(`${what}: blob ${digest} is over 4 MiB`);
    return readFileSync(path);
  }

  /** A manifest by tag (through the tag's link) or by digest; undefined when the tag (or the digest's blob) is gone. */
  async getManifest(repository: string, reference: string): Promise<ReadManifest | undefined> {
    let digest = reference;
    if (!reference.startsWith("sha256:")) {
      const link = this.tagLink(repository, reference);
      try {
        digest = readFileSync(link, "utf8").trim();
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw e;
      }
      if (!DIGEST.test(digest)) throw new Error(`${link} does not hold a sha256 digest`);
    }
    const bytes = this.linked(repository, "revision", digest)
      ? this.blob(digest, `manifest of ${repository}:${reference}`)
      : undefined;
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
    const bytes = this.linked(repository, "layer", digest) ? this.blob(digest, `config of ${repository}`) : undefined;
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
    // The link was just read, so it exists unless the tag was deleted in between (then it is gone: undefined).
    const s = statSync(this.tagLink(repository, tag), { throwIfNoEntry: false });
    return s ? { ...info, created: new Date(s.mtimeMs) } : undefined;
  }
}
