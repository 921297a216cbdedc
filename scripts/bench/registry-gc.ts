// Benchmark of registry-gc (issue #5): 20 repositories x 50 tags (each tag its own image) on a loopback
// docker-registry, then the CLI as a whole child process: a dry run and a `--keep 5 --delete` run (900 deletions).
// Run: `npm run bench -- registry-gc`. Prints a Markdown table, writes bench-results/registry-gc.json.
import { spawn } from "node:child_process";
import { cp, mkdir, writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { Agent, fetch } from "undici";
import type { GcReport } from "../registry-gc/index.js";
import { buildImageBlobs } from "../../tests/integration/support/oci.js";
import { makeTempDir, removeDir } from "../../tests/integration/support/tmp.js";
import { processCpuMs, startRegistry, type RunningRegistry } from "../../tests/integration/support/registry.js";

const REPOS = 20;
const TAGS = 50;
const KEEP = 5;
const RUNS = 3;
const CONCURRENCY = 16;
const ROOT = join(__dirname, "..", "..");
const CLI = join(ROOT, "scripts", "registry-gc", "cli.ts");
const TARGETS = { dryRunMs: 1000, deleteRunMs: 2000, requestsPerTag: 2 };

/** Pushes one image over the registry HTTP API: each blob POST + PUT, then the manifest PUT. */
async function pushImage(agent: Agent, base: string, repo: string, tag: string, created: string): Promise<void> {
  const img = buildImageBlobs({ created, files: { "id.txt": `${repo}:${tag}\n` } });
  for (const [digest, data] of img.blobs) {
    const start = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: "POST", dispatcher: agent });
    await start.arrayBuffer();
    if (start.status !== 202) throw new Error(`upload start ${repo}: HTTP ${start.status}`);
    const location = new URL(start.headers.get("location")!, base);
    location.searchParams.set("digest", digest);
    const put = await fetch(location, {
      method: "PUT",
      body: data,
      headers: { "content-type": "application/octet-stream" },
      dispatcher: agent,
    });
    await put.arrayBuffer();
    if (put.status !== 201) throw new Error(`blob put ${repo}: HTTP ${put.status}`);
  }
  const res = await fetch(`${base}/v2/${repo}/manifests/${tag}`, {
    method: "PUT",
    body: img.manifestBytes,
    headers: { "content-type": img.manifest.mediaType },
    dispatcher: agent,
  });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`manifest put ${repo}:${tag}: HTTP ${res.status}`);
}

async function populate(base: string): Promise<number> {
  const t0 = performance.now();
  const agent = new Agent({ connections: 32 });
  const jobs: (() => Promise<void>)[] = [];
  const epoch = Date.parse("2026-01-01T00:00:00Z");
  for (let r = 0; r < REPOS; r++) {
    for (let t = 0; t < TAGS; t++) {
      // Creation order deliberately differs from tag-name order (v1..v50 shuffled by a fixed step).
      const created = new Date(epoch + ((t * 17) % TAGS) * 3_600_000 + r * 1000).toISOString();
      jobs.push(() => pushImage(agent, base, `bench/repo-${r}`, `v${t + 1}`, created));
    }
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < jobs.length) await jobs[next++]!();
    }),
  );
  await agent.close();
  return performance.now() - t0;
}

interface Measured {
  wallMs: number;
  report: GcReport & { process: { cpuUserMs: number; cpuSystemMs: number } };
  /** CPU the registry spent serving this run. */
  registryCpuMs: number;
  /** 1-minute load average when the run ended (other work on the machine skews wall times). */
  load1: number;
}

/** Spawns the CLI as its own process and measures the whole of it, start-up included. */
async function runCli(reg: RunningRegistry, extra: string[]): Promise<Measured> {
  const cpuBefore = await processCpuMs(reg.pid);
  const m = await spawnCli(reg.url, extra);
  return { ...m, registryCpuMs: (await processCpuMs(reg.pid)) - cpuBefore, load1: loadavg()[0]! };
}

