// The host GC timer's retention, for real: the RENDERED script runs registry-gc (the esbuild bundle the host gets,
// on the local node through the `docker` shim, as `docker run <pinned node image> node <bundle>`) in host-side mode
// with the release histories and the running containers' images as the protected set, then blob GC with
// `garbage-collect --delete-untagged` on distribution v3 (the platform's registry, through the shimmed `systemctl` /
// `docker`). What the rules would delete but an app runs, can roll back to, or a container runs survives, also
// when another tag shares it or no tag points at it any more; a missing or unreadable history deletes nothing.
import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Release, ReleaseHistory } from "../../components/apps/releaseHistory.js";
import { registryGcBundle } from "../../components/registryHost/gc/index.js";
import { RegistryClient, type GcReport } from "../../scripts/registry-gc/index.js";
import { distributionV3Bin } from "./support/ensure.js";
import {
  dirBytes,
  inspectRaw,
  makeTempDir,
  probeRegistry,
  pullToOciLayout,
  pushOciLayout,
  removeDir,
  writeOciImage,
  type RunResult,
} from "./support/index.js";
import { startShimmedRegistry, type ShimmedRegistry } from "./support/shimmed-registry.js";

const USER = "ci";
const PASSWORD = "retention-host-password-0123456789";
const DAY = 86_400_000;
const HEX = "e".repeat(64);

let work: string;
let reg: ShimmedRegistry;
let releases: string;
let stateDir: string;
let script: string;
const digests: Record<string, string> = {};
const layers: Record<string, string> = {};
/** Whether the storage still holds a blob. */
const hasBlob = (digest: string) =>
  readFile(join(blobs(), "sha256", digest.slice(7, 9), digest.slice(7), "data")).then(
    () => true,
    () => false,
  );

const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();
const blobs = () => join(reg.dataDir, "docker", "registry", "v2", "blobs");

function release(seq: number, tag: string, status: Release["status"]): Release {
  return {
    seq,
    digest: digests[`web:${tag}`]!,
    configHash: HEX,
    secretsHash: HEX,
    deployedAt: ago(30 - seq),
    deployedBy: "ci",
    status,
  };
}

async function tags(repository: string): Promise<string[]> {
  const c = new RegistryClient({
    baseUrl: reg.url,
    user: USER,
    password: PASSWORD,
    caPem: await readFile(reg.caCert, "utf8"),
  });
  try {
    return (await c.listTags(repository, 1000)).sort();
  } finally {
    await c.close();
  }
}

/** Whether the registry still serves `repository@digest` (pulls every blob: skopeo verifies them). */
async function pullable(repository: string, digest: string): Promise<boolean> {
  const out = await makeTempDir("retention-pull-");
  try {
    await pullToOciLayout(reg.access, `${repository}@${digest}`, out, "x");
    return true;
  } catch {
    return false;
  } finally {
    await removeDir(out);
  }
}

const runTimer = (env: Record<string, string> = {}): Promise<RunResult> => reg.runScript(script, env);
const lastRun = async () => readFile(join(stateDir, "last-run"), "utf8");
const report = async (): Promise<GcReport> => JSON.parse(await readFile(join(stateDir, "retention.json"), "utf8"));

