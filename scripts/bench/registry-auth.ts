// Benchmark of what registry authentication costs: the same registry (distribution v3, the platform's, TLS on loopback,
// started through the test shims exactly as the host GC tests start it) with two htpasswd files side by side in one run:
// the one `@pulumi/random`'s `bcryptHash` would produce (bcrypt cost 10) and the project's (registryHtpasswdLine, cost
// 4 with a salt kept in state). The registry checks the hash on every request with no cache, so each row measures:
// the registry's CPU per authenticated request (from /proc/<pid>/stat), a 12-layer push and pull with skopeo, and 200
// authenticated `GET /v2/` at 4 in flight.
//
// Run: `npm run bench -- registry-auth`. Prints a Markdown table, writes bench-results/registry-auth.json.
// BENCH_RUNS (default 3) sets the number of rounds (the schemes alternate within a round).
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { Agent } from "undici";
import type { HtpasswdScheme } from "../../tests/integration/support/host-input.js";
import { distributionV3Bin } from "../../tests/integration/support/ensure.js";
import { mapLimit } from "../registry-gc/index.js";
import {
  OCI_CONFIG,
  OCI_INDEX,
  OCI_LAYER_GZIP,
  OCI_MANIFEST,
  sha256,
  tarFiles,
  writeBlob,
} from "../../tests/integration/support/oci.js";
import { processCpuMs } from "../../tests/integration/support/registry.js";
import { startShimmedRegistry, type ShimmedRegistry } from "../../tests/integration/support/shimmed-registry.js";
import { pullToOciLayout, pushOciLayout } from "../../tests/integration/support/skopeo.js";
import { makeTempDir, removeDir } from "../../tests/integration/support/tmp.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const LAYERS = 12;
const REQUESTS = 200;
const IN_FLIGHT = 4;
const USER = "ci";
// 32 random characters from 62, like the RandomPassword the program generates (about 190 bits).
const PASSWORD = randomBytes(24).toString("base64url").slice(0, 32);
const ROOT = join(__dirname, "..", "..");
const SCHEMES: readonly { scheme: HtpasswdScheme; label: string }[] = [
  { scheme: "pulumi-random", label: "@pulumi/random bcryptHash (bcrypt cost 10)" },
  { scheme: "project", label: "project htpasswd (bcrypt cost 4, salt in state)" },
];

/** A 12-layer OCI image (64 KiB of random bytes per layer, so the registry stores 12 distinct blobs). */
async function writeTwelveLayerImage(layout: string): Promise<void> {
  const layers: { digest: string; size: number; diffId: string }[] = [];
  for (let i = 0; i < LAYERS; i++) {
    const tar = tarFiles({ [`layer-${i}.bin`]: randomBytes(64 * 1024) });
    const { digest, size } = await writeBlob(layout, gzipSync(tar, { level: 1 }));
    layers.push({ digest, size, diffId: sha256(tar) });
  }
  const config = await writeBlob(
    layout,
    JSON.stringify({
      created: new Date().toISOString(),
      architecture: "amd64",
      os: "linux",
      rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
    }),
  );
  const manifest = await writeBlob(
    layout,
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: config.digest, size: config.size },
      layers: layers.map((l) => ({ mediaType: OCI_LAYER_GZIP, digest: l.digest, size: l.size })),
    }),
  );
  await writeFile(join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  await writeFile(
    join(layout, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { mediaType: OCI_MANIFEST, ...manifest, annotations: { "org.opencontainers.image.ref.name": "app" } },
      ],
    }),
  );
}

interface Round {
  /** Registry CPU per authenticated `GET /v2/` (ms), over the 200 requests. */
  cpuPerRequestMs: number;
  requestsWallMs: number;
  requestsPerCpuSecond: number;
  pushWallMs: number;
  pushRegistryCpuMs: number;
  pullWallMs: number;
  pullRegistryCpuMs: number;
}

/** Wall ms and registry CPU ms of `fn`. */
async function timed(pid: number, fn: () => Promise<unknown>): Promise<{ wallMs: number; cpuMs: number }> {
  const cpu0 = await processCpuMs(pid);
  const t0 = performance.now();
  await fn();
  const wallMs = performance.now() - t0;
  return { wallMs, cpuMs: (await processCpuMs(pid)) - cpu0 };
}