function spawnCli(registry: string, extra: string[]): Promise<Omit<Measured, "registryCpuMs" | "load1">> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const args = [CLI, "--registry", registry, "--keep", String(KEEP), "--json", "--concurrency", String(CONCURRENCY)];
    // Exactly what `npm run registry-gc` runs: node with tsx's CommonJS hook.
    const child = spawn(process.execPath, ["--require", "tsx/cjs", ...args, ...extra], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const wallMs = performance.now() - t0;
      if (code !== 0) return reject(new Error(`registry-gc exited ${code}: ${err.trim()}`));
      resolve({ wallMs, report: JSON.parse(out) as Measured["report"] });
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const work = await makeTempDir("bench-registry-gc-");
  const registries: RunningRegistry[] = [];
  try {
    const golden = join(work, "golden");
    const seed = await startRegistry({ workDir: work, dataDir: golden, deleteEnabled: true });
    registries.push(seed);
    const populateMs = await populate(seed.url);
    await seed.stop();
    process.stderr.write(`populated ${REPOS * TAGS} images in ${(populateMs / 1000).toFixed(1)} s\n`);

    const dry: Measured[] = [];
    const dryWarm: Measured[] = [];
    const del: Measured[] = [];
    const delWarm: Measured[] = [];
    const fresh = async (name: string) => {
      const dataDir = join(work, name);
      await cp(golden, dataDir, { recursive: true });
      const reg = await startRegistry({ workDir: work, dataDir, deleteEnabled: true });
      registries.push(reg);
      return reg;
    };
    const checkDeleted = (m: Measured) => {
      if (m.report.summary.digestsDeleted !== REPOS * (TAGS - KEEP) || m.report.summary.digestsFailed !== 0) {
        throw new Error(
          `delete run deleted ${m.report.summary.digestsDeleted}, failed ${m.report.summary.digestsFailed}`,
        );
      }
      return m;
    };
    for (let i = 0; i < RUNS; i++) {
      // Cold: no cache. The dry run also fills a cache file (what a scheduled "dry run, then --delete" does).
      const cache = join(work, `cache-${i}.json`);
      const a = await fresh(`cold-${i}`);
      dry.push(await runCli(a, ["--cache", cache]));
      del.push(checkDeleted(await runCli(a, ["--delete"])));
      await a.stop();
      // Warm: the same runs with the creation-time cache of immutable config digests.
      const b = await fresh(`warm-${i}`);
      dryWarm.push(await runCli(b, ["--cache", cache]));
      delWarm.push(checkDeleted(await runCli(b, ["--cache", cache, "--delete"])));
      await b.stop();
    }

    const row = (name: string, runs: Measured[], targetMs: number) => {
      const r = runs[0]!.report;
      const perTag = r.stats.requestsPerTagBeyondListing;
      return {
        run: name,
        wallMsMedian: Math.round(median(runs.map((x) => x.wallMs))),
        wallMsAll: runs.map((x) => Math.round(x.wallMs)),
        toolMsMedian: Math.round(median(runs.map((x) => x.report.stats.durationMs))),
        toolCpuMsMedian: Math.round(median(runs.map((x) => x.report.process.cpuUserMs + x.report.process.cpuSystemMs))),
        registryCpuMsMedian: Math.round(median(runs.map((x) => x.registryCpuMs))),
        load1: runs.map((x) => Number(x.load1.toFixed(2))),
        requests: r.stats.total,
        requestsByKind: r.stats.byKind,
        requestsPerTagBeyondListing: perTag,
        deletions: r.summary.digestsDeleted,
        targetMs,
        meetsTargets: median(runs.map((x) => x.wallMs)) < targetMs && perTag <= TARGETS.requestsPerTag,
      };
    };
    const rows = [
      row(`dry run --keep ${KEEP}`, dry, TARGETS.dryRunMs),
      row(`--keep ${KEEP} --delete`, del, TARGETS.deleteRunMs),
      row(`dry run --keep ${KEEP} --cache (warm)`, dryWarm, TARGETS.dryRunMs),
      row(`--keep ${KEEP} --delete --cache (warm)`, delWarm, TARGETS.deleteRunMs),
    ];
    const lines = [
      `registry-gc: ${REPOS} repositories x ${TAGS} tags (${REPOS * TAGS} images), loopback docker-registry 2.8 ` +
        `(plain HTTP, no auth), --concurrency ${CONCURRENCY}, ${cpus().length} CPUs, median of ${RUNS} whole-process runs`,
      "",
      "| run | wall time (whole process) | time inside the tool | tool CPU | registry CPU | HTTP requests | requests per tag beyond listing | deletions | 1-min load | target | met |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
      ...rows.map(
        (r) =>
          `| ${r.run} | ${r.wallMsMedian} ms | ${r.toolMsMedian} ms | ${r.toolCpuMsMedian} ms | ${r.registryCpuMsMedian} ms | ` +
          `${r.requests} | ${r.requestsPerTagBeyondListing.toFixed(2)} | ${r.deletions} | ${r.load1.join(" / ")} | ` +
          `< ${r.targetMs} ms, <= ${TARGETS.requestsPerTag} req/tag | ${r.meetsTargets ? "yes" : "NO"} |`,
      ),
    ];
    console.log(lines.join("\n"));
    await mkdir(join(ROOT, "bench-results"), { recursive: true });
    await writeFile(
      join(ROOT, "bench-results", "registry-gc.json"),
      `${JSON.stringify(
        {
          suite: "registry-gc",
          date: new Date().toISOString(),
          node: process.version,
          cpus: cpus().length,
          setup: { repositories: REPOS, tagsPerRepository: TAGS, keep: KEEP, concurrency: CONCURRENCY, runs: RUNS },
          populateMs: Math.round(populateMs),
          targets: TARGETS,
          rows,
        },
        null,
        2,
      )}\n`,
    );
    // Targets are reported, not enforced: wall times depend on the machine and its load.
  } finally {
    for (const r of registries) await r.stop();
    await removeDir(work);
  }
}

main().catch((e: unknown) => {
  console.error(`bench registry-gc: ${(e as Error).message}`);
  process.exitCode = 1;
});
