// Benchmark of registry-gc on the set-up the platform runs: Debian's docker-registry 2.8 on loopback (plain HTTP),
// the hosts' htpasswd (registryHtpasswdLine: bcrypt cost 4; the registry checks it on EVERY request), plus rows on
// `@pulumi/random`'s cost-10 htpasswd (what a registry set up with its bcryptHash meets), 20 repositories x
// 50 tags, each tag its own image (own config blob, one layer shared within the repository), creation times (and
// pushes) in tag-number order, keep the newest 5. Each tool runs as a whole child process on a fresh copy of the data.
//
// Run: `npm run bench -- registry-gc`. Prints a Markdown table, writes bench-results/registry-gc.json.
// Side by side with the hand-built setup's Python registry-cli when REGISTRY_CLI is set to the command that runs it, e.g.
// REGISTRY_CLI="/path/venv/bin/python /path/registry.py" (github.com/andrey-pohilko/registry-cli; not on PyPI).
// BENCH_RUNS (default 3) sets the number of rounds; BENCH_ONLY (a regular expression) picks runs by name.
import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { Agent } from "undici";
import type { GcReport } from "../registry-gc/index.js";
import { runOk } from "../../tests/integration/support/exec.js";
import { pushBlob, putManifest } from "../../tests/integration/support/push.js";
import { buildImageBlobs, DOCKER_V2_MANIFEST, dockerV2Manifest } from "../../tests/integration/support/oci.js";
import { makeTempDir, removeDir } from "../../tests/integration/support/tmp.js";
import {
  processCpuMs,
  startRegistry,
  writeHtpasswd,
  type RunningRegistry,
} from "../../tests/integration/support/registry.js";

const REPOS = 20;
const TAGS = 50;
const KEEP = 5;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const USER = "bench";
const PASSWORD = "bench-password-not-secret";
const ROOT = join(__dirname, "..", "..");
const CLI = join(ROOT, "scripts", "registry-gc", "cli.ts");
/** registry-cli's published figure on this fixture (the tool the hand-built setup used), used when it is not run side by side. */
const REGISTRY_CLI_REFERENCE_MS = 9000;

/** Docker v2 manifests: registry-cli asks for that type only (an OCI manifest would be a 404 to it). */
function image(repo: number, tag: number) {
  const created = new Date(Date.parse("2026-01-01T00:00:00Z") + tag * 3_600_000 + repo * 1000).toISOString();
  const img = buildImageBlobs({ created, files: { "id.txt": `bench/repo-${repo}\n` } });
  const manifest = dockerV2Manifest(img);
  return { ...img, manifest };
}

/** Pushes every image over the HTTP API (no auth on this seeding registry): one repository per worker, in tag order. */
async function populate(base: string): Promise<number> {
  const t0 = performance.now();
  const agent = new Agent({ connections: REPOS });
  const target = { url: base, agent };
  await Promise.all(
    Array.from({ length: REPOS }, async (_, r) => {
      const repo = `bench/repo-${r}`;
      for (let t = 1; t <= TAGS; t++) {
        const img = image(r, t);
        for (const [digest, data] of img.blobs) {
          if (t > 1 && digest === img.layerDigest) continue; // shared layer: already in the repository
          await pushBlob(target, repo, digest, data);
        }
        await putManifest(target, repo, `v${t}`, img.manifest, DOCKER_V2_MANIFEST);
      }
    }),
  );
  await agent.close();
  return performance.now() - t0;
}

interface Measured {
  wallMs: number;
  /** CPU (user + system) of the tool's process tree, from GNU time. */
  toolCpuMs: number;
  registryCpuMs: number;
  requests?: number;
  requestsPerTag?: number;
  kept: number;
  keptRight: boolean;
  load1: number;
}

/** Runs a command under GNU time; resolves wall ms, CPU ms and stdout. */
function timed(argv: string[], env: NodeJS.ProcessEnv): Promise<{ wallMs: number; cpuMs: number; out: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn("/usr/bin/time", ["-f", "__TIME__ %U %S", ...argv], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const wallMs = performance.now() - t0;
      const line = err.split("\n").find((l) => l.startsWith("__TIME__"));
      if (code !== 0 || !line) return reject(new Error(`${argv.join(" ")} exited ${code}: ${err.slice(-800)}`));
      const [, user, sys] = line.split(" ");
      resolve({ wallMs, cpuMs: (Number(user) + Number(sys)) * 1000, out });
    });
  });
}

