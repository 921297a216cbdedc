// The rendered app deploy script on real software: a private dockerd, Debian's registry with TLS and bcrypt auth on a
// name that resolves to ::1 (so Docker checks the certificate), Nginx as www-data with the rendered nginx.conf and app
// site. Each case is one release, as `pulumi up` runs it over SSH.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppDeployInput } from "../../components/apps/render/deploy.js";
import type { ReleaseHistory } from "../../components/apps/releaseHistory.js";
import { canonicalHash } from "../../components/apps/render/deploy.js";
import { activeReleasePortCommand } from "../../stacks/apps.js";
import { type AppsHost, startAppsHost } from "./support/apps-host.js";
import { waitFor } from "./support/ports.js";
import type { WsEvent } from "./support/websocket-client.js";
import { makeTempDir, removeDir } from "./support/tmp.js";

const APP = "web";
/** Long enough for a websocket to exchange messages with the old release after the switch; short enough for the test. */
const DRAIN = 10;

let dir: string;
let host: AppsHost;
const digests: Record<string, string> = {};

function input(digest: string, over: Partial<AppDeployInput> = {}, env: Record<string, string> = {}): AppDeployInput {
  const healthCheck = {
    path: "/up",
    intervalSeconds: 1,
    timeoutSeconds: 2,
    deployTimeoutSeconds: 20,
    watchSeconds: 3,
    unhealthyThreshold: 2,
    ...over.healthCheck,
  };
  const config = { port: 8080, env, healthCheck, drainSeconds: DRAIN };
  return {
    app: APP,
    stack: "prod",
    registry: host.registry,
    registryUser: host.user,
    repository: APP,
    digest,
    port: 8080,
    drainSeconds: DRAIN,
    stopTimeoutSeconds: 5,
    memoryMiB: 64,
    keepReleases: 5,
    nginxSwitch: true,
    configHash: canonicalHash(config),
    secretsHash: "0".repeat(64),
    config,
    deployedBy: "integration test",
    ...over,
    healthCheck,
  };
}

beforeAll(async () => {
  dir = await makeTempDir("apps-deploy-");
  host = await startAppsHost(dir, APP, DRAIN);
  for (const spec of [
    { version: "v1" },
    { version: "v2" },
    { version: "unhealthy", mode: "never-healthy" },
    { version: "crash", mode: "crash" },
    { version: "fades", mode: "fails-later", failAfterSeconds: 2 },
    { version: "slow", mode: "slow", bootSeconds: 6 },
  ] as const) {
    digests[spec.version] = await host.release(APP, spec);
  }
}, 240_000);

afterAll(async () => {
  await host?.stop();
  await removeDir(dir);
}, 120_000);

describe("a first release", () => {
  it("starts, passes its health check and serves through Nginx (workers as www-data)", async () => {
    const r = await host.deploy(input(digests.v1!, {}, { GREETING: "hello v1" }), { GREETING: "hello v1" });
    expect(r.stdout, r.stderr).toContain("release 1 of web is active");
    expect(r.code).toBe(0);
    expect(await host.get("/version")).toEqual({ status: 200, body: "v1" });
    expect(await host.get("/greeting")).toEqual({ status: 200, body: "hello v1" });
    const users = await host.nginxUsers();
    expect(users[0]).toBe("root");
    expect(users.slice(1).length).toBeGreaterThan(0);
    expect(new Set(users.slice(1))).toEqual(new Set(["www-data"]));
    const history = (await host.history(APP)) as ReleaseHistory;
    expect(history.releases.map((x) => [x.seq, x.status, x.digest])).toEqual([[1, "active", digests.v1]]);
  }, 120_000);
});

const failed = (answers: { status: number }[]) => answers.filter((a) => a.status !== 200);
const history = async () => ((await host.history(APP)) as ReleaseHistory).releases.map((x) => [x.seq, x.status]);

const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));
/** The text messages a probe received. */
const replies = (events: readonly WsEvent[]) => events.filter((e) => e.event === "message");
const closeOf = (events: readonly WsEvent[]) => events.find((e) => e.event === "close");
/** Every message the probe sent (`m1`, `m2`, ...) was answered, in order, by `version`: none lost, none elsewhere. */
function expectEchoedBy(version: string, events: readonly WsEvent[]) {
  const data = replies(events).map((e) => e.data);
  expect(data.length).toBeGreaterThan(0);
  expect(data).toEqual(data.map((_, i) => `${version}:m${i + 1}`));
}

