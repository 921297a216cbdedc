import { join } from "node:path";
import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  apiSource,
  RegistryClient,
  runRegistryGc,
  StorageReader,
  type GcReport,
  type RetentionRules,
} from "../../scripts/registry-gc/index.js";
import {
  buildImageBlobs,
  DOCKER_V2_MANIFEST,
  dockerV2Manifest,
  makeTempDir,
  OCI_INDEX,
  pushBlob,
  putManifest,
  removeDir,
  startRegistry,
  writeHtpasswd,
  type PushTarget,
  type RunningRegistry,
} from "./support/index.js";
import { decisions, runGcCli } from "./support/gc-plans.js";

// The API mode (ranks by the images' creation time) and the host-side `--storage` mode (ranks by push time, reads
// the registry's filesystem storage) on ONE registry whose pushes happen in creation order: same decisions.
// Debian's docker-registry 2.8 on loopback, plain HTTP, bcrypt htpasswd (credentials to loopback only).
const USER = "ci";
const PASSWORD = "modes-test-password";

let work: string;
let reg: RunningRegistry;
let clock = Date.parse("2026-03-01T00:00:00Z");
/** A creation time later than every earlier one: pushes below happen in this order too. */
const next = () => new Date((clock += 3_600_000)).toISOString();
const pause = () => new Promise((r) => setTimeout(r, 15)); // distinct mtimes whatever the file system's resolution

/** Pushes a one-layer OCI image under `ref` (a tag), or under its own digest (untagged) when `ref` is undefined. */
async function pushImage(
  t: PushTarget,
  repo: string,
  ref: string | undefined,
  created: string | undefined,
  arch = "amd64",
) {
  const img = buildImageBlobs({ created, architecture: arch, files: { "f.txt": `${repo} ${created} ${arch}\n` } });
  for (const [digest, data] of img.blobs) await pushBlob(t, repo, digest, data);
  await putManifest(t, repo, ref ?? img.manifest.digest, img.manifestBytes, img.manifest.mediaType);
  await pause();
  return img;
}

