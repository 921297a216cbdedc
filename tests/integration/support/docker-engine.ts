import { randomBytes } from "node:crypto";
import { chmod, copyFile, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { startDaemon, type RunningDaemon } from "./daemon.js";
import { run, runOk, type RunOptions, type RunResult } from "./exec.js";

/** Debian's docker.io CLI, the daemon's own version (the machine may carry a newer CLI first on PATH). */
export const DOCKER_CLI = "/usr/bin/docker";

/**
 * A private Docker engine (Debian's docker.io) in a network namespace of its own: its bridge, its iptables rules and
 * the loopback ports it publishes exist only there, and vanish with the namespace, so parallel tests (and other
 * engines) never meet. Its data root, exec root and socket live in a temporary directory. In its own mount namespace
 * it sees a private /etc/hosts (test names on ::1: Docker treats every 127.0.0.0/8 registry as insecure and would not
 * check TLS) and a private /etc/docker (certs.d with the test CA), and a sysfs of its namespace (the bridge driver
 * reads /sys/class/net) with the host's cgroup mounts moved under it.
 *
 * Everything that talks to the engine's containers over the network (registry, Nginx, the deploy script's health
 * checks, request loops) runs in the namespace too: `nsArgs` wraps a command for that.
 */
export interface DockerEngine {
  readonly netns: string;
  readonly dir: string;
  /** unix socket path (DOCKER_HOST=unix://<socket>). */
  readonly socket: string;
  /** Environment for docker CLI calls: DOCKER_HOST, a private DOCKER_CONFIG, the daemon's own CLI first on PATH. */
  readonly env: NodeJS.ProcessEnv;
  /** Directory holding `docker` -> Debian's CLI, to put first on PATH. */
  readonly binDir: string;
  /** `nsenter --net=<ns> <cmd> <args>` as [command, args]. */
  nsArgs(cmd: string, args: readonly string[]): [string, string[]];
  /** Runs a command in the namespace (never throws on a non-zero exit). */
  nsRun(cmd: string, args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** `docker <args>` against this engine; throws on failure. */
  docker(args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** Stops dockerd (containers keep their restart policy) and starts it again on the same data root. */
  restart(): Promise<void>;
  /** Removes every container, stops dockerd, deletes the namespace. Safe to call twice. */
  stop(): Promise<void>;
  logs(): string;
}

export interface DockerEngineOptions {
  /** A private directory (removed by the caller). */
  readonly dir: string;
  /** Extra /etc/hosts lines the engine sees, e.g. `{ "registry.apps.test": "::1" }`. */
  readonly hosts?: Readonly<Record<string, string>>;
  /** CA certificates the engine trusts per registry `host:port` (`/etc/docker/certs.d/<host:port>/ca.crt`). */
  readonly registryCas?: Readonly<Record<string, string>>;
}

const NSENTER = "nsenter";

/** Starts the engine; on any failure everything started so far is torn down before the error is thrown. */
export async function startDockerEngine(opts: DockerEngineOptions): Promise<DockerEngine> {
  const dir = opts.dir;
  const netns = `it-apps-${randomBytes(4).toString("hex")}`;
  const socket = join(dir, "docker.sock");
  const binDir = join(dir, "bin");
  for (const d of ["data", "exec", "etc-docker/certs.d", "cgroup", "bin", "client"]) {
    await mkdir(join(dir, d), { recursive: true });
  }
  await runOk("ln", ["-sf", DOCKER_CLI, join(binDir, "docker")]);
  const base = await readFile("/etc/hosts", "utf8");
  const extra = Object.entries(opts.hosts ?? {}).map(([name, ip]) => `${ip} ${name}`);
  await writeFile(join(dir, "hosts"), `${base.trimEnd()}\n${extra.join("\n")}\n`);
  for (const [hostPort, ca] of Object.entries(opts.registryCas ?? {})) {
    const certDir = join(dir, "etc-docker/certs.d", hostPort);
    await mkdir(certDir, { recursive: true });
    await copyFile(ca, join(certDir, "ca.crt"));
  }
  const launcher = join(dir, "launch-dockerd.sh");
  await writeFile(
    launcher,
    `#!/bin/bash
# Runs in a private mount namespace inside the test's network namespace; exec's dockerd (same PID).
set -euo pipefail
d=$1
mount --rbind /sys/fs/cgroup "$d/cgroup"
mount -t sysfs sysfs /sys
mount --move "$d/cgroup" /sys/fs/cgroup
mount --bind "$d/hosts" /etc/hosts
mount --bind "$d/etc-docker" /etc/docker
if [ -d /run/containerd ]; then mount -t tmpfs tmpfs /run/containerd; fi
exec dockerd --data-root "$d/data" --exec-root "$d/exec" -H "unix://$d/docker.sock" --pidfile "$d/dockerd.pid" \\
  --log-level warn
`,
  );
  await chmod(launcher, 0o755);

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${binDir}:${process.env.PATH ?? ""}`,
    DOCKER_HOST: `unix://${socket}`,
    DOCKER_CONFIG: join(dir, "client"),
    DOCKER_BUILDKIT: "0",
  };
  const nsArgs = (cmd: string, args: readonly string[]): [string, string[]] => [
    NSENTER,
    [`--net=/run/netns/${netns}`, cmd, ...args],
  ];
  const nsRun = (cmd: string, args: readonly string[], o: RunOptions = {}) => run(...nsArgs(cmd, args), o);
  const docker = (args: readonly string[], o: RunOptions = {}) => runOk(DOCKER_CLI, args, { env, ...o });

  let daemon: RunningDaemon | undefined;
  let netnsCreated = false;
  let stopped = false;
  const startDaemonProcess = async () => {
    daemon = await startDaemon(
      `dockerd in ${netns}`,
      NSENTER,
      [`--net=/run/netns/${netns}`, "unshare", "--mount", "--propagation", "private", launcher, dir],
      async () => (await run(DOCKER_CLI, ["version", "--format", "{{.Server.Version}}"], { env })).code === 0,
    );
  };
  const stopDaemon = async () => {
    await daemon?.stop();
    daemon = undefined;
  };
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      if (daemon) {
        const ids = await run(DOCKER_CLI, ["ps", "-aq"], { env });
        const list = ids.stdout.split("\n").filter(Boolean);
        if (list.length > 0) await run(DOCKER_CLI, ["rm", "-f", ...list], { env, timeoutMs: 60_000 });
      }
    } finally {
      await stopDaemon();
      if (netnsCreated) await run("ip", ["netns", "del", netns]);
    }
  };

  try {
    await runOk("ip", ["netns", "add", netns]);
    netnsCreated = true;
    await runOk(...nsArgs("ip", ["link", "set", "lo", "up"]));
    await startDaemonProcess();
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    netns,
    dir,
    socket,
    env,
    binDir,
    nsArgs,
    nsRun,
    docker,
    restart: async () => {
      await stopDaemon();
      await startDaemonProcess();
    },
    stop,
    logs: () => daemon?.logs() ?? "",
  };
}