async function round(work: string, scheme: HtpasswdScheme, layout: string, i: number): Promise<Round> {
  const dir = join(work, `${scheme}-${i}`);
  let reg: ShimmedRegistry | undefined;
  try {
    reg = await startShimmedRegistry(dir, USER, PASSWORD, distributionV3Bin(), scheme);
    const pid = Number((await readFile(join(reg.state, "registry.pid"), "utf8")).trim());
    const ca = await readFile(reg.caCert, "utf8");
    const tlsAgent = new Agent({ connect: { ca }, connections: IN_FLIGHT });
    const auth = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`;
    const get = async () => {
      const res = await tlsAgent.request({
        origin: reg!.url,
        path: "/v2/",
        method: "GET",
        headers: { authorization: auth },
      });
      await res.body.dump();
      if (res.statusCode !== 200) throw new Error(`GET /v2/ answered ${res.statusCode}`);
    };
    await get(); // connections and the registry warm
    const requests = await timed(pid, () => mapLimit(Array.from({ length: REQUESTS }), IN_FLIGHT, get));
    await tlsAgent.close();
    const push = await timed(pid, () => pushOciLayout(layout, "app", reg!.access, "bench/app", "v1"));
    const out = join(dir, "pulled");
    const pull = await timed(pid, () => pullToOciLayout(reg!.access, "bench/app:v1", out, "app"));
    return {
      cpuPerRequestMs: requests.cpuMs / REQUESTS,
      requestsWallMs: requests.wallMs,
      requestsPerCpuSecond: requests.cpuMs > 0 ? REQUESTS / (requests.cpuMs / 1000) : Infinity,
      pushWallMs: push.wallMs,
      pushRegistryCpuMs: push.cpuMs,
      pullWallMs: pull.wallMs,
      pullRegistryCpuMs: pull.cpuMs,
    };
  } finally {
    await reg?.stop();
  }
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const work = await makeTempDir("bench-registry-auth-");
  try {
    const layout = join(work, "layout");
    await writeTwelveLayerImage(layout);
    const results = new Map<HtpasswdScheme, Round[]>(SCHEMES.map((s) => [s.scheme, []]));
    for (let i = 0; i < RUNS; i++) {
      for (const { scheme } of i % 2 ? [...SCHEMES].reverse() : SCHEMES) {
        results.get(scheme)!.push(await round(work, scheme, layout, i));
      }
    }
    const rows = SCHEMES.map(({ scheme, label }) => {
      const rs = results.get(scheme)!;
      const m = (f: (r: Round) => number) => median(rs.map(f));
      return {
        scheme,
        label,
        cpuPerRequestMs: Number(m((r) => r.cpuPerRequestMs).toFixed(2)),
        requestsPerCpuSecond: Math.round(m((r) => r.requestsPerCpuSecond)),
        requestsWallMs: Math.round(m((r) => r.requestsWallMs)),
        pushWallMs: Math.round(m((r) => r.pushWallMs)),
        pushRegistryCpuMs: Math.round(m((r) => r.pushRegistryCpuMs)),
        pullWallMs: Math.round(m((r) => r.pullWallMs)),
        pullRegistryCpuMs: Math.round(m((r) => r.pullRegistryCpuMs)),
        all: rs,
      };
    });
    const [base, ours] = rows as [(typeof rows)[0], (typeof rows)[0]];
    const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}x`;
    const lines = [
      `registry-auth: distribution v3.0.0 on loopback (TLS), ${cpus().length} CPUs, median of ${RUNS} rounds; ` +
        `${LAYERS}-layer push/pull with skopeo; ${REQUESTS} authenticated GET /v2/ at ${IN_FLIGHT} in flight; ` +
        `registry CPU from /proc/<pid>/stat (10 ms ticks); 1-min load ${loadavg()[0]!.toFixed(2)}`,
      "",
      "| htpasswd | registry CPU per request | authenticated requests per registry CPU-second | 200 requests (4 in flight) | 12-layer push | registry CPU (push) | 12-layer pull | registry CPU (pull) |",
      "|---|---:|---:|---:|---:|---:|---:|---:|",
      ...rows.map(
        (r) =>
          `| ${r.label} | ${r.cpuPerRequestMs} ms | ${r.requestsPerCpuSecond} | ${r.requestsWallMs} ms | ${r.pushWallMs} ms | ` +
          `${r.pushRegistryCpuMs} ms | ${r.pullWallMs} ms | ${r.pullRegistryCpuMs} ms |`,
      ),
      `| **project vs cost 10** | ${ratio(base.cpuPerRequestMs, ours.cpuPerRequestMs)} less | ` +
        `${ratio(ours.requestsPerCpuSecond, base.requestsPerCpuSecond)} more | ` +
        `${ratio(base.requestsWallMs, ours.requestsWallMs)} faster | ${ratio(base.pushWallMs, ours.pushWallMs)} faster | ` +
        `${ratio(base.pushRegistryCpuMs, ours.pushRegistryCpuMs)} less | ${ratio(base.pullWallMs, ours.pullWallMs)} faster | ` +
        `${ratio(base.pullRegistryCpuMs, ours.pullRegistryCpuMs)} less |`,
    ];
    console.log(lines.join("\n"));
    await mkdir(join(ROOT, "bench-results"), { recursive: true });
    await writeFile(
      join(ROOT, "bench-results", "registry-auth.json"),
      `${JSON.stringify({ suite: "registry-auth", date: new Date().toISOString(), cpus: cpus().length, runs: RUNS, rows }, null, 2)}\n`,
    );
  } finally {
    await removeDir(work);
  }
}

main().catch((e: unknown) => {
  console.error(`bench registry-auth: ${(e as Error).message}`);
  process.exitCode = 1;
});