beforeAll(async () => {
  work = await makeTempDir("registry-gc-modes-");
  const htpasswd = join(work, "htpasswd");
  await writeHtpasswd(htpasswd, { [USER]: PASSWORD });
  reg = await startRegistry({
    workDir: work,
    dataDir: join(work, "data"),
    htpasswdPath: htpasswd,
    deleteEnabled: true,
  });
  const agent = new Agent();
  const t: PushTarget = { url: reg.url, agent, auth: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}` };
  try {
    // app/oci: OCI manifests v1..v5, `latest` pushed right after v5 (same digest).
    for (const tag of ["v1", "v2", "v3", "v4"]) await pushImage(t, "app/oci", tag, next());
    const v5 = await pushImage(t, "app/oci", "v5", next());
    await putManifest(t, "app/oci", "latest", v5.manifestBytes, v5.manifest.mediaType);
    await pause();
    // app/docker: Docker v2 manifests.
    for (const tag of ["1.0", "1.1", "2.0"]) {
      const img = buildImageBlobs({ created: next(), files: { "d.txt": `docker ${tag}\n` } });
      for (const [digest, data] of img.blobs) await pushBlob(t, "app/docker", digest, data);
      const manifest = dockerV2Manifest(img);
      await putManifest(t, "app/docker", tag, manifest, DOCKER_V2_MANIFEST);
      await pause();
    }
    // app/multi: two OCI indexes; `m1-arm64` tags a child of m1 (pushed before its index, so older in both modes).
    for (const name of ["m1", "m2"]) {
      const arm = await pushImage(t, "app/multi", undefined, next(), "arm64");
      if (name === "m1") {
        await putManifest(t, "app/multi", "m1-arm64", arm.manifestBytes, arm.manifest.mediaType);
        await pause();
      }
      const amd = await pushImage(t, "app/multi", undefined, next(), "amd64");
      const index = Buffer.from(
        JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [amd.manifest, arm.manifest] }),
      );
      await putManifest(t, "app/multi", name, index, OCI_INDEX);
      await pause();
    }
    // app/undated: no creation time: the API ranks them by natural tag order, pushed in that order here.
    for (const tag of ["build-7", "build-9", "build-10"]) await pushImage(t, "app/undated", tag, undefined);
    // app/retag: the one repository where push order and creation order differ: `old` is re-tagged as `again`
    // after `new` was pushed, so by push time it is the newest image, by creation time the oldest.
    const old = await pushImage(t, "app/retag", "old", next());
    await pushImage(t, "app/retag", "new", next());
    await putManifest(t, "app/retag", "again", old.manifestBytes, old.manifest.mediaType);
  } finally {
    await agent.close();
  }
});

afterAll(async () => {
  await reg?.stop();
  await removeDir(work);
});

/** The repository where push and creation order differ (on purpose): left out where those two are compared. */
const RETAG = "app/retag";

async function plan(rules: RetentionRules, storage: boolean, rankBy: "default" | "tag" | "created" = "default") {
  const client = new RegistryClient({ baseUrl: reg.url, user: USER, password: PASSWORD });
  try {
    const source = storage
      ? new StorageReader(reg.dataDir, rankBy === "default" ? "pushed" : rankBy)
      : rankBy === "tag"
        ? apiSource(client, 1000, undefined, "tag")
        : undefined;
    return await runRegistryGc(client, reg.url, { rules, source });
  } finally {
    await client.close();
  }
}

describe("registry-gc: API mode and host-side storage mode decide the same", () => {
  it.each([0, 1, 2, 3])(
    "--keep %i: same kept and deleted tags and digests; storage mode sends no request",
    async (k) => {
      const rules = { keep: k, keepTagsLike: [] };
      const api = await plan(rules, false);
      const storage = await plan(rules, true);
      expect(storage.rankedBy).toBe("pushed");
      expect(api.rankedBy).toBe("created");
      const same = (r: GcReport) => decisions(r).filter((d) => d.repository !== RETAG);
      expect(same(storage)).toEqual(same(api));
      expect(api.summary.tags).toBe(18);
      expect(api.summary.repositoryErrors).toBe(0);
      expect(storage.stats.total).toBe(0); // a dry run from storage is read from disk only
      expect(api.stats.total).toBeGreaterThan(16);
    },
  );

  it.each([0, 1, 2])(
    "--rank-by tag, --keep %i: both modes decide the same; the API reads one manifest per tag and no config",
    async (k) => {
      const rules = { keep: k, keepTagsLike: [] };
      const api = await plan(rules, false, "tag");
      const storage = await plan(rules, true, "tag");
      expect([api.rankedBy, storage.rankedBy]).toEqual(["tag", "tag"]);
      expect(decisions(storage)).toEqual(decisions(api));
      // catalog + one tags/list per repository + one manifest GET per tag (an index's children come from its body).
      expect(api.stats.byKind).toEqual({ catalog: 1, tags: 5, manifest: api.summary.tags });
      expect(storage.stats.total).toBe(0);
      const multi = api.repositories.find((r) => r.repository === "app/multi")!.plan!.tags;
      // Natural order: m2 > m1-arm64 > m1 (a longer name with the same start ranks higher).
      const actions = multi.map((t) => `${t.tag}:${t.action}`);
      if (k === 1) expect(actions).toEqual(["m2:keep", "m1-arm64:delete", "m1:delete"]);
      if (k === 2) expect(actions).toEqual(["m2:keep", "m1-arm64:keep", "m1:delete"]);
    },
  );

  it.each([0, 1, 2, 3])(
    "--storage --rank-by created, --keep %i: exactly the API mode's decisions, re-tagged repository included",
    async (k) => {
      const rules = { keep: k, keepTagsLike: [] };
      const api = await plan(rules, false);
      const storage = await plan(rules, true, "created");
      expect(storage.rankedBy).toBe("created");
      expect(decisions(storage)).toEqual(decisions(api));
      expect(storage.stats.total).toBe(0);
      // The same creation times, read from the storage's config blobs.
      const times = (r: GcReport) =>
        r.repositories.flatMap((x) =>
          (x.plan?.tags ?? []).map((d) => `${x.repository}:${d.tag}@${d.created?.toISOString()}`),
        );
      expect(times(storage).sort()).toEqual(times(api).sort());
    },
  );

  it("where a tag was re-pushed, push time and creation time disagree, and each mode says which it used", async () => {
    const rules = { keep: 1, keepTagsLike: [] };
    const retag = async (storage: boolean) => {
      const r = await plan(rules, storage);
      return r.repositories
        .find((x) => x.repository === RETAG)!
        .plan!.tags.map((d) => `${d.tag}:${d.action}`)
        .sort();
    };
    expect(await retag(false)).toEqual(["again:delete", "new:keep", "old:delete"]); // by creation time
    expect(await retag(true)).toEqual(["again:keep", "new:delete", "old:keep"]); // by push time
  });

  it("--storage --delete (the CLI) deletes over the API exactly what the API mode plans", async () => {
    const api = await plan({ keep: 2, keepTagsLike: [/^build-7$/] }, false);
    expect(api.summary.digestsToDelete).toBeGreaterThan(0);
    const r = await runGcCli(
      ["--registry", reg.url, "--user", USER, "--password-stdin", "--storage", reg.dataDir, "--keep", "2"].concat([
        "--keep-tags-like",
        "^build-7$",
        "--delete",
        "--json",
      ]),
      PASSWORD,
    );
    expect(r.stderr).toMatch(/ranked by push time/);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as GcReport;
    expect(report.summary.digestsDeleted).toBe(api.summary.digestsToDelete);
    // One ping, then one DELETE per digest: nothing else goes to the registry.
    expect(report.stats.byKind).toEqual({ ping: 1, delete: api.summary.digestsToDelete });
    const after = await plan({ keep: 1000, keepTagsLike: [] }, false);
    const left = after.repositories.flatMap((x) => (x.plan?.tags ?? []).map((d) => `${x.repository}:${d.tag}`));
    const kept = api.repositories.flatMap((x) =>
      (x.plan?.tags ?? []).filter((d) => d.action === "keep").map((d) => `${x.repository}:${d.tag}`),
    );
    expect(left.sort()).toEqual(kept.sort());
  });
});