beforeAll(async () => {
  work = await makeTempDir("registry-retention-host-");
  reg = await startShimmedRegistry(work, USER, PASSWORD, distributionV3Bin());
  const layout = join(work, "layout");
  const push = async (repository: string, tag: string, days: number, destTag = tag) => {
    const files = { "big.bin": Buffer.alloc(64 * 1024, `${repository} ${tag} `) };
    const img = await writeOciImage(layout, { created: ago(days), files }, `${repository}-${tag}`);
    layers[`${repository}:${tag}`] = img.layerDigest;
    await pushOciLayout(layout, `${repository}-${tag}`, reg.access, repository, destTag);
    digests[`${repository}:${tag}`] = (await inspectRaw(reg.access, `${repository}:${destTag}`)).digest;
  };
  // web: v1..v5, oldest first (host-side mode ranks by push time); `prod` is another tag on v3's digest.
  for (const [i, tag] of ["v1", "v2", "v3", "v4", "v5"].entries()) {
    await push("web", tag, 10 - i);
    if (tag === "v3") await pushOciLayout(layout, "web-v3", reg.access, "web", "prod");
  }
  // api: a1 runs in a container, a2 is newest, a0 is neither.
  for (const [i, tag] of ["a0", "a1", "a2"].entries()) await push("api", tag, 10 - i);
  // job: j1 runs by digest, but its tag moved on to j2: no tag points at j1 any more.
  await push("job", "j1", 5, "latest");
  await push("job", "j2", 4, "latest");

  // History: v3 active (another tag, `prod`, shares it), v2 the rollback target (keepReleases 2), v4 failed.
  releases = join(work, "releases");
  await mkdir(releases);
  const history: ReleaseHistory = {
    version: 1,
    app: "web",
    repository: "web",
    keepReleases: 2,
    releases: [
      release(1, "v1", "retired"),
      release(2, "v2", "retired"),
      release(3, "v3", "active"),
      release(4, "v4", "failed"),
    ],
  };
  await writeFile(join(releases, "web.json"), JSON.stringify(history));
  const host = reg.access.address;
  await writeFile(
    join(reg.state, "containers"),
    [
      `c-api sha256:${"1".repeat(64)} sha256:${"a".repeat(64)} ${host}/api@${digests["api:a1"]}`,
      `c-job ${host}/job@${digests["job:j1"]} sha256:${"b".repeat(64)} ${host}/job@${digests["job:j1"]}`,
      `c-local local-build:dev sha256:${"c".repeat(64)} -`,
    ].join("\n"),
  );

  const bundlePath = join(work, "registry-gc.cjs");
  await writeFile(bundlePath, registryGcBundle());
  const credentialPath = join(work, "credential");
  await writeFile(credentialPath, `${USER}:${PASSWORD}\n`, { mode: 0o600 });
  await chmod(credentialPath, 0o600);
  stateDir = join(work, "gc-state");
  script = reg.gcScript({
    image: "registry:3.0.0",
    retention: {
      keep: 1,
      dryRun: false,
      registryUrl: reg.url,
      caCertPath: reg.caCert,
      credentialPath,
      bundlePath,
      releasesDir: releases,
      stateDir,
    },
  });
});

afterAll(async () => {
  await reg?.stop();
  await removeDir(work);
});