/**
 * What a test image does, baked into the image (each behaviour is its own digest, like a real release):
 * - `ok`: healthy at once;
 * - `slow`: healthy only after `bootSeconds`;
 * - `never-healthy`: serves, but `/up` answers 404 from the start;
 * - `fails-later`: healthy, then `/up` answers 404 `failAfterSeconds` after start;
 * - `crash`: exits 3 at once.
 */
export interface TestImageSpec {
  readonly version: string;
  readonly mode?: "ok" | "slow" | "never-healthy" | "fails-later" | "crash";
  readonly bootSeconds?: number;
  readonly failAfterSeconds?: number;
}

/**
 * The test app's start script (busybox sh as PID 1: it handles SIGTERM itself, so `docker stop` takes no 10 s).
 * Debian's websocketd serves $PORT: plain HTTP from /www (`/up` for health, `/version`, `/greeting`: the env variable
 * GREETING at start, `/secret-sha`: sha256 of APP_SECRET, so a test sees which secret a release runs with without
 * printing it), and a websocket echo on any path: each connection runs /echo.sh, which answers every text message
 * `<m>` with `<version>:<m>` (websocketd's line mode), so a test tells the release that holds a socket.
 */
function startScript(spec: TestImageSpec): string {
  const mode = spec.mode ?? "ok";
  return `#!/bin/busybox sh
/bin/busybox --install -s /bin
mkdir -p /www
echo "${spec.version}" > /www/version
printf '%s\\n' "$GREETING" > /www/greeting
printf '%s' "$APP_SECRET" | sha256sum | cut -d' ' -f1 > /www/secret-sha
cat > /echo.sh <<'ECHO'
while IFS= read -r line; do echo "${spec.version}:$line"; done
ECHO
echo "test app ${spec.version} (${mode}) starting on port \${PORT:-8080}"
case "${mode}" in
  crash) echo "boom: configuration error"; exit 3 ;;
  slow) sleep ${spec.bootSeconds ?? 5} ;;
esac
[ "${mode}" = never-healthy ] || echo ok > /www/up
if [ "${mode}" = fails-later ]; then (sleep ${spec.failAfterSeconds ?? 3}; rm -f /www/up; echo "health lost") & fi
trap 'echo "stopping"; kill $pid; wait $pid; exit 0' TERM INT
# Errors only: an access line per health check would push the start-up lines out of the deploy's last log lines.
websocketd --port="\${PORT:-8080}" --staticdir=/www --loglevel=error /bin/sh /echo.sh & pid=$!
wait $pid
`;
}

