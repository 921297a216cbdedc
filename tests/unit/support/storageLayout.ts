import { createHash } from "node:crypto";
import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export const sha = (b: string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** A registry storage root written by hand in distribution's layout (registry/storage/paths.go). */
export class StorageLayout {
  constructor(readonly root: string) {}

  get v2(): string {
    return join(this.root, "docker", "registry", "v2");
  }

  write(path: string, content: string | Buffer): void {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }

  blob(content: string | Buffer): string {
    const digest = sha(content.toString());
    this.write(this.blobPath(digest), content);
    return digest;
  }

  blobPath(digest: string): string {
    const hex = digest.slice(7);
    return join(this.v2, "blobs", "sha256", hex.slice(0, 2), hex, "data");
  }

  /** What the registry writes when a repository gets a manifest (`revision`) or a layer / config blob (`layer`). */
  link(repo: string, kind: "revision" | "layer", digest: string): void {
    const dir = kind === "revision" ? ["_manifests", "revisions"] : ["_layers"];
    this.write(join(this.v2, "repositories", repo, ...dir, "sha256", digest.slice(7), "link"), digest);
  }

  tagLinkPath(repo: string, name: string): string {
    return join(this.v2, "repositories", repo, "_manifests", "tags", name, "current", "link");
  }

  tag(repo: string, name: string, digest: string, pushedAt?: Date): void {
    const current = this.tagLinkPath(repo, name);
    this.write(current, digest);
    if (pushedAt) utimesSync(current, pushedAt, pushedAt);
  }

  /** An image's config and manifest blobs, linked into `repo` (pass no repo to leave them unlinked). */
  image(created: string | undefined, repo?: string): string {
    const config = this.blob(JSON.stringify({ architecture: "amd64", os: "linux", ...(created ? { created } : {}) }));
    const manifest = this.blob(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: config, size: 60 },
        layers: [],
      }),
    );
    if (repo) {
      this.link(repo, "layer", config);
      this.link(repo, "revision", manifest);
    }
    return manifest;
  }
}
