// App deploys on real software: the rendered deploy script (start beside the old release, health check, Nginx
// switch, watch, drain) against a stop-then-start deploy (`docker stop` the old container, `docker run` the new one on
// the same port, the way releases were started by hand), both on the same host in the same run, under a request loop
// through Nginx (a new connection per request). Reports the time from the start of the deploy until the new version
// answers, and the requests that failed.
// Run: npm run bench -- app-deploy   (writes bench-results/app-deploy.json)
import { mkdir, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { type AppDeployInput, canonicalHash } from "../../components/apps/render/deploy";
import { type AppsHost, startAppsHost } from "../../tests/integration/support/apps-host";
import { makeTempDir, removeDir } from "../../tests/integration/support/tmp";
import { median } from "./measure";

const APP = "web";
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** The test image boots in 1 s here: a release's boot time, like a small real app's. */
const BOOT_SECONDS = 1;

interface Round {
  method: "rendered deploy" | "stop-then-start";
  toNewVersionMs: number;
  requests: number;
  failed: number;
}

function input(host: AppsHost, digest: string): AppDeployInput {
  const healthCheck = {
    path: "/up",
    intervalSeconds: 1,
    timeoutSeconds: 2,
    deployTimeoutSeconds: 60,
    watchSeconds: 2,
    unhealthyThreshold: 2,
  };
  return {
    app: APP,
    stack: "bench",
    registry: host.registry,
    registryUser: host.user,
    repository: APP,
    digest,
    port: 8080,
    healthCheck,
    drainSeconds: 2,
    stopTimeoutSeconds: 5,
    memoryMiB: 64,
    keepReleases: 5,
    nginxSwitch: true,
    configHash: canonicalHash({ healthCheck }),
    secretsHash: "0".repeat(64),
    config: {},
    deployedBy: "bench",
  };
}

/** Polls through Nginx until `version` answers; resolves the ms since `start`. */
async function untilServing(host: AppsHost, version: string, start: number): Promise<number> {
  for (;;) {
    if ((await host.get("/version")).body === version) return Date.now() - start;
    if (Date.now() - start > 120_000) throw new Error(`${version} never served`);
  }
}

async function measureRound(
  host: AppsHost,
  method: Round["method"],
  version: string,
  deploy: () => Promise<void>,
): Promise<Round> {
  const load = host.load("/version");
  await new Promise((r) => setTimeout(r, 300));
  const start = Date.now();
  const serving = untilServing(host, version, start);
  await deploy();
  const toNewVersionMs = await serving;
  const answers = await load.stop();
  return { method, toNewVersionMs, requests: answers.length, failed: answers.filter((a) => a.status !== 200).length };
}

/** The hand-run way: stop and remove what runs, then `docker run` the new release on the address Nginx uses. */
async function stopThenStart(h: AppsHost, name: string, digest: string): Promise<void> {
  // The address Nginx sends the app to: the new container must take over exactly that port.
  const address = /server (127\.0\.0\.1:\d+)/.exec(await h.upstream(APP))![1]!;
  const running = (await h.engine.docker(["ps", "--format", "{{.Names}}"])).stdout.trim().split("\n");
  await h.engine.docker(["stop", "--time", "5", ...running]);
  await h.engine.docker(["rm", ...running]);
  await h.engine.docker([
    "run",
    "--detach",
    "--name",
    `manual-${name}`,
    "--restart",
    "unless-stopped",
    "--label",
    "startup-infra.stack=bench",
    "--label",
    `startup-infra.app=${APP}`,
    "--publish",
    `${address}:8080`,
    `${h.registry}/${APP}@${digest}`,
  ]);
}

/** Per method: median time to the new version and requests, failed requests per round; printed as a table. */
function summarize(rounds: Round[]) {
  const summary = (["rendered deploy", "stop-then-start"] as const).map((method) => {
    const of = rounds.filter((r) => r.method === method);
    return {
      method,
      rounds: of.length,
      medianToNewVersionMs: median(of.map((r) => r.toNewVersionMs)),
      medianRequests: median(of.map((r) => r.requests)),
      failedTotal: of.reduce((n, r) => n + r.failed, 0),
      failedPerRound: of.map((r) => r.failed),
    };
  });
  console.log(`App deploy, ${ROUNDS} rounds each, release boot ${BOOT_SECONDS} s, request loop through Nginx:\n`);
  console.log("| Method | Median time to new version | Requests per round (median) | Failed requests (per round) |");
  console.log("|---|---|---|---|");
  for (const s of summary) {
    console.log(
      `| ${s.method} | ${(s.medianToNewVersionMs / 1000).toFixed(2)} s | ${s.medianRequests} | ${s.failedTotal} (${s.failedPerRound.join(", ")}) |`,
    );
  }
  return summary;
}

async function main(): Promise<void> {
  const dir = await makeTempDir("bench-app-deploy-");
  let host: AppsHost | undefined;
  try {
    host = await startAppsHost(dir, APP, 2);
    const digests: Record<string, string> = {};
    const versions = ["base", ...Array.from({ length: ROUNDS * 2 }, (_, i) => `r${i + 1}`)];
    for (const v of versions) {
      digests[v] = await host.release(APP, { version: v, mode: "slow", bootSeconds: BOOT_SECONDS });
    }
    const h = host;
    const first = await h.deploy(input(h, digests.base!), {});
    if (first.code !== 0) throw new Error(`first deploy failed: ${first.stderr}`);

    const rounds: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const a = `r${2 * i + 1}`;
      rounds.push(
        await measureRound(h, "rendered deploy", a, async () => {
          const r = await h.deploy(input(h, digests[a]!), {});
          if (r.code !== 0) throw new Error(`deploy ${a} failed: ${r.stderr}`);
        }),
      );
      const b = `r${2 * i + 2}`;
      rounds.push(await measureRound(h, "stop-then-start", b, () => stopThenStart(h, b, digests[b]!)));
      // Back to the rendered deploy's bookkeeping: the next rendered deploy replaces the manual container.
      const r = await h.deploy(input(h, digests[b]!), {});
      if (r.code !== 0) throw new Error(`re-adopting ${b} failed: ${r.stderr}`);
    }

    const summary = summarize(rounds);
    const out = resolve(__dirname, "../../bench-results");
    await mkdir(out, { recursive: true });
    await writeFile(
      resolve(out, "app-deploy.json"),
      JSON.stringify({ bootSeconds: BOOT_SECONDS, rounds, summary }, null, 2),
    );
  } finally {
    await host?.stop();
    await removeDir(dir);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