/** Debian's websocketd (package websocketd): the test app's server. */
export const WEBSOCKETD = "/usr/bin/websocketd";

/**
 * The files an image built FROM scratch needs to run `binary`: the binary and, when it is dynamically linked (Debian
 * builds websocketd with cgo), the shared libraries and loader `ldd` names, each at its own path.
 */
async function binaryWithLibraries(binary: string): Promise<string[]> {
  const r = await run("ldd", [binary]);
  // A static binary: ldd says "not a dynamic executable" (exit 1); there is nothing more to copy.
  if (r.code !== 0) return [binary];
  return [binary, ...[...r.stdout.matchAll(/(?:=> )?(\/\S+) \(0x/g)].map((m) => m[1]!)];
}

/**
 * Builds a FROM-scratch image with Debian's static busybox and websocketd (no Docker Hub here) in the engine, tagged
 * `tag`. Returns nothing: push it, then read the digest the registry gives it.
 */
export async function buildTestImage(engine: DockerEngine, tag: string, spec: TestImageSpec): Promise<void> {
  if (!(await stat(WEBSOCKETD).catch(() => undefined))) {
    throw new Error(`${WEBSOCKETD} is missing: install Debian's websocketd (scripts/test/ensure-tools.sh does)`);
  }
  const ctx = join(engine.dir, `build-${randomBytes(4).toString("hex")}`);
  const rootfs = join(ctx, "rootfs");
  await mkdir(join(rootfs, "bin"), { recursive: true });
  await copyFile("/bin/busybox", join(rootfs, "bin/busybox"));
  for (const file of await binaryWithLibraries(WEBSOCKETD)) {
    const target = join(rootfs, file === WEBSOCKETD ? "bin/websocketd" : file);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(file, target); // follows symlinks: the image gets the files themselves
    await chmod(target, 0o755);
  }
  await writeFile(join(rootfs, "start.sh"), startScript(spec));
  await writeFile(
    join(ctx, "Dockerfile"),
    `FROM scratch
COPY rootfs/ /
ENTRYPOINT ["/bin/busybox", "sh", "/start.sh"]
`,
  );
  await engine.docker(["build", "--quiet", "--tag", tag, ctx], { timeoutMs: 120_000 });
}

/** Pushes `ref` (`<registry>/<repo>:<tag>`) through the engine; returns the digest the registry assigned. */
export async function pushTestImage(engine: DockerEngine, ref: string): Promise<string> {
  const r = await engine.docker(["push", ref], { timeoutMs: 120_000 });
  const m = /digest: (sha256:[0-9a-f]{64})/.exec(r.stdout);
  if (!m) throw new Error(`docker push ${ref}: no digest in its output:\n${r.stdout}`);
  return m[1]!;
}
