import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { TagInfo } from "./types.js";

/** A registry refuses manifests over 4 MiB; a bigger file in its storage is not one we read. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** The storage root given to `--storage` is not a registry's filesystem storage. */
export class StorageError extends Error {
  override name = "StorageError";
}

/**
 * Reads tags, digests and push times straight from a registry's filesystem storage, read-only (host-side mode).
 *
 * The layout is distribution's (registry/storage/paths.go, the same in 2.x and 3.x):
 * `<root>/docker/registry/v2/repositories/<name>/_manifests/tags/<tag>/current/link` holds the digest the tag
 * points at, and `<root>/docker/registry/v2/blobs/sha256/<first two hex>/<hex>/data` the manifest bytes.
 *
 * Push time: the modification time of the tag's `current/link`. The registry rewrites that file every time the tag
 * is pushed or moved, so it is when the tag got its current image (what Harbor and ECR rank by). The revision
 * link (`_manifests/revisions/sha256/<hex>/link`) is not used: it is shared by every tag of a digest and dates the
 * digest's first push into the repository, not the tag's.
 */
export class StorageReader {
  readonly timeKind = "pushed" as const;
  private readonly v2: string;

  constructor(root: string) {
    this.v2 = join(root, "docker", "registry", "v2");
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

  /** One tag: digest, push time, media type and (for an index) children. Undefined when the tag has no link. */
  async inspect(repository: string, tag: string): Promise<TagInfo | undefined> {
    const link = join(this.v2, "repositories", repository, "_manifests", "tags", tag, "current", "link");
    let digest: string;
    let pushed: Date;
    try {
      const [text, s] = await Promise.all([readFile(link, "utf8"), stat(link)]);
      digest = text.trim();
      pushed = new Date(s.mtimeMs);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
    if (!DIGEST.test(digest)) throw new Error(`${link} does not hold a sha256 digest`);
    const hex = digest.slice(7);
    const data = join(this.v2, "blobs", "sha256", hex.slice(0, 2), hex, "data");
    const size = (await stat(data)).size;
    if (size > MAX_MANIFEST_BYTES) throw new Error(`manifest ${digest} of ${repository}:${tag} is over 4 MiB`);
    const manifest = JSON.parse(await readFile(data, "utf8")) as {
      mediaType?: string;
      manifests?: { digest?: unknown }[];
    };
    const mediaType =
      manifest.mediaType ??
      (Array.isArray(manifest.manifests)
        ? "application/vnd.oci.image.index.v1+json"
        : "application/vnd.oci.image.manifest.v1+json");
    if (Array.isArray(manifest.manifests)) {
      const children = manifest.manifests.map((d) => d.digest).filter((d): d is string => typeof d === "string");
      return { tag, digest, mediaType, created: pushed, children };
    }
    return { tag, digest, mediaType, created: pushed };
  }
}
