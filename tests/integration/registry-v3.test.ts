// The registry the platform ships, for real: distribution v3 at the version of the pinned `registry:<version>` image
// (built from Go modules by scripts/test/ensure-distribution.sh; Debian packages 2.8 only). On it: the host-side
// registry-gc mode reads v3's storage layout, deletes over v3's API, and the RENDERED host GC script for the shipped
// image runs `garbage-collect --delete-untagged` (shimmed systemctl / docker driving this binary), which must free
// the deleted images and the platform images only a deleted index referenced, and keep a kept index's platform images.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_REGISTRY_IMAGE } from "../../components/registryHost/render/image.js";
import { RegistryClient, runRegistryGc, StorageReader, type GcReport } from "../../scripts/registry-gc/index.js";
import { distributionV3Bin } from "./support/ensure.js";
import {
  dirBytes,
  freePort,
  garbageCollect,
  makeTempDir,
  probeRegistry,
  pullToOciLayout,
  pushOciLayout,
  removeDir,
  renderRegistryConfig,
  run,
  startRegistry,
  writeOciImage,
  writeOciIndex,
  type RegistryAccess,
} from "./support/index.js";
import { decisions, runGcCli } from "./support/gc-plans.js";
import { startShimmedRegistry, type ShimmedRegistry } from "./support/shimmed-registry.js";

const USER = "ci";
const PASSWORD = "v3-registry-password";
const DAY = 86_400_000;

let work: string;
let reg: ShimmedRegistry;
let url: string;
let caCert: string;
let caPem: string;
let configPath: string;
let dataDir: string;
let access: RegistryAccess;
/** Platform images of the index `m0` (deleted) and `m1` (kept). */
let m0Children: string[];
let m1Children: string[];

const blobs = () => join(dataDir, "docker", "registry", "v2", "blobs");
const client = () => new RegistryClient({ baseUrl: url, user: USER, password: PASSWORD, caPem });
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();

async function plan(source?: StorageReader): Promise<GcReport> {
  const c = client();
  try {
    return await runRegistryGc(c, url, { rules: { keep: 1, keepTagsLike: [] }, source });
  } finally {
    await c.close();
  }
}

/** Whether the registry still serves `app/multi@digest`. */
async function hasManifest(digest: string): Promise<boolean> {
  const c = client();
  try {
    return (await c.getManifest("app/multi", digest)) !== undefined;
  } finally {
    await c.close();
  }
}

beforeAll(async () => {
  work = await makeTempDir("registry-v3-");
  reg = await startShimmedRegistry(work, USER, PASSWORD, distributionV3Bin());
  ({ url, caCert, configPath, dataDir, access } = reg);
  caPem = await readFile(caCert, "utf8");

  // Pushed in build order (oldest first), so push time and creation time rank alike.
  const layout = join(work, "layout");
  const m0 = await writeOciIndex(
    layout,
    [
      { created: ago(9), architecture: "amd64", files: { "big.bin": Buffer.alloc(96 * 1024, "m0 amd64 ") } },
      { created: ago(9), architecture: "arm64", files: { "big.bin": Buffer.alloc(96 * 1024, "m0 arm64 ") } },
    ],
    "m0",
  );
  await pushOciLayout(layout, "m0", access, "app/multi", "m0", { all: true });
  const m1 = await writeOciIndex(
    layout,
    [
      { created: ago(8), architecture: "amd64", files: { "big.bin": Buffer.alloc(96 * 1024, "m1 amd64 ") } },
      { created: ago(8), architecture: "arm64", files: { "big.bin": Buffer.alloc(96 * 1024, "m1 arm64 ") } },
    ],
    "m1",
  );
  await pushOciLayout(layout, "m1", access, "app/multi", "m1", { all: true });
  m0Children = m0.children.map((c) => c.manifest.digest);
  m1Children = m1.children.map((c) => c.manifest.digest);
  for (const [i, tag] of ["v1", "v2", "v3", "v4"].entries()) {
    const big = Buffer.alloc(96 * 1024, `${tag} `);
    await writeOciImage(layout, { created: ago(7 - i), files: { "big.bin": big } }, tag);
    await pushOciLayout(layout, tag, access, "app/plain", tag);
  }
});

afterAll(async () => {
  await reg?.stop();
  await removeDir(work);
});

