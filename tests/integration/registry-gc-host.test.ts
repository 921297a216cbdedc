import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RegistryGcHostInput } from "../../components/registryHost/gc/index.js";
import { RegistryClient, runRegistryGc } from "../../scripts/registry-gc/index.js";
import {
  dirBytes,
  inspectRaw,
  makeTempDir,
  probeRegistry,
  pullToOciLayout,
  pushOciLayout,
  removeDir,
  writeOciImage,
  type RegistryAccess,
  type RunResult,
} from "./support/index.js";
import { startShimmedRegistry, type ShimmedRegistry } from "./support/shimmed-registry.js";

// Runs the RENDERED host GC script for real: `systemctl` and `docker` are shims first on PATH that drive a
// local docker-registry (see support/shims), so stop / garbage-collect / restart / health check all happen.
const USER = "ci";
const PASSWORD = "gc-host-password";

let work: string;
let reg: ShimmedRegistry;
let state: string;
let url: string;
let caCert: string;
let configPath: string;
let dataDir: string;
let access: RegistryAccess;
let keptDigest: string;

/** The 2.x line, like Debian's binary: no --delete-untagged. */
const scriptFor = (overrides: Partial<RegistryGcHostInput> = {}): string =>
  reg.gcScript({ image: "registry:2.8.3", ...overrides });

const runScript = (script: string, env: Record<string, string> = {}, wrap: string[] = []): Promise<RunResult> =>
  reg.runScript(script, env, wrap);
const blobs = () => join(dataDir, "docker", "registry", "v2", "blobs");

beforeAll(async () => {
  work = await makeTempDir("registry-gc-host-");
  reg = await startShimmedRegistry(work, USER, PASSWORD);
  ({ state, url, caCert, configPath, dataDir, access } = reg);
  const layout = join(work, "layout");
  for (const [i, tag] of ["old", "mid", "new"].entries()) {
    const big = Buffer.alloc(256 * 1024, `${tag}-`); // compressible, but distinct per image
    await writeOciImage(
      layout,
      { created: new Date(Date.now() - (3 - i) * 86_400_000).toISOString(), files: { "big.bin": big, "t.txt": tag } },
      tag,
    );
    await pushOciLayout(layout, tag, access, "app", tag);
  }
  keptDigest = (await inspectRaw(access, "app:new")).digest;
  // Delete the two older images with the tool itself: their blobs become garbage for the GC script.
  const client = new RegistryClient({
    baseUrl: url,
    user: USER,
    password: PASSWORD,
    caPem: await readFile(caCert, "utf8"),
  });
  try {
    const report = await runRegistryGc(client, url, { rules: { keep: 1, keepTagsLike: [] }, delete: true });
    expect(report.summary.digestsDeleted).toBe(2);
  } finally {
    await client.close();
  }
});

afterAll(async () => {
  await reg?.stop();
  await removeDir(work);
});

describe("rendered host GC script, run for real (shimmed systemctl / docker)", () => {
  it("stops the registry, collects blobs, restarts it healthy and logs disk usage", async () => {
    const before = await dirBytes(blobs());
    const r = await runScript(scriptFor());
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const after = await dirBytes(blobs());
    expect(after).toBeLessThan(before - 2 * 1024); // two layers and configs gone
    expect(r.stdout).toMatch(/registry-gc: done \(exit 0\): disk usage before \S+, after \S+, freed \S+/);
    expect(r.stdout).toMatch(/registry\.service is back: .* answers 401/);

    const calls = await reg.calls();
    const stop = calls.findIndex((c) => c === "systemctl stop registry.service");
    const gc = calls.findIndex((c) => c.startsWith("docker run"));
    const start = calls.findIndex((c) => c === "systemctl start registry.service");
    expect(stop).toBeGreaterThanOrEqual(0);
    expect(gc).toBeGreaterThan(stop);
    expect(start).toBeGreaterThan(gc);
    expect(calls[gc]).toContain(`-v ${dataDir}:/var/lib/registry`);
    expect(calls[gc]).toContain(`-v ${configPath}:/etc/docker/registry/config.yml:ro`);
    expect(calls[gc]).toMatch(/registry:2\.8\.3 garbage-collect \/etc\/docker\/registry\/config\.yml$/);
    expect(calls[gc]).not.toContain("--delete-untagged");

    expect(await probeRegistry(url, caCert)).toBe(401);
    expect((await inspectRaw(access, "app:new")).digest).toBe(keptDigest);
    const out = await makeTempDir("gc-host-pull-");
    try {
      await pullToOciLayout(access, "app:new", out, "new");
    } finally {
      await removeDir(out);
    }
  });

  it("is idempotent: a second run succeeds and frees nothing more", async () => {
    const before = await dirBytes(blobs());
    const r = await runScript(scriptFor());
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await dirBytes(blobs())).toBe(before);
    expect(await probeRegistry(url, caCert)).toBe(401);
  });

  it("restarts the registry even when garbage-collect fails, and exits non-zero", async () => {
    const r = await runScript(scriptFor(), { SHIM_DOCKER_FAIL: "1" });
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/ERROR: garbage-collect failed \(exit 3\)/);
    expect(r.stdout).toMatch(/registry\.service is back/);
    expect(await probeRegistry(url, caCert)).toBe(401);
    expect((await inspectRaw(access, "app:new")).digest).toBe(keptDigest);
  });

  it("refuses to collect while the registry still answers after the stop", async () => {
    const r = await runScript(scriptFor({ healthTimeoutSec: 2 }), { SHIM_STOP_NOOP: "1" });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/still answers after stopping registry\.service: garbage-collect not run/);
    const calls = await readFile(join(state, "calls.log"), "utf8");
    expect(calls).not.toContain("docker run");
    expect(await probeRegistry(url, caCert)).toBe(401);
  });

  it("does nothing while another run holds the lock", async () => {
    const lock = join(work, "registry-gc.lock");
    const r = await runScript(scriptFor(), {}, ["flock", lock]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/another run holds .*: nothing to do/);
    expect(await readFile(join(state, "calls.log"), "utf8")).toBe("");
    await rm(lock, { force: true });
  });
});
