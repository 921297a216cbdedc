// Benchmark: push and pull of one large layer through the RENDERED prod Nginx (TLS, streaming proxy) in front of the
// registry running the RENDERED prod config, against the registry serving TLS itself (the RENDERED dev config), on
// loopback with skopeo. Median of BENCH_RUNS (5) runs, a fresh random layer per run (no dedup, no cross-repo mount).
// Target (issue): Nginx <= 1.2x direct, for push and for pull.
// Run: npm run bench -- nginx   (writes bench-results/nginx.json)
// Sizes: BENCH_LAYER_MIB (512), BENCH_RUNS (5).
import { createHash, randomFillSync } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { renderProvisionPlan, HOST_PATHS } from "../../components/registryHost/render";
import {
  freePort,
  makeCertDir,
  makeTempDir,
  mintCa,
  mintLeafCert,
  removeDir,
  runOk,
  type RunningRegistry,
} from "../../tests/integration/support/index";
import { writeHostFiles } from "../../tests/integration/support/host-files";
import { htpasswdLine, sampleInput } from "../../tests/integration/support/host-input";
import { startNginx, writeNginxTree, type RunningNginx } from "../../tests/integration/support/host-nginx";
import { prependPath, writeSkopeoWithNames } from "../../tests/integration/support/host-names";
import { startRenderedDevRegistry, startRenderedRegistry } from "../../tests/integration/support/host-registry";
import { median } from "./measure";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const LAYER_MIB = Number(process.env.BENCH_LAYER_MIB ?? 512);
const NAME = "docker.bench.test";
const CREDS = "bench:bench-password";

/** An OCI layout with one image whose single layer is LAYER_MIB of random bytes (uncompressed tar media type). */
function writeRandomImage(layout: string, tag: string): string {
  const blobs = join(layout, "blobs", "sha256");
  mkdirSync(blobs, { recursive: true });
  const tmp = join(blobs, "layer.tmp");
  const fd = openSync(tmp, "w");
  const hash = createHash("sha256");
  const chunk = Buffer.alloc(8 * 1024 * 1024);
  for (let written = 0; written < LAYER_MIB * 1024 * 1024; written += chunk.length) {
    randomFillSync(chunk);
    hash.update(chunk);
    writeSync(fd, chunk);
  }
  closeSync(fd);
  const layerHex = hash.digest("hex");
  const size = statSync(tmp).size;
  renameSync(tmp, join(blobs, layerHex));
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      rootfs: { type: "layers", diff_ids: [`sha256:${layerHex}`] },
    }),
  );
  const configDigest = `sha256:${createHash("sha256").update(config).digest("hex")}`;
  writeFileSync(join(blobs, configDigest.slice(7)), config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: configDigest, size: config.length },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: `sha256:${layerHex}`, size }],
    }),
  );
  const manifestDigest = `sha256:${createHash("sha256").update(manifest).digest("hex")}`;
  writeFileSync(join(blobs, manifestDigest.slice(7)), manifest);
  writeFileSync(join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    join(layout, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: manifestDigest,
          size: manifest.length,
          annotations: { "org.opencontainers.image.ref.name": tag },
        },
      ],
    }),
  );
  return manifestDigest;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function main(): Promise<void> {
  const work = await makeTempDir("bench-nginx-");
  const stops: (() => Promise<void>)[] = [];
  let restorePath: (() => void) | undefined;
  try {
    const tls = await mintTls(work);
    const direct = await startDirect(work, tls);
    stops.push(direct.stop);
    const nginxHttpsPort = await startBehindNginx(work, tls, stops);
    restorePath = prependPath(await writeSkopeoWithNames(join(work, "names"), [NAME]));
    const times = await pushAndPull(work, { direct: direct.address, nginx: `${NAME}:${nginxHttpsPort}` }, tls.certDir);
    const rows = [row(times, "push"), row(times, "pull")];
    printTable(rows);
    // Which HTTP version the client spoke to Nginx (from its access log).
    const protocols = protocolsIn(join(work, "nginx", "log", "access.log"));
    console.log(`\nclient -> Nginx requests by protocol: ${JSON.stringify(protocols)}`);
    writeResults(rows, protocols, times);
  } finally {
    restorePath?.();
    for (const stop of stops.reverse()) await stop();
    await removeDir(work);
  }
}

/** A CA, a leaf certificate for NAME and 127.0.0.1, skopeo's cert dir, and the host inputs both configs share. */
async function mintTls(work: string) {
  const ca = await mintCa(join(work, "pki"), "Bench CA");
  const leaf = await mintLeafCert(join(work, "pki"), ca, { dnsSans: [NAME], ipSans: ["127.0.0.1"] });
  const certDir = await makeCertDir(ca.certPath, join(work, "certs"));
  const common = {
    htpasswd: `${htpasswdLine("bench", "bench-password")}\n`,
    certificatePem: readFileSync(leaf.certPath, "utf8"),
    privateKeyPem: readFileSync(leaf.keyPath, "utf8"),
  };
  return { caCertPath: ca.certPath, certDir, common };
}

type Tls = Awaited<ReturnType<typeof mintTls>>;

/** Direct: the registry serves TLS itself (the rendered dev config). */
async function startDirect(work: string, tls: Tls): Promise<RunningRegistry> {
  const devRoot = join(work, "dev");
  const caCertificatePem = readFileSync(tls.caCertPath, "utf8");
  await writeHostFiles(devRoot, renderProvisionPlan(sampleInput("dev", { ...tls.common, caCertificatePem })).files);
  return startRenderedDevRegistry(devRoot, {
    addr: `127.0.0.1:${await freePort()}`,
    dataDir: join(work, "direct-data"),
    caCertPath: tls.caCertPath,
  });
}