describe("host GC timer: retention with the protected set, then blob GC, on distribution v3", () => {
  it("keeps what is deployed, a rollback target, what runs (tagged or not); deletes the rest; GC frees it", async () => {
    const before = await dirBytes(blobs());
    const r = await runTimer();
    expect(r.code, r.stdout + r.stderr).toBe(0);

    expect(await tags("web")).toEqual(["prod", "v2", "v3", "v5"]);
    expect(await tags("api")).toEqual(["a1", "a2"]);
    expect(await tags("job")).toEqual(["latest"]);
    // The running image no tag points at survives blob GC: collected without --delete-untagged this run.
    expect(r.stdout).toMatch(/protected manifests without a tag: collecting without --delete-untagged this run/);
    expect(await pullable("job", digests["job:j1"]!)).toBe(true);
    for (const kept of ["web:v2", "web:v3", "api:a1"])
      expect(await pullable(kept.split(":")[0]!, digests[kept]!)).toBe(true);
    expect(await dirBytes(blobs())).toBeLessThan(before);
    for (const gone of ["web:v1", "web:v4", "api:a0"]) expect(await hasBlob(layers[gone]!), gone).toBe(false);
    for (const kept of ["web:v2", "web:v3", "web:v5", "api:a1", "job:j1", "job:j2"]) {
      expect(await hasBlob(layers[kept]!), kept).toBe(true);
    }

    const calls = await reg.calls();
    const retention = calls.findIndex((c) => c.startsWith("docker run") && c.includes(" node /opt/registry-gc/"));
    const stop = calls.indexOf("systemctl stop registry.service");
    const gc = calls.findIndex((c) => c.includes(" garbage-collect"));
    expect(calls.indexOf("docker ps --quiet --no-trunc")).toBeLessThan(retention);
    expect(retention).toBeGreaterThanOrEqual(0);
    expect(stop).toBeGreaterThan(retention);
    expect(gc).toBeGreaterThan(stop);
    expect(calls[retention]).toMatch(/ node:22\.12\.0-bookworm-slim@sha256:[0-9a-f]{64} node /);
    expect(calls[retention]).not.toContain(PASSWORD);
    expect(calls[gc]).not.toContain("--delete-untagged");

    const rep = await report();
    expect(rep.dryRun).toBe(false);
    const why = (repo: string, tag: string) =>
      rep.repositories.find((x) => x.repository === repo)!.plan!.tags.find((t) => t.tag === tag)!.reasons;
    expect(why("web", "v3").map((x) => x.kind)).toEqual(["protected", "protected"]);
    expect(why("web", "prod").map((x) => x.kind)).toEqual(["protected", "protected"]);
    expect(why("web", "v2")).toEqual([
      { kind: "protected", why: { kind: "rollback-target", app: "web", seq: 2, keepReleases: 2 } },
    ]);
    expect(why("api", "a1")[0]).toMatchObject({ kind: "protected", why: { kind: "running" } });
    expect(rep.protection!.untagged).toEqual([{ digest: digests["job:j1"] }]);
    expect(await lastRun()).toMatch(/^exit=0$/m);
    expect(await lastRun()).toMatch(
      /^retention=delete: 3 repositories, 10 tags: keep 7, delete 3 \(3 digests\); deleted 3\/3 .*; 4 tags protected/m,
    );
    expect(await probeRegistry(reg.url, reg.caCert)).toBe(401);
  });

  it("a second run deletes nothing and frees nothing", async () => {
    const before = await dirBytes(blobs());
    const r = await runTimer();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect((await report()).summary.digestsToDelete).toBe(0);
    expect(await dirBytes(blobs())).toBe(before);
    expect(await tags("web")).toEqual(["prod", "v2", "v3", "v5"]);
  });

  it("with the release history missing: deletes nothing, says why, the run fails (exit 3) and GC keeps untagged", async () => {
    await rename(releases, `${releases}.away`);
    try {
      await pushOciLayout(join(work, "layout"), "web-v1", reg.access, "web", "v1"); // something the rules would delete
      const r = await runTimer();
      expect(r.code).toBe(3);
      expect(r.stdout).toMatch(/retention: failed: release history \S+ is missing/);
      expect(r.stdout).toMatch(
        /ERROR: retention failed \(exit 3\); blob collection still runs, without --delete-untagged/,
      );
      expect(await tags("web")).toEqual(["prod", "v1", "v2", "v3", "v5"]);
      expect(await lastRun()).toMatch(/^exit=3$/m);
      expect(await lastRun()).toMatch(/^retention=failed: release history .* nothing deleted$/m);
      expect((await reg.calls()).some((c) => c.includes(" node /opt/registry-gc/"))).toBe(false);
      expect(await probeRegistry(reg.url, reg.caCert)).toBe(401);
    } finally {
      await rename(`${releases}.away`, releases);
    }
  });

  it("with an unreadable history: the tool deletes nothing and says which file and why (exit 3)", async () => {
    await writeFile(join(releases, "api.json"), '{"version": 1, "app": "api"');
    try {
      const r = await runTimer();
      expect(r.code).toBe(3);
      expect(r.stdout).toMatch(/protected set unavailable, nothing deleted: \S+api\.json: not JSON/);
      expect(await tags("web")).toEqual(["prod", "v1", "v2", "v3", "v5"]);
      expect(await lastRun()).toMatch(/^retention=failed \(exit 3\): protected set unavailable, nothing deleted: /m);
    } finally {
      await rm(join(releases, "api.json"));
    }
  });

  it("when the engine cannot list the running containers: deletes nothing (exit 3)", async () => {
    const r = await runTimer({ SHIM_DOCKER_PS_FAIL: "1" });
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/retention: failed: cannot list the running containers' images: nothing deleted/);
    expect(await tags("web")).toEqual(["prod", "v1", "v2", "v3", "v5"]);
  });
});