describe(`registry-gc and the host GC script on distribution v3 (${DEFAULT_REGISTRY_IMAGE.split("@")[0]})`, () => {
  it("runs the shipped version", async () => {
    const v = await run(distributionV3Bin(), ["--version"]);
    expect(v.stdout).toContain(` v${DEFAULT_REGISTRY_IMAGE.split("@")[0]!.split(":")[1]}`);
  });

  it("host-side mode reads v3's storage: the same plans as the API, without a request", async () => {
    const api = await plan();
    const created = await plan(new StorageReader(dataDir, "created"));
    const pushed = await plan(new StorageReader(dataDir, "pushed"));
    expect(decisions(api)).toEqual([
      { repository: "app/multi", error: undefined, tags: ["m0:delete", "m1:keep"], deletions: expect.any(Array) },
      {
        repository: "app/plain",
        error: undefined,
        tags: ["v1:delete", "v2:delete", "v3:delete", "v4:keep"],
        deletions: expect.any(Array),
      },
    ]);
    expect(decisions(created)).toEqual(decisions(api));
    expect(decisions(pushed)).toEqual(decisions(api));
    expect([created.stats.total, pushed.stats.total]).toEqual([0, 0]);
    expect(api.repositories[0]!.plan!.tags.find((t) => t.tag === "m1")!.created?.toISOString()).toBe(
      created.repositories[0]!.plan!.tags.find((t) => t.tag === "m1")!.created?.toISOString(),
    );
  });

  it("--storage --delete (the CLI) deletes over v3's API exactly what it planned", async () => {
    const r = await runGcCli(
      ["--registry", url, "--ca-cert", caCert, "--user", USER, "--password-stdin", "--storage", dataDir].concat([
        "--rank-by",
        "created",
        "--keep",
        "1",
        "--delete",
        "--json",
      ]),
      PASSWORD,
    );
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as GcReport;
    expect(report.summary).toMatchObject({ digestsToDelete: 4, digestsDeleted: 4, digestsFailed: 0 });
    expect(report.stats.byKind).toEqual({ ping: 1, delete: 4 });
    const left = await plan();
    expect(decisions(left).map((d) => d.tags)).toEqual([["m1:keep"], ["v4:keep"]]);
    // Deleting the index m0 leaves its platform images in place, untagged, until the GC below.
    for (const d of m0Children) expect(await hasManifest(d)).toBe(true);
  });

  it("control: Debian's 2.8 garbage-collect --delete-untagged on a copy of this data drops the KEPT index's platform images (why the renderer refuses it for 2.x)", async () => {
    const copy = join(work, "data-2.8-copy");
    await run("cp", ["-a", dataDir, copy]);
    const copyWork = join(work, "copy-2.8");
    const copyConfig = join(work, "config-2.8-copy.yml");
    await writeFile(copyConfig, renderRegistryConfig({ dataDir: copy, port: await freePort(), deleteEnabled: true }));
    const gc = await garbageCollect(copyConfig, { deleteUntagged: true });
    expect(gc.code, gc.stderr).toBe(0);
    // Debian's registry serving the collected copy: the index is there, its platform images are "unknown".
    const reg = await startRegistry({ workDir: copyWork, dataDir: copy });
    const c = new RegistryClient({ baseUrl: reg.url });
    try {
      expect(await c.getManifest("app/multi", "m1")).toBeDefined();
      for (const d of m1Children) expect(await c.getManifest("app/multi", d)).toBeUndefined();
    } finally {
      await c.close();
      await reg.stop();
      await removeDir(copy);
      await removeDir(copyWork);
    }
  });

  it("the rendered GC script for the shipped image runs garbage-collect --delete-untagged on v3: frees the deleted images and m0's platform images, keeps m1 whole", async () => {
    const script = reg.gcScript({ image: DEFAULT_REGISTRY_IMAGE });
    const before = await dirBytes(blobs());
    const r = await reg.runScript(script);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const gc = (await reg.calls()).find((c) => c.startsWith("docker run"))!;
    expect(gc).toContain(`-v ${configPath}:/etc/distribution/config.yml:ro`);
    expect(gc).toMatch(/ garbage-collect --delete-untagged \/etc\/distribution\/config\.yml$/);
    // Three plain images and m0's two platform images: five 96 KiB layers (compressed) and their configs.
    expect(await dirBytes(blobs())).toBeLessThan(before - 5 * 1024);
    expect(await probeRegistry(url, caCert)).toBe(401);
    for (const d of m0Children) expect(await hasManifest(d)).toBe(false);
    for (const d of m1Children) expect(await hasManifest(d)).toBe(true);
    // m1 pulls back whole, every platform (skopeo checks every digest).
    const out = await makeTempDir("registry-v3-pull-");
    try {
      await pullToOciLayout(access, "app/multi:m1", out, "m1", { all: true });
      await pullToOciLayout(access, "app/plain:v4", out, "v4");
    } finally {
      await removeDir(out);
    }
  });
});