describe("a new version under load", () => {
  it("switches with no failed request; open websockets stay on the old release until the drain ends", async () => {
    const before = await host.upstream(APP);
    const load = host.load("/version");
    const held = host.websocket(); // left open: Nginx's old worker closes it when the drain ends
    const brief = host.websocket(); // closed by its client during the drain
    const openedAt = await held.opened;
    await brief.opened;
    const deploy = host.deploy(input(digests.v2!, {}, { GREETING: "hello v2" }), { GREETING: "hello v2" });
    const switchedAt = await host.switched(APP, before);
    // Dev's appAccess output names this lookup: during the drain both releases run; it must print the new one's port.
    const lookup = activeReleasePortCommand("prod", APP).replace(/^sudo /, "");
    const running = await host.engine.nsRun("bash", ["-c", lookup.replace(" --latest", "")], { env: host.engine.env });
    const latest = await host.engine.nsRun("bash", ["-c", lookup], { env: host.engine.env });
    const upstreamNow = await host.upstream(APP);
    // A new connection after the switch: by then the old workers no longer accept (the reload has finished).
    await sleepUntil(switchedAt + 2_000);
    const fresh = host.websocket();
    await fresh.opened;
    await waitFor("an answer on the new websocket", async () => replies(fresh.events()).length > 0, 10_000);
    fresh.close();
    await sleepUntil(switchedAt + 4_000);
    brief.close();
    const r = await deploy;
    const answers = await load.stop();
    expect(r.stdout, r.stderr).toContain("release 2 of web is active");
    expect(r.code).toBe(0);
    expect(failed(answers)).toEqual([]);
    expect(answers.length).toBeGreaterThan(20);
    // Both versions answered: v1 until the switch, v2 after. During a reload Nginx's new workers start before the
    // old ones stop accepting, so for a moment both accept: a v1 answer may follow the first v2 one, within a few.
    const bodies = answers.map((a) => a.body);
    expect(bodies[0]).toBe("v1");
    expect(bodies.at(-1)).toBe("v2");
    expect(bodies.lastIndexOf("v1") - bodies.indexOf("v2")).toBeLessThan(10);

    // The new connection reached the new release.
    const f = await fresh.done;
    expect(replies(f)[0]?.data).toBe("v2:m1");
    expect(closeOf(f)).toMatchObject({ code: 1000, clean: true });

    // The socket its client closed during the drain: answered by v1 after the switch too, then a normal close.
    const b = await brief.done;
    expectEchoedBy("v1", b);
    expect(replies(b).filter((e) => e.t > switchedAt + 1_000).length).toBeGreaterThan(0);
    expect(closeOf(b)).toMatchObject({ code: 1000, clean: true });

    // The socket left open: opened before the switch, answered by v1 all through the drain, closed when it ended
    // (worker_shutdown_timeout), not before, by the server's side.
    const h = await held.done;
    expect(openedAt).toBeLessThan(switchedAt);
    expectEchoedBy("v1", h);
    expect(replies(h).filter((e) => e.t > switchedAt + (DRAIN - 1) * 1_000).length).toBeGreaterThan(0);
    const closed = closeOf(h)!;
    expect(closed.code).not.toBe(1000);
    expect(closed.t - switchedAt).toBeGreaterThanOrEqual(DRAIN * 1_000);
    expect(closed.t - switchedAt).toBeLessThan(DRAIN * 1_000 + 3_000);

    expect(running.stdout.trim().split("\n")).toHaveLength(2);
    expect(latest.stdout.trim()).toMatch(/^127\.0\.0\.1:\d+->8080\/tcp$/);
    expect(upstreamNow).toContain(`server ${latest.stdout.trim().split("->")[0]} `);

    expect((await host.get("/greeting")).body).toBe("hello v2");
    expect(await history()).toEqual([
      [1, "retired"],
      [2, "active"],
    ]);
    const names = await host.engine.docker(["ps", "-a", "--format", "{{.Names}}"]);
    expect(names.stdout.trim().split("\n")).toEqual(["app-web-2"]);
  }, 180_000);
});

describe("a release that fails", () => {
  it("never healthy: the old release keeps serving, the deploy fails naming the app with the new container's logs", async () => {
    const load = host.load("/version");
    const r = await host.deploy(
      input(digests.unhealthy!, { healthCheck: { deployTimeoutSeconds: 5 } as AppDeployInput["healthCheck"] }),
      {},
    );
    const answers = await load.stop();
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("release 3 of web failed (health check)");
    expect(r.stderr).toContain("healthCheck.deployTimeoutSeconds");
    expect(r.stderr).toContain("test app unhealthy (never-healthy) starting");
    expect(failed(answers)).toEqual([]);
    expect(new Set(answers.map((a) => a.body))).toEqual(new Set(["v2"]));
    expect(await history()).toEqual([
      [1, "retired"],
      [2, "active"],
      [3, "failed"],
    ]);
  }, 120_000);

  it("crashing at start: fails at once with the container's last log lines", async () => {
    const started = Date.now();
    const r = await host.deploy(input(digests.crash!), {});
    expect(r.code).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(r.stderr).toContain("exited before its health check passed");
    expect(r.stderr).toContain("boom: configuration error");
    expect((await host.get("/version")).body).toBe("v2");
  }, 120_000);

  it("unhealthy after the switch: the previous release is put back, with no failed request", async () => {
    const load = host.load("/version");
    const r = await host.deploy(
      input(digests.fades!, { healthCheck: { watchSeconds: 8 } as AppDeployInput["healthCheck"] }),
      {},
    );
    const answers = await load.stop();
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("within 8 s after the switch");
    expect(r.stderr).toContain("release 5 of web failed (watch after the switch)");
    expect(r.stderr).toContain("health lost");
    expect(failed(answers)).toEqual([]);
    expect(answers.map((a) => a.body)).toContain("fades");
    expect(answers.at(-1)!.body).toBe("v2");
    expect((await host.get("/version")).body).toBe("v2");
    expect(await host.upstream(APP)).toMatch(/server 127\.0\.0\.1:\d+ max_fails=0;/);
    expect((await history()).at(-1)).toEqual([5, "failed"]);
  }, 120_000);
});