/**
 * Through Nginx: the rendered prod config on loopback plain HTTP, the rendered Nginx in front. Adds what stops each
 * to `stops` as it starts; returns Nginx's HTTPS port.
 */
async function startBehindNginx(work: string, tls: Tls, stops: (() => Promise<void>)[]): Promise<number> {
  const registryPort = await freePort();
  const prodPlan = renderProvisionPlan(
    sampleInput("prod", { ...tls.common, registryPort, domain: "bench.test", sites: { docker: "registry" } }),
  );
  const prodRoot = join(work, "prod");
  await writeHostFiles(
    prodRoot,
    prodPlan.files.filter((f) => f.path.startsWith("/etc/registry/")),
  );
  const behind = await startRenderedRegistry(join(prodRoot, HOST_PATHS.registryConfig), {
    addr: `127.0.0.1:${registryPort}`,
    dataDir: join(work, "nginx-data"),
    htpasswdPath: join(prodRoot, HOST_PATHS.htpasswd),
  });
  stops.push(behind.stop);
  const ports = { http: await freePort(), https: await freePort() };
  const nginx: RunningNginx = await startNginx(
    join(work, "nginx"),
    await writeNginxTree(join(work, "nginx"), prodPlan.files, prodPlan.links ?? [], ports),
    ports.https,
  );
  stops.push(nginx.stop);
  return ports.https;
}

type Via = "direct" | "nginx";
type Times = Record<Via, { push: number[]; pull: number[] }>;

/** RUNS rounds: a fresh random image pushed then pulled through each side, seconds per operation. */
async function pushAndPull(work: string, targets: Record<Via, string>, certDir: string): Promise<Times> {
  const times: Times = { direct: { push: [], pull: [] }, nginx: { push: [], pull: [] } };
  const skopeo = (args: string[]) =>
    runOk("skopeo", ["copy", "--insecure-policy", "--retry-times", "0", ...args], { timeoutMs: 900_000 });
  for (let i = 0; i < RUNS; i++) {
    const layout = join(work, `src-${i}`);
    writeRandomImage(layout, "bench");
    // Alternate which side goes first, so neither always gets the warmer page cache.
    const order = i % 2 === 0 ? (["direct", "nginx"] as const) : (["nginx", "direct"] as const);
    for (const via of order) {
      const ref = `docker://${targets[via]}/bench/run${i}:latest-run`;
      const push = [
        "--preserve-digests",
        "--dest-creds",
        CREDS,
        "--dest-cert-dir",
        certDir,
        `oci:${layout}:bench`,
        ref,
      ];
      times[via].push.push(await timed(() => skopeo(push)));
      const dest = join(work, `pulled-${via}-${i}`);
      times[via].pull.push(
        await timed(() => skopeo(["--src-creds", CREDS, "--src-cert-dir", certDir, ref, `oci:${dest}:bench`])),
      );
      rmSync(dest, { recursive: true, force: true });
    }
    rmSync(layout, { recursive: true, force: true });
    process.stderr.write(`  run ${i + 1}/${RUNS} done\n`);
  }
  return times;
}

/** One operation's medians on both sides, their ratio and throughputs. */
function row(times: Times, op: "push" | "pull") {
  const d = median(times.direct[op]);
  const n = median(times.nginx[op]);
  return {
    op,
    directSeconds: d,
    nginxSeconds: n,
    ratio: n / d,
    directMiBps: LAYER_MIB / d,
    nginxMiBps: LAYER_MIB / n,
  };
}

type Row = ReturnType<typeof row>;

function printTable(rows: readonly Row[]): void {
  console.log(
    `\nNginx (rendered prod config) vs registry TLS directly (rendered dev config); ${LAYER_MIB} MiB layer, median of ${RUNS}, skopeo on loopback\n`,
  );
  console.log("| operation | direct (s) | via Nginx (s) | ratio | direct MiB/s | via Nginx MiB/s | target |");
  console.log("|---|---:|---:|---:|---:|---:|---|");
  for (const r of rows) {
    console.log(
      `| ${r.op} | ${r.directSeconds.toFixed(2)} | ${r.nginxSeconds.toFixed(2)} | ${r.ratio.toFixed(2)}x | ${r.directMiBps.toFixed(0)} | ${r.nginxMiBps.toFixed(0)} | ${r.ratio <= 1.2 ? "met (<= 1.2x)" : "MISSED (> 1.2x)"} |`,
    );
  }
}

/** Requests per HTTP version in an Nginx access log (none when there is no log). */
function protocolsIn(accessLog: string): Record<string, number> {
  const protocols: Record<string, number> = {};
  if (existsSync(accessLog)) {
    for (const m of readFileSync(accessLog, "utf8").matchAll(/ (HTTP\/[\d.]+)" \d{3} /g)) {
      protocols[m[1]!] = (protocols[m[1]!] ?? 0) + 1;
    }
  }
  return protocols;
}

function writeResults(rows: readonly Row[], protocols: Record<string, number>, times: Times): void {
  const out = resolve(__dirname, "../../bench-results");
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, "nginx.json"),
    `${JSON.stringify({ suite: "nginx", layerMiB: LAYER_MIB, runs: RUNS, target: 1.2, rows, protocols, raw: times, date: new Date().toISOString() }, null, 2)}\n`,
  );
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
