import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StorageReader } from "../../scripts/registry-gc/index.js";
import { sha, StorageLayout } from "./support/storageLayout.js";

// A registry storage root written by hand in distribution's layout (registry/storage/paths.go).
let root: string;
let layout: StorageLayout;
const v2 = () => layout.v2;
const blob = (content: string | Buffer) => layout.blob(content);
const link = (repo: string, kind: "revision" | "layer", digest: string) => layout.link(repo, kind, digest);
const tag = (repo: string, name: string, digest: string, pushedAt?: Date) => layout.tag(repo, name, digest, pushedAt);
const image = (created: string | undefined, repo?: string) => layout.image(created, repo);

let one: string;
let two: string;
let index: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "gc-storage-"));
  layout = new StorageLayout(root);
  one = image("2026-01-01T00:00:00Z", "team/app");
  two = image("2026-02-01T00:00:00Z", "team/app");
  index = blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: two, size: 1 }],
    }),
  );
  link("team/app", "revision", index);
  // Pushed in the opposite order of creation: `two` (newer image) first, then `one`.
  tag("team/app", "v2", two, new Date("2026-03-01T00:00:00Z"));
  tag("team/app", "v1", one, new Date("2026-04-01T00:00:00Z"));
  tag("team/app", "multi", index, new Date("2026-05-01T00:00:00Z"));
  mkdirSync(join(v2(), "repositories", "team", "app", "_uploads"), { recursive: true });
  tag("broken/link", "x", "not-a-digest\n");
  tag("broken/missing", "x", sha("never written"));
  link("broken/missing", "revision", sha("never written"));
  const huge = blob(Buffer.alloc(4 * 1024 * 1024 + 1, 32));
  tag("broken/huge", "x", huge);
  link("broken/huge", "revision", huge);
  // team/other: `x` points at team/app's image, which this repository never received (no revision link), and
  // `y` at an image whose config it does not link: both are unknown here, as they are over the API.
  tag("team/other", "x", one);
  const y = image("2026-06-01T00:00:00Z");
  link("team/other", "revision", y);
  tag("team/other", "y", y);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("StorageReader (host-side mode)", () => {
  it("lists nested repositories holding _manifests, and their tags", async () => {
    const s = new StorageReader(root);
    await s.check();
    expect(await s.listRepositories()).toEqual([
      "broken/huge",
      "broken/link",
      "broken/missing",
      "team/app",
      "team/other",
    ]);
    expect((await s.listTags("team/app")).sort()).toEqual(["multi", "v1", "v2"]);
    expect(await s.listTags("team/none")).toEqual([]);
  });

  it("dates a tag by its push time, by its config's creation time, or not at all", async () => {
    const at = async (rankBy: "pushed" | "created" | "tag", t: string) =>
      (await new StorageReader(root, rankBy).inspect("team/app", t))?.created?.toISOString();
    expect(await at("pushed", "v1")).toBe("2026-04-01T00:00:00.000Z");
    expect(await at("created", "v1")).toBe("2026-01-01T00:00:00.000Z");
    expect(await at("tag", "v1")).toBeUndefined();
    // An index: its children, and (by creation time) its newest platform image's time.
    const multi = await new StorageReader(root, "created").inspect("team/app", "multi");
    expect(multi).toMatchObject({
      digest: index,
      children: [two],
      mediaType: "application/vnd.oci.image.index.v1+json",
    });
    expect(multi!.created!.toISOString()).toBe("2026-02-01T00:00:00.000Z");
    expect(await new StorageReader(root).inspect("team/app", "gone")).toBeUndefined();
  });

  it("refuses a damaged storage with the file or digest at fault (the repository is then left alone)", async () => {
    const s = new StorageReader(root);
    await expect(s.inspect("broken/link", "x")).rejects.toThrow(/tags\/x\/current\/link does not hold a sha256 digest/);
    await expect(s.inspect("broken/missing", "x")).rejects.toThrow(
      /broken\/missing:x points at sha256:[0-9a-f]{64}, whose manifest is missing from the storage/,
    );
    await expect(s.inspect("broken/huge", "x")).rejects.toThrow(
      /refusing \S+\/blobs\/sha256\/[0-9a-f]{2}\/[0-9a-f]{64}\/data: 4194305 bytes, more than the 4194304 that a manifest may hold/,
    );
  });

  it("sees only what the repository links, like the registry: another repository's manifest or config is unknown", async () => {
    const s = new StorageReader(root, "created");
    await expect(s.inspect("team/other", "x")).rejects.toThrow(
      /team\/other:x points at sha256:\S+, whose manifest is missing/,
    );
    expect(await s.getManifest("team/other", one)).toBeUndefined();
    expect(await s.getManifest("team/app", one)).toBeDefined();
    const y = await s.inspect("team/other", "y");
    expect(y).toBeDefined();
    expect(y!.created).toBeUndefined(); // its config is not linked into team/other
  });

  it("says which directory to give when the root holds no registry storage", async () => {
    await expect(new StorageReader(join(root, "nope")).check()).rejects.toThrow(
      /--storage: .*nope\/docker\/registry\/v2\/repositories does not exist: give the registry's storage root/,
    );
  });
});
