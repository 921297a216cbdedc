import type { TagInfo } from "./types.js";

/** A manifest as read: its digest, media type and parsed body. */
export interface ReadManifest {
  readonly digest: string;
  readonly mediaType: string;
  readonly manifest: Record<string, unknown>;
}

/** Where manifests and config blobs come from: the registry API (`RegistryClient`) or its storage (`StorageReader`). */
export interface ManifestStore {
  /** A manifest by tag or digest; undefined when unknown. */
  getManifest(repository: string, reference: string): Promise<ReadManifest | undefined>;
  /** A small JSON blob (an image config); undefined when missing or not JSON. */
  getJsonBlob(repository: string, digest: string): Promise<Record<string, unknown> | undefined>;
}

const INDEX_TYPES = new Set([
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
]);

/** Creation time from an image config, or undefined when absent, unparsable or the 1970 epoch of reproducible builds. */
export function createdFromConfig(config: Record<string, unknown> | undefined): Date | undefined {
  const raw = config?.created;
  if (typeof raw !== "string") return undefined;
  const t = Date.parse(raw);
  if (!Number.isFinite(t) || t <= 0) return undefined;
  return new Date(t);
}

interface Descriptor {
  digest?: string;
  size?: number;
  mediaType?: string;
  platform?: { os?: string; architecture?: string };
  annotations?: Record<string, string>;
}

/** Reads manifests and configs of tags, sharing the work between tags that point at the same digests. */
export class TagInspector {
  private readonly configs = new Map<string, Promise<Date | undefined>>();
  private readonly children = new Map<string, Promise<Date | undefined>>();

  /**
   * `cache` maps immutable digests (image configs, platform manifests) to their creation time (ISO, or null when
   * the config has none). Content-addressed data never changes, so a cache kept between runs is always valid;
   * it is read before asking the registry and filled with what was learnt.
   */
  constructor(
    private readonly client: ManifestStore,
    private readonly cache: Map<string, string | null> = new Map(),
    /** False: read no config and no platform manifest, every tag undated (ranking by tag name). */
    private readonly withTimes = true,
  ) {}

  private cached(digest: string): Promise<Date | undefined> | undefined {
    if (!this.cache.has(digest)) return undefined;
    const iso = this.cache.get(digest);
    return Promise.resolve(iso ? new Date(iso) : undefined);
  }

  private remember(digest: string, found: boolean, created: Date | undefined): Date | undefined {
    if (found) this.cache.set(digest, created ? created.toISOString() : null);
    return created;
  }

  private configCreated(repository: string, descriptor: Descriptor | undefined): Promise<Date | undefined> {
    const digest = descriptor?.digest;
    // Not an image config worth reading (signatures, attestations, huge artifacts): no time.
    if (!digest || (descriptor.size ?? 0) > 1_048_576) return Promise.resolve(undefined);
    let p = this.configs.get(digest) ?? this.cached(digest);
    if (!p) {
      p = this.client
        .getJsonBlob(repository, digest)
        .then((config) => this.remember(digest, config !== undefined, createdFromConfig(config)));
      this.configs.set(digest, p);
    }
    return p;
  }

  private childCreated(repository: string, digest: string): Promise<Date | undefined> {
    let p = this.children.get(digest) ?? this.cached(digest);
    if (!p) {
      p = this.client.getManifest(repository, digest).then(async (m) => {
        if (!m) return undefined;
        const created = await this.configCreated(repository, m.manifest.config as Descriptor | undefined);
        return this.remember(digest, true, created);
      });
      this.children.set(digest, p);
    }
    return p;
  }

  /**
   * Resolves one tag: its digest (asking for every manifest type at once), media type, creation time
   * (config `created`; for an index the newest platform image, attestations ignored) and, for an index,
   * its children. Undefined when the tag vanished (404) between listing and reading.
   */
  async inspect(repository: string, tag: string): Promise<TagInfo | undefined> {
    const m = await this.client.getManifest(repository, tag);
    if (!m) return undefined;
    if (INDEX_TYPES.has(m.mediaType) || Array.isArray(m.manifest.manifests)) {
      const manifests = (m.manifest.manifests ?? []) as Descriptor[];
      const children = manifests.map((d) => d.digest).filter((d): d is string => typeof d === "string");
      if (!this.withTimes) return { tag, digest: m.digest, mediaType: m.mediaType, children };
      const images = manifests.filter(
        (d) =>
          d.digest &&
          d.annotations?.["vnd.docker.reference.type"] !== "attestation-manifest" &&
          !(d.platform?.os === "unknown" && d.platform?.architecture === "unknown"),
      );
      const times = await Promise.all(images.map((d) => this.childCreated(repository, d.digest!)));
      const known = times.filter((t): t is Date => t !== undefined);
      const created = known.length ? new Date(Math.max(...known.map((t) => t.getTime()))) : undefined;
      return { tag, digest: m.digest, mediaType: m.mediaType, created, children };
    }
    if (!this.withTimes) return { tag, digest: m.digest, mediaType: m.mediaType };
    const created = await this.configCreated(repository, m.manifest.config as Descriptor | undefined);
    return { tag, digest: m.digest, mediaType: m.mediaType, created };
  }
}