/** Tags left per repository, checked over the API: the newest KEEP (v46..v50) in every repository. */
async function survivors(reg: RunningRegistry): Promise<{ kept: number; keptRight: boolean }> {
  const agent = new Agent();
  const auth = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`;
  let kept = 0;
  let keptRight = true;
  const want = Array.from({ length: KEEP }, (_, i) => `v${TAGS - KEEP + 1 + i}`).join(",");
  for (let r = 0; r < REPOS; r++) {
    const res = await agent.request({
      origin: reg.url,
      path: `/v2/bench/repo-${r}/tags/list`,
      method: "GET",
      headers: { authorization: auth },
    });
    const tags = ((await res.body.json()) as { tags: string[] | null }).tags ?? [];
    kept += tags.length;
    if ([...tags].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))).join(",") !== want) keptRight = false;
  }
  await agent.close();
  return { kept, keptRight };
}

/** Tags the run keeps (its plan); after a --delete run, also checked against what is left in the registry. */
async function keptBy(report: GcReport, reg: RunningRegistry, deleted: boolean) {
  const want = Array.from({ length: KEEP }, (_, i) => `v${TAGS - KEEP + 1 + i}`).join(",");
  const kept = report.summary.keptTags;
  const keptRight = report.repositories.every(
    (r) =>
      (r.plan?.tags ?? [])
        .filter((t) => t.action === "keep")
        .map((t) => t.tag)
        .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
        .join(",") === want,
  );
  if (deleted) {
    const left = await survivors(reg);
    if (left.kept !== kept || left.keptRight !== keptRight) throw new Error("the registry does not hold what was kept");
  }
  return { kept, keptRight };
}

function median(xs: number[]): number {
  return [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
}

/** One summary row per run: medians, what it ranks by, CPU floor, what it kept, speed-up against registry-cli. */
function summaryRows(results: Record<string, Measured[]>, seedMs: number) {
  return Object.entries(results).map(([run, ms]) => ({
    run,
    wallMsMedian: Math.round(median(ms.map((m) => m.wallMs))),
    wallMsAll: ms.map((m) => Math.round(m.wallMs)),
    toolCpuMsMedian: Math.round(median(ms.map((m) => m.toolCpuMs))),
    registryCpuMsMedian: Math.round(median(ms.map((m) => m.registryCpuMs))),
    ranksBy:
      run.includes("registry-cli") || run.includes("--rank-by tag")
        ? "tag name"
        : run.includes("--storage") && !run.includes("--rank-by created")
          ? "push time"
          : "creation time",
    requests: ms[0]!.requests,
    registryCpuMsPerRequest: ms[0]!.requests
      ? Number((median(ms.map((m) => m.registryCpuMs)) / ms[0]!.requests).toFixed(2))
      : undefined,
    requestsPerTag: ms[0]!.requestsPerTag,
    // The least wall time the CPU this run demanded (registry + tool) allows with every core busy.
    cpuFloorMs: Math.round(
      (median(ms.map((m) => m.registryCpuMs)) + median(ms.map((m) => m.toolCpuMs))) / cpus().length,
    ),
    kept: ms[0]!.kept,
    keptNewest5Everywhere: ms.every((m) => m.keptRight),
    speedupVsSeed: Number((seedMs / median(ms.map((m) => m.wallMs))).toFixed(2)),
    load1: ms.map((m) => Number(m.load1.toFixed(2))),
  }));
}

async function main(): Promise<void> {
  const work = await makeTempDir("bench-registry-gc-");
  const registries: RunningRegistry[] = [];
  try {
    const fixture = await makeFixture(work, registries);
    const registryCli = process.env.REGISTRY_CLI?.split(" ").filter(Boolean);
    const runs = new Runs(process.env.BENCH_ONLY);
    for (let i = 0; i < RUNS; i++) await round(fixture, i, runs, registryCli);
    const seedMs = registryCli
      ? median(runs.results["registry-cli --delete --num 5"]!.map((m) => m.wallMs))
      : REGISTRY_CLI_REFERENCE_MS;
    const rows = summaryRows(runs.results, seedMs);
    console.log(table(rows, seedMs, registryCli !== undefined));
    await writeResults(rows, fixture.populateMs, registryCli !== undefined);
  } finally {
    for (const r of registries) await r.stop();
    await removeDir(work);
  }
}

/** The pushed data every run starts from a copy of, and the two htpasswd files the registries check. */
interface Fixture {
  readonly work: string;
  readonly golden: string;
  readonly populateMs: number;
  readonly htpasswdPath: string;
  readonly cost10HtpasswdPath: string;
  /** Every registry started, for the clean-up. */
  readonly registries: RunningRegistry[];
  copies: number;
}

async function makeFixture(work: string, registries: RunningRegistry[]): Promise<Fixture> {
  const golden = join(work, "golden");
  const seed = await startRegistry({ workDir: work, dataDir: golden, deleteEnabled: true });
  registries.push(seed);
  const populateMs = await populate(seed.url);
  await seed.stop();
  process.stderr.write(`populated ${REPOS * TAGS} images in ${(populateMs / 1000).toFixed(1)} s\n`);
  // The htpasswd the hosts get (one function for hosts, tests and benchmarks), and @pulumi/random's (cost 10).
  const htpasswdPath = join(work, "htpasswd");
  await writeHtpasswd(htpasswdPath, { [USER]: PASSWORD });
  const cost10HtpasswdPath = join(work, "htpasswd-cost10");
  await writeHtpasswd(cost10HtpasswdPath, { [USER]: PASSWORD }, "pulumi-random");
  return { work, golden, populateMs, htpasswdPath, cost10HtpasswdPath, registries, copies: 0 };
}

/** A fresh copy of the data (cp -a keeps the mtimes: the storage mode ranks by them) behind a bcrypt registry. */
async function fresh(f: Fixture, htpasswd = f.htpasswdPath): Promise<RunningRegistry> {
  const dataDir = join(f.work, `copy-${f.copies++}`);
  await runOk("cp", ["-a", f.golden, dataDir]);
  const reg = await startRegistry({ workDir: f.work, dataDir, deleteEnabled: true, htpasswdPath: htpasswd });
  f.registries.push(reg);
  return reg;
}

/** The measurements by run name; BENCH_ONLY (a regular expression) picks the runs that are measured. */
class Runs {
  readonly results: Record<string, Measured[]> = {};
  private readonly only?: RegExp;

  constructor(only: string | undefined) {
    this.only = only ? new RegExp(only) : undefined;
  }

  picks(...names: string[]): boolean {
    return !this.only || names.some((n) => this.only!.test(n));
  }

  async add(name: string, measure: () => Promise<Measured>): Promise<void> {
    if (this.picks(name)) (this.results[name] ??= []).push(await measure());
  }
}

/** One round: every run, each pair on its own fresh registry. */
async function round(f: Fixture, i: number, runs: Runs, registryCli: string[] | undefined): Promise<void> {
  if (registryCli) {
    const s = await fresh(f);
    await runs.add("registry-cli --delete --num 5", () => seedTool(registryCli, s));
    await s.stop();
  }
  const cache = join(f.work, `cache-${i}.json`);
  const a = await fresh(f);
  await runs.add("dry run (cold)", () => ours(a, []));
  await runs.add("--delete (cold, no cache)", () => ours(a, ["--delete"]));
  await a.stop();
  // Ranked by tag name, registry-cli's own order: one manifest GET per tag, no config.
  const n = await fresh(f);
  await runs.add("dry run --rank-by tag (cold)", () => ours(n, ["--rank-by", "tag"]));
  await runs.add("--delete --rank-by tag (cold)", () => ours(n, ["--rank-by", "tag", "--delete"]));
  await n.stop();
  // Warm: the digest cache filled by an earlier run (what the scheduled run keeps between runs).
  const b = await fresh(f);
  if (runs.picks("dry run --cache (warm)", "--delete --cache (warm)")) await ours(b, ["--cache", cache]); // fills it
  await runs.add("dry run --cache (warm)", () => ours(b, ["--cache", cache]));
  await runs.add("--delete --cache (warm)", () => ours(b, ["--cache", cache, "--delete"]));
  await b.stop();
  // Host-side: tags, digests and push times read from the registry's storage; only deletions over the API.
  const c = await fresh(f);
  await runs.add("dry run --storage (host)", () => ours(c, ["--storage", c.dataDir]));
  await runs.add("--delete --storage (host)", () => ours(c, ["--storage", c.dataDir, "--delete"]));
  await c.stop();
  // Host-side, ranked like the API mode: configs read from the storage too (the same decisions as the API).
  const d = await fresh(f);
  const created = ["--storage", d.dataDir, "--rank-by", "created"];
  await runs.add("dry run --storage --rank-by created (host)", () => ours(d, created));
  await runs.add("--delete --storage --rank-by created (host)", () => ours(d, [...created, "--delete"]));
  await d.stop();
  // The same runs on @pulumi/random's cost-10 htpasswd: what a registry set up with its bcryptHash pays.
  const e = await fresh(f, f.cost10HtpasswdPath);
  await runs.add("--delete (cold, no cache), cost-10 htpasswd", () => ours(e, ["--delete"]));
  await e.stop();
  const g = await fresh(f, f.cost10HtpasswdPath);
  await runs.add("--delete --storage (host), cost-10 htpasswd", () => ours(g, ["--storage", g.dataDir, "--delete"]));
  await g.stop();
}

/** One registry-gc run as a whole process, with the registry's CPU over it and a check of what it kept. */
async function ours(reg: RunningRegistry, extra: string[]): Promise<Measured> {
  const cpuBefore = await processCpuMs(reg.pid);
  const args = ["--registry", reg.url, "--user", USER, "--keep", String(KEEP), "--json", ...extra];
  const env = { ...process.env, REGISTRY_PASSWORD: PASSWORD };
  const t = await timed([process.execPath, "--require", "tsx/cjs", CLI, ...args], env);
  const registryCpuMs = (await processCpuMs(reg.pid)) - cpuBefore;
  const report = JSON.parse(t.out) as GcReport;
  if (report.summary.digestsFailed > 0) throw new Error(`registry-gc: ${report.summary.digestsFailed} failed`);
  return {
    wallMs: t.wallMs,
    toolCpuMs: t.cpuMs,
    registryCpuMs,
    requests: report.stats.total,
    requestsPerTag: report.stats.total / (REPOS * TAGS),
    ...(await keptBy(report, reg, extra.includes("--delete"))),
    load1: loadavg()[0]!,
  };
}

/** One registry-cli run (the hand-built setup's tool) as a whole process, measured like `ours`. */
async function seedTool(registryCli: string[], reg: RunningRegistry): Promise<Measured> {
  const cpuBefore = await processCpuMs(reg.pid);
  const argv = [...registryCli, "-r", reg.url, "-l", `${USER}:${PASSWORD}`, "--delete", "--num", String(KEEP)];
  const t = await timed(argv, process.env);
  const registryCpuMs = (await processCpuMs(reg.pid)) - cpuBefore;
  return { wallMs: t.wallMs, toolCpuMs: t.cpuMs, registryCpuMs, ...(await survivors(reg)), load1: loadavg()[0]! };
}

/** The Markdown table of the summary rows, under a line saying what was measured. */
function table(rows: ReturnType<typeof summaryRows>, seedMs: number, sideBySide: boolean): string {
  return [
    `registry-gc: ${REPOS} repositories x ${TAGS} tags, Debian docker-registry 2.8 on loopback (plain HTTP, the ` +
      `hosts' htpasswd (bcrypt cost 4) unless a row says cost 10), keep ${KEEP}, ${cpus().length} CPUs, median of ${RUNS} whole-process ` +
      `runs; speed-up against registry-cli ${sideBySide ? "measured side by side" : `at its reference ${seedMs} ms`}`,
    "",
    "| run | ranks by | wall time | tool CPU | registry CPU | CPU floor (all cores busy) | HTTP requests | requests per tag | registry CPU per request | tags kept (newest 5 everywhere) | vs registry-cli | 1-min load |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|",
    ...rows.map(
      (r) =>
        `| ${r.run} | ${r.ranksBy} | ${r.wallMsMedian} ms | ${r.toolCpuMsMedian} ms | ${r.registryCpuMsMedian} ms | ` +
        `${r.cpuFloorMs} ms | ` +
        `${r.requests ?? "n/a"} | ${r.requestsPerTag?.toFixed(2) ?? "n/a"} | ` +
        `${r.registryCpuMsPerRequest === undefined ? "n/a" : `${r.registryCpuMsPerRequest} ms`} | ` +
        `${r.kept} (${r.keptNewest5Everywhere ? "yes" : "no"}) | ${r.speedupVsSeed}x | ${r.load1.join(" / ")} |`,
    ),
  ].join("\n");
}

/** bench-results/registry-gc.json: the set-up and the summary rows. */
async function writeResults(rows: ReturnType<typeof summaryRows>, populateMs: number, sideBySide: boolean) {
  await mkdir(join(ROOT, "bench-results"), { recursive: true });
  await writeFile(
    join(ROOT, "bench-results", "registry-gc.json"),
    `${JSON.stringify(
      {
        suite: "registry-gc",
        date: new Date().toISOString(),
        node: process.version,
        cpus: cpus().length,
        setup: {
          repositories: REPOS,
          tagsPerRepository: TAGS,
          keep: KEEP,
          runs: RUNS,
          auth: "hosts' htpasswd (bcrypt cost 4); cost-10 rows: @pulumi/random's",
        },
        populateMs: Math.round(populateMs),
        registryCliReferenceMs: sideBySide ? undefined : REGISTRY_CLI_REFERENCE_MS,
        rows,
      },
      null,
      2,
    )}\n`,
  );
}

main().catch((e: unknown) => {
  console.error(`bench registry-gc: ${(e as Error).message}`);
  process.exitCode = 1;
});