describe("rollback, idempotence, restarts", () => {
  it("re-applying release 1 brings back its image and its config, recorded as a rollback of 1", async () => {
    const r = await host.deploy(input(digests.v1!, {}, { GREETING: "hello v1" }), { GREETING: "hello v1" });
    expect(r.code, r.stderr).toBe(0);
    expect(await host.get("/version")).toEqual({ status: 200, body: "v1" });
    expect(await host.get("/greeting")).toEqual({ status: 200, body: "hello v1" });
    const last = ((await host.history(APP)) as ReleaseHistory).releases.at(-1)!;
    expect(last).toMatchObject({ seq: 6, status: "active", digest: digests.v1, rollbackOf: 1 });
  }, 120_000);

  it("a second run with nothing changed changes nothing", async () => {
    const before = await host.history(APP);
    const upstream = await host.upstream(APP);
    const r = await host.deploy(input(digests.v1!, {}, { GREETING: "hello v1" }), { GREETING: "hello v1" });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toContain("nothing to do");
    expect(await host.history(APP)).toEqual(before);
    expect(await host.upstream(APP)).toBe(upstream);
  }, 120_000);

  it("after a dockerd restart the app comes back on the same address", async () => {
    await host.engine.restart();
    let answer = { status: 0, body: "" };
    for (let i = 0; i < 50 && answer.status !== 200; i++) {
      answer = await host.get("/version");
      if (answer.status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(answer).toEqual({ status: 200, body: "v1" });
  }, 120_000);

  it("a slow boot within its deploy timeout succeeds; one beyond it fails naming the setting", async () => {
    const tooShort = await host.deploy(
      input(digests.slow!, { healthCheck: { deployTimeoutSeconds: 5 } as AppDeployInput["healthCheck"] }),
      {},
    );
    expect(tooShort.code).not.toBe(0);
    expect(tooShort.stderr).toContain("within 5 s (healthCheck.deployTimeoutSeconds)");
    const r = await host.deploy(input(digests.slow!), {});
    expect(r.code, r.stderr).toBe(0);
    expect((await host.get("/version")).body).toBe("slow");
  }, 120_000);
});

describe("retention on the host", () => {
  it("keeps the images and env files of the active release and the last keepReleases good ones, nothing else", async () => {
    const r = await host.deploy(input(digests.v2!, { keepReleases: 2 }, { GREETING: "hello v2" }), {
      GREETING: "hello v2",
    });
    expect(r.code, r.stderr).toBe(0);
    const h = (await host.history(APP)) as ReleaseHistory;
    const good = h.releases.filter((x) => x.status !== "failed").map((x) => x.seq);
    const kept = new Set(good.slice(-2));
    const images = await host.engine.docker([
      "image",
      "ls",
      "--digests",
      "--format",
      "{{.Digest}}",
      `${host.registry}/${APP}`,
    ]);
    const present = new Set(images.stdout.trim().split("\n"));
    for (const release of h.releases.filter((x) => x.status !== "failed")) {
      const stillUsed = h.releases.some((k) => kept.has(k.seq) && k.digest === release.digest);
      expect(present.has(release.digest), `release ${release.seq}`).toBe(stillUsed);
    }
    const names = await host.engine.docker(["ps", "-a", "--format", "{{.Names}}"]);
    expect(names.stdout.trim().split("\n")).toEqual([`app-web-${h.releases.at(-1)!.seq}`]);
    const envFiles = await host.engine.nsRun("ls", [`${host.root}/var/lib/apps/web`]);
    expect(
      envFiles.stdout
        .split("\n")
        .filter((f) => f.endsWith(".env"))
        .sort(),
    ).toEqual([...kept].map((seq) => `release-${seq}.env`).sort());
  }, 120_000);
});
