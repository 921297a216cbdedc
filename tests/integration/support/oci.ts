import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
export const OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly platform?: { readonly architecture: string; readonly os: string };
  readonly annotations?: Readonly<Record<string, string>>;
}

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** A minimal ustar archive of regular files (mode 0644, mtime 0): deterministic bytes for the same input. */
export function tarFiles(files: Readonly<Record<string, string | Buffer>>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, content] of Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const body = Buffer.isBuffer(content) ? content : Buffer.from(content);
    if (Buffer.byteLength(name) > 99) throw new Error(`tarFiles: name too long: ${name}`);
    const h = Buffer.alloc(512);
    h.write(name, 0, "utf8");
    h.write("0000644\0", 100);
    h.write("0000000\0", 108);
    h.write("0000000\0", 116);
    h.write(`${body.length.toString(8).padStart(11, "0")}\0`, 124);
    h.write("00000000000\0", 136);
    h.write("        ", 148); // checksum placeholder: spaces while summing
    h.write("0", 156);
    h.write("ustar\0", 257);
    h.write("00", 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
    parts.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export interface ImageSpec {
  /** Files of the single layer; defaults to one file naming the image. */
  readonly files?: Readonly<Record<string, string | Buffer>>;
  /** The config's `created` (ISO 8601). Omit (undefined) to leave it out of the config. */
  readonly created?: string;
  /** Defaults to amd64 / linux. */
  readonly architecture?: string;
  readonly os?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface BuiltImage {
  readonly manifest: Descriptor;
  readonly configDigest: string;
  readonly layerDigest: string;
}

/** Writes bytes as a content-addressed blob of an OCI layout; returns the digest. */
export async function writeBlob(layoutDir: string, data: Buffer | string): Promise<{ digest: string; size: number }> {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  const digest = sha256(buf);
  await mkdir(join(layoutDir, "blobs", "sha256"), { recursive: true });
  await writeFile(join(layoutDir, "blobs", "sha256", digest.slice(7)), buf);
  return { digest, size: buf.length };
}

/** The pieces of one single-layer image, in memory (blobs by digest): for writing a layout or pushing over HTTP. */
export function buildImageBlobs(spec: ImageSpec): {
  blobs: Map<string, Buffer>;
  manifestBytes: Buffer;
  manifest: Descriptor;
  configDigest: string;
  layerDigest: string;
} {
  const architecture = spec.architecture ?? "amd64";
  const os = spec.os ?? "linux";
  const files = spec.files ?? { "hello.txt": `image ${spec.created ?? "undated"} ${architecture}\n` };
  const tar = tarFiles(files);
  const layer = gzipSync(tar, { level: 1 });
  // gzip writes no mtime/name with zlib defaults' header bytes fixed, so layer bytes are deterministic.
  const config = Buffer.from(
    JSON.stringify({
      ...(spec.created !== undefined ? { created: spec.created } : {}),
      architecture,
      os,
      config: { Labels: spec.labels ?? {} },
      rootfs: { type: "layers", diff_ids: [sha256(tar)] },
    }),
  );
  const configDigest = sha256(config);
  const layerDigest = sha256(layer);
  const manifestBytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: configDigest, size: config.length },
      layers: [{ mediaType: OCI_LAYER_GZIP, digest: layerDigest, size: layer.length }],
    }),
  );
  const blobs = new Map([
    [configDigest, config],
    [layerDigest, layer],
  ]);
  return {
    blobs,
    manifestBytes,
    manifest: {
      mediaType: OCI_MANIFEST,
      digest: sha256(manifestBytes),
      size: manifestBytes.length,
      platform: { architecture, os },
    },
    configDigest,
    layerDigest,
  };
}

async function addToIndex(layoutDir: string, descriptor: Descriptor, tag?: string): Promise<void> {
  await writeFile(join(layoutDir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  const indexPath = join(layoutDir, "index.json");
  let index: { schemaVersion: number; mediaType?: string; manifests: Descriptor[] };
  try {
    index = JSON.parse(await readFile(indexPath, "utf8"));
  } catch {
    index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] };
  }
  const ref = "org.opencontainers.image.ref.name";
  index.manifests = index.manifests.filter((m) => !tag || m.annotations?.[ref] !== tag);
  index.manifests.push(tag ? { ...descriptor, annotations: { ...descriptor.annotations, [ref]: tag } } : descriptor);
  await writeFile(indexPath, JSON.stringify(index));
}

/**
 * Builds a single-layer OCI image by hand into the OCI layout `layoutDir` (gzipped tar layer, config JSON,
 * manifest, `index.json`, `oci-layout`), referenced as `tag` (`oci:<layoutDir>:<tag>` for skopeo).
 */
export async function writeOciImage(layoutDir: string, spec: ImageSpec, tag?: string): Promise<BuiltImage> {
  const img = buildImageBlobs(spec);
  for (const data of img.blobs.values()) await writeBlob(layoutDir, data);
  await writeBlob(layoutDir, img.manifestBytes);
  const { platform: _platform, ...descriptor } = img.manifest;
  await addToIndex(layoutDir, descriptor, tag);
  return { manifest: img.manifest, configDigest: img.configDigest, layerDigest: img.layerDigest };
}

/**
 * Builds a multi-platform OCI image index (one image per spec, each with its platform) into `layoutDir`,
 * referenced as `tag`. Push it with skopeo `--all`.
 */
export async function writeOciIndex(
  layoutDir: string,
  platforms: readonly ImageSpec[],
  tag: string,
): Promise<{ index: Descriptor; children: readonly BuiltImage[] }> {
  const children: BuiltImage[] = [];
  for (const spec of platforms) {
    const img = buildImageBlobs(spec);
    for (const data of img.blobs.values()) await writeBlob(layoutDir, data);
    await writeBlob(layoutDir, img.manifestBytes);
    children.push({ manifest: img.manifest, configDigest: img.configDigest, layerDigest: img.layerDigest });
  }
  const indexBytes = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: children.map((c) => c.manifest) }),
  );
  const { digest, size } = await writeBlob(layoutDir, indexBytes);
  const index: Descriptor = { mediaType: OCI_INDEX, digest, size };
  await addToIndex(layoutDir, index, tag);
  return { index, children };
}

/** Media type of a Docker v2 (schema 2) image manifest. */
export const DOCKER_V2_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";

/** The Docker v2 manifest of an image from `buildImageBlobs` (its config and its one gzipped layer), as bytes. */
export function dockerV2Manifest(img: {
  blobs: Map<string, Buffer>;
  configDigest: string;
  layerDigest: string;
}): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: DOCKER_V2_MANIFEST,
      config: {
        mediaType: "application/vnd.docker.container.image.v1+json",
        digest: img.configDigest,
        size: img.blobs.get(img.configDigest)!.length,
      },
      layers: [
        {
          mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip",
          digest: img.layerDigest,
          size: img.blobs.get(img.layerDigest)!.length,
        },
      ],
    }),
  );
}
