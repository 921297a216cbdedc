import { cp, mkdtemp, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { Agent, fetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient, runRegistryGc, type GcReport } from "../../scripts/registry-gc/index.js";
import {
  dirBytes,
  freePort,
  garbageCollect,
  inspectRaw,
  makeCertDir,
  makeTempDir,
  mintCa,
  mintLeafCert,
  pullToOciLayout,
  pushOciLayout,
  removeDir,
  startRegistry,
  writeHtpasswd,
  writeOciImage,
  writeOciIndex,
  type RegistryAccess,
  type RunningRegistry,
} from "./support/index.js";
import { runGcCli } from "./support/gc-plans.js";

const USER = "ci";
const PASSWORD = "correct horse battery staple";
const DAY = 86_400_000;

let work: string;
let caCert: string;
let tls: { certPath: string; keyPath: string };
let htpasswd: string;
let certDir: string;
let goldenData: string;
const running: RunningRegistry[] = [];
/** Layer digest of each pushed OCI tag, to check pulled bytes against what was built. */
const builtLayers = new Map<string, string>();
const now = Date.now();
const ago = (days: number) => new Date(now - days * DAY).toISOString();

function access(reg: RunningRegistry): RegistryAccess {
  return { address: reg.address, creds: `${USER}:${PASSWORD}`, certDir };
}

/** A registry serving a private copy of the golden data (TLS + htpasswd). */
async function freshRegistry(deleteEnabled = true): Promise<RunningRegistry> {
  // Inside `work`, which afterAll removes: a registry's data must not outlive the test run.
  const dataDir = await mkdtemp(join(work, "gc-data-"));
  await cp(goldenData, dataDir, { recursive: true });
  const reg = await startRegistry({
    workDir: work,
    dataDir,
    tls,
    htpasswdPath: htpasswd,
    deleteEnabled,
    caCertPath: caCert,
  });
  running.push(reg);
  return reg;
}

async function api(reg: RunningRegistry, path: string, accept?: string) {
  const agent = new Agent({ connect: { ca: await readFile(caCert, "utf8") } });
  try {
    const res = await fetch(`${reg.url}${path}`, {
      dispatcher: agent,
      headers: {
        authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`,
        ...(accept ? { accept } : {}),
      },
    });
    return { status: res.status, body: await res.text(), digest: res.headers.get("docker-content-digest") };
  } finally {
    await agent.close();
  }
}

async function tagsOf(reg: RunningRegistry, repo: string): Promise<string[]> {
  const r = await api(reg, `/v2/${repo}/tags/list`);
  return ((JSON.parse(r.body).tags as string[] | null) ?? []).sort();
}

async function allTags(reg: RunningRegistry): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const repo of ["app/docker", "app/multi", "app/oci", "app/undated", "other/tools"]) {
    out[repo] = await tagsOf(reg, repo);
  }
  return out;
}

async function digestOf(reg: RunningRegistry, repo: string, tag: string): Promise<string> {
  return (await inspectRaw(access(reg), `${repo}:${tag}`)).digest;
}

function runCli(args: string[], password = PASSWORD) {
  return runGcCli(["--user", USER, "--password-stdin", "--ca-cert", caCert, ...args], password);
}

function decisions(report: GcReport, repo: string): { keep: string[]; delete: string[] } {
  const plan = report.repositories.find((r) => r.repository === repo)?.plan;
  if (!plan) throw new Error(`no plan for ${repo}`);
  return {
    keep: plan.tags
      .filter((t) => t.action === "keep")
      .map((t) => t.tag)
      .sort(),
    delete: plan.tags
      .filter((t) => t.action === "delete")
      .map((t) => t.tag)
      .sort(),
  };
}

const ALL_TAGS = {
  "app/docker": ["0.9.0", "1.10.0", "1.9.0", "2.0.0-rc1"],
  "app/multi": ["m1", "m1-arm64", "m2"],
  "app/oci": ["latest", "stable", "v1", "v2", "v3", "v4", "v5"],
  "app/undated": ["build-10", "build-7", "build-9"],
  "other/tools": ["t1"],
};

beforeAll(async () => {
  work = await makeTempDir("registry-gc-it-");
  const ca = await mintCa(join(work, "ca"));
  caCert = ca.certPath;
  tls = await mintLeafCert(join(work, "tls"), ca, { ipSans: ["127.0.0.1"] });
  certDir = await makeCertDir(caCert, join(work, "certs.d"));
  htpasswd = join(work, "htpasswd");
  await writeHtpasswd(htpasswd, { [USER]: PASSWORD });
  goldenData = join(work, "golden");
  const golden = await startRegistry({
    workDir: work,
    dataDir: goldenData,
    tls,
    htpasswdPath: htpasswd,
    deleteEnabled: true,
    caCertPath: caCert,
  });
  running.push(golden);
  const layout = join(work, "layout");
  const to = access(golden);

  // app/oci: OCI manifests, latest = v5, stable = v2.
  const ociAges = { v1: 50, v2: 40, v3: 30, v4: 20, v5: 2 };
  for (const [tag, days] of Object.entries(ociAges)) {
    const img = await writeOciImage(layout, { created: ago(days), files: { "app.txt": `oci ${tag}\n` } }, `oci-${tag}`);
    builtLayers.set(`app/oci:${tag}`, img.layerDigest);
    await pushOciLayout(layout, `oci-${tag}`, to, "app/oci", tag);
  }
  await pushOciLayout(layout, "oci-v5", to, "app/oci", "latest");
  await pushOciLayout(layout, "oci-v2", to, "app/oci", "stable");
  builtLayers.set("app/oci:latest", builtLayers.get("app/oci:v5")!);
  builtLayers.set("app/oci:stable", builtLayers.get("app/oci:v2")!);

  // app/docker: Docker v2 schema 2; creation order differs from tag-name order on purpose.
  const dockerAges = { "0.9.0": 60, "1.9.0": 3, "1.10.0": 1, "2.0.0-rc1": 30 };
  for (const [tag, days] of Object.entries(dockerAges)) {
    await writeOciImage(layout, { created: ago(days), files: { "d.txt": `docker ${tag}\n` } }, `docker-${tag}`);
    await pushOciLayout(layout, `docker-${tag}`, to, "app/docker", tag, { format: "v2s2" });
  }

  // app/multi: two OCI indexes of two platforms; m1-arm64 tags a child of m1.
  const m1 = await writeOciIndex(
    layout,
    [
      { created: ago(20), architecture: "amd64", files: { "m.txt": "m1 amd64\n" } },
      { created: ago(21), architecture: "arm64", files: { "m.txt": "m1 arm64\n" } },
    ],
    "multi-m1",
  );
  await pushOciLayout(layout, "multi-m1", to, "app/multi", "m1", { all: true });
  await writeOciImage(
    layout,
    { created: ago(21), architecture: "arm64", files: { "m.txt": "m1 arm64\n" } },
    "m1-arm64",
  );
  await pushOciLayout(layout, "m1-arm64", to, "app/multi", "m1-arm64");
  expect((await inspectRaw(to, "app/multi:m1-arm64")).digest).toBe(m1.children[1]!.manifest.digest);
  await writeOciIndex(
    layout,
    [
      { created: ago(1), architecture: "amd64", files: { "m.txt": "m2 amd64\n" } },
      { created: ago(5), architecture: "arm64", files: { "m.txt": "m2 arm64\n" } },
    ],
    "multi-m2",
  );
  await pushOciLayout(layout, "multi-m2", to, "app/multi", "m2", { all: true });

  // app/undated: configs without `created`: ranked by natural tag order.
  for (const tag of ["build-7", "build-9", "build-10"]) {
    await writeOciImage(layout, { files: { "u.txt": `undated ${tag}\n` } }, `undated-${tag}`);
    await pushOciLayout(layout, `undated-${tag}`, to, "app/undated", tag);
  }

  // other/tools: outside the `app/*` glob, must never be touched.
  await writeOciImage(layout, { created: ago(100), files: { "t.txt": "tools\n" } }, "tools");
  await pushOciLayout(layout, "tools", to, "other/tools", "t1");

  expect(await allTags(golden)).toEqual(ALL_TAGS);
  await golden.stop();
});

afterAll(async () => {
  try {
    for (const reg of running) await reg.stop();
  } finally {
    await removeDir(work);
  }
});

describe("registry-gc against a real docker-registry (TLS, htpasswd)", () => {
  it("dry run prints the plan and deletes nothing", async () => {
    const reg = await freshRegistry();
    const before = await allTags(reg);
    const digests = await Promise.all(ALL_TAGS["app/oci"].map((t) => digestOf(reg, "app/oci", t)));
    const r = await runCli(["--registry", reg.url, "--repo", "app/*", "--keep", "2", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as GcReport;
    expect(report.dryRun).toBe(true);
    expect(decisions(report, "app/oci")).toEqual({
      keep: ["latest", "v4", "v5"],
      delete: ["stable", "v1", "v2", "v3"],
    });
    expect(report.summary.digestsDeleted).toBe(0);
    expect(report.repositories.map((x) => x.repository)).not.toContain("other/tools");
    expect(r.stderr).toMatch(/dry run .* HTTP requests/);
    expect(await allTags(reg)).toEqual(before);
    expect(await Promise.all(ALL_TAGS["app/oci"].map((t) => digestOf(reg, "app/oci", t)))).toEqual(digests);

    const text = await runCli(["--registry", reg.url, "--repo", "app/oci", "--keep", "2"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^ {2}latest +sha256:\S+ +\S+ +keep +newest 1\/2/m);
    expect(text.stdout).toMatch(/^ {2}stable +sha256:\S+ +\S+ +delete +no keep rule matches/m);
    expect(await allTags(reg)).toEqual(before);
  });

  it("--keep 2 --delete keeps exactly the newest two images per repository, then GC frees disk", async () => {
    const reg = await freshRegistry();
    const keptExpected = {
      "app/docker": ["1.10.0", "1.9.0"],
      "app/multi": ["m1", "m1-arm64", "m2"],
      "app/oci": ["latest", "v4", "v5"],
      "app/undated": ["build-10", "build-9"],
    };
    const keptDigests = new Map<string, string>();
    for (const [repo, tags] of Object.entries(keptExpected)) {
      for (const t of tags) keptDigests.set(`${repo}:${t}`, await digestOf(reg, repo, t));
    }
    const r = await runCli(["--registry", reg.url, "--repo", "app/*", "--keep", "2", "--delete", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as GcReport;
    expect(decisions(report, "app/oci").delete).toEqual(["stable", "v1", "v2", "v3"]);
    expect(decisions(report, "app/docker").delete).toEqual(["0.9.0", "2.0.0-rc1"]);
    expect(decisions(report, "app/multi").delete).toEqual([]);
    expect(decisions(report, "app/undated").delete).toEqual(["build-7"]);
    const m1arm = report.repositories
      .find((x) => x.repository === "app/multi")!
      .plan!.tags.find((t) => t.tag === "m1-arm64")!;
    expect(m1arm.reasons).toEqual([{ kind: "child-of-kept-index", indexTag: "m1" }]);
    expect(
      report.repositories.find((x) => x.repository === "app/undated")!.plan!.tags.every((t) => t.rankedByTagName),
    ).toBe(true);
    expect(report.summary.digestsDeleted).toBe(6); // v1, v2 (+stable), v3, 0.9.0, 2.0.0-rc1, build-7
    expect(await allTags(reg)).toEqual({ ...keptExpected, "other/tools": ["t1"] });
    for (const [ref, digest] of keptDigests) expect(await inspectRaw(access(reg), ref)).toMatchObject({ digest });

    await reg.stop();
    const blobs = join(reg.dataDir, "docker", "registry", "v2", "blobs");
    const before = await dirBytes(blobs);
    const gc = await garbageCollect(reg.configPath);
    expect(gc.code, gc.stderr).toBe(0);
    const after = await dirBytes(blobs);
    expect(after).toBeLessThan(before);
    // The layer of a deleted OCI image is gone from disk; a kept one is still there.
    const blobData = (d: string) => join(blobs, "sha256", d.slice(7, 9), d.slice(7), "data");
    await expect(stat(blobData(builtLayers.get("app/oci:v1")!))).rejects.toThrow(/ENOENT/);
    await expect(stat(blobData(builtLayers.get("app/oci:v5")!))).resolves.toBeDefined();

    const again = await startRegistry({
      workDir: work,
      dataDir: reg.dataDir,
      tls,
      htpasswdPath: htpasswd,
      deleteEnabled: true,
      caCertPath: caCert,
      port: reg.port,
    });
    running.push(again);
    for (const [ref, digest] of keptDigests) {
      expect(await inspectRaw(access(again), ref)).toMatchObject({ digest });
      const out = await makeTempDir("gc-pull-");
      try {
        const isIndex = ref === "app/multi:m1" || ref === "app/multi:m2";
        await pullToOciLayout(access(again), ref, out, "x", { all: isIndex });
        const layer = builtLayers.get(ref);
        if (layer) await expect(stat(join(out, "blobs", "sha256", layer.slice(7)))).resolves.toBeDefined();
      } finally {
        await removeDir(out);
      }
    }
    const gone = await api(again, `/v2/app/oci/manifests/v1`, "application/vnd.oci.image.manifest.v1+json");
    expect(gone.status).toBe(404);
    const layerGone = await api(again, `/v2/app/oci/blobs/${builtLayers.get("app/oci:v1")}`);
    expect(layerGone.status).toBe(404);
  });

  it("--keep 0 with a pattern and an age keeps only what those rules keep (and shared digests)", async () => {
    const reg = await freshRegistry();
    const r = await runCli([
      "--registry",
      reg.url,
      "--repo",
      "app/oci",
      "--repo",
      "app/undated",
      "--keep",
      "0",
      "--keep-tags-like",
      "^stable$",
      "--keep-younger-than",
      "10d",
      "--delete",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as GcReport;
    expect(decisions(report, "app/oci")).toEqual({
      keep: ["latest", "stable", "v2", "v5"],
      delete: ["v1", "v3", "v4"],
    });
    const v2 = report.repositories.find((x) => x.repository === "app/oci")!.plan!.tags.find((t) => t.tag === "v2")!;
    expect(v2.reasons).toEqual([{ kind: "shares-digest", withTag: "stable" }]);
    // Unknown age under --keep-younger-than: kept, never guessed away.
    expect(decisions(report, "app/undated").delete).toEqual([]);
    expect(await allTags(reg)).toEqual({
      ...ALL_TAGS,
      "app/oci": ["latest", "stable", "v2", "v5"],
    });
  });

  it("--keep 1 on multi-arch indexes deletes whole old indexes; the kept index still pulls with every platform", async () => {
    const reg = await freshRegistry();
    const m2 = await digestOf(reg, "app/multi", "m2");
    const r = await runCli(["--registry", reg.url, "--repo", "app/multi", "--keep", "1", "--delete"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {2}m1 +sha256:\S+ +\S+ +deleted/m);
    expect(await tagsOf(reg, "app/multi")).toEqual(["m2"]);
    await reg.stop();
    const gc = await garbageCollect(reg.configPath);
    expect(gc.code, gc.stderr).toBe(0);
    const again = await startRegistry({
      workDir: work,
      dataDir: reg.dataDir,
      tls,
      htpasswdPath: htpasswd,
      deleteEnabled: true,
      caCertPath: caCert,
    });
    running.push(again);
    expect((await inspectRaw(access(again), "app/multi:m2")).digest).toBe(m2);
    const out = await makeTempDir("gc-pull-");
    try {
      await pullToOciLayout(access(again), "app/multi:m2", out, "m2", { all: true });
      const index = JSON.parse(await readFile(join(out, "index.json"), "utf8"));
      expect(index.manifests[0].digest).toBe(m2);
    } finally {
      await removeDir(out);
    }
  });

  it("--cache keeps creation times of immutable digests: the second run skips config requests, same decisions", async () => {
    const reg = await freshRegistry();
    const cache = join(work, "created-cache.json");
    const args = ["--registry", reg.url, "--repo", "app/*", "--keep", "2", "--json", "--cache", cache];
    const first = await runCli(args);
    expect(first.code, first.stderr).toBe(0);
    const second = await runCli(args);
    expect(second.code, second.stderr).toBe(0);
    const a = JSON.parse(first.stdout) as GcReport;
    const b = JSON.parse(second.stdout) as GcReport;
    expect(a.stats.byKind.blob).toBeGreaterThan(0);
    expect(b.stats.byKind.blob ?? 0).toBe(0);
    expect(b.stats.total).toBeLessThan(a.stats.total);
    for (const repo of ["app/docker", "app/multi", "app/oci", "app/undated"]) {
      expect(decisions(b, repo)).toEqual(decisions(a, repo));
    }
    const saved = JSON.parse(await readFile(cache, "utf8")) as { created: Record<string, string | null> };
    expect(Object.values(saved.created)).toContain(null); // app/undated: known to have no time
  });

  it("follows pagination (page size 1) when used as a library", async () => {
    const reg = await freshRegistry();
    const client = new RegistryClient({
      baseUrl: reg.url,
      user: USER,
      password: PASSWORD,
      caPem: await readFile(caCert, "utf8"),
    });
    try {
      const report = await runRegistryGc(client, reg.url, { rules: { keep: 1, keepTagsLike: [] }, pageSize: 1 });
      expect(report.repositories.map((x) => x.repository)).toEqual(Object.keys(ALL_TAGS));
      expect(report.summary.tags).toBe(Object.values(ALL_TAGS).flat().length);
      expect(client.stats.byKind.catalog).toBeGreaterThan(5);
    } finally {
      await client.close();
    }
  });

  it("a wrong password exits 2 with one clear line", async () => {
    const reg = await freshRegistry();
    const r = await runCli(["--registry", reg.url, "--keep", "1", "--delete"], "wrong");
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^registry-gc: authentication to https:\/\/127\.0\.0\.1:\d+ failed \(401\)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await allTags(reg)).toEqual(ALL_TAGS);
  });

  it("an unreachable registry exits 2, saying each retry as it waits", async () => {
    const port = await freePort();
    const r = await runCli(["--registry", `https://127.0.0.1:${port}`, "--keep", "1"]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split("\n");
    expect(lines.at(-1)).toBe(`registry-gc: cannot reach https://127.0.0.1:${port}: ECONNREFUSED`);
    expect(lines[0]).toBe("registry-gc: GET /v2/_catalog: ECONNREFUSED; retry 1/4 in 0.2 s");
  });

  it("a registry with delete disabled gives a clear error naming storage.delete.enabled", async () => {
    const reg = await freshRegistry(false);
    const r = await runCli(["--registry", reg.url, "--repo", "app/oci", "--keep", "1", "--delete"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refuses deletes \(HTTP 405 UNSUPPORTED\).*storage\.delete\.enabled: true/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await allTags(reg)).toEqual(ALL_TAGS);
  });
});
