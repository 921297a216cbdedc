import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { appUpstreamServerFile } from "../../../components/apps/paths.js";
import { type AppDeployInput, renderDeployStdin, renderEnvFile } from "../../../components/apps/render/deploy.js";
import { releaseHistoryPath } from "../../../components/apps/releaseHistory.js";
import { renderNginxMain } from "../../../components/registryHost/render/nginxMain.js";
import { nginxTlsPaths, renderReleaseSite } from "../../../components/registryHost/render/nginxSite.js";
import { mintCa, mintLeafCert } from "./certs.js";
import { startDaemon, type RunningDaemon } from "./daemon.js";
import {
  buildTestImage,
  type DockerEngine,
  pushTestImage,
  startDockerEngine,
  type TestImageSpec,
} from "./docker-engine.js";
import { runOk, type RunResult } from "./exec.js";
import { waitFor } from "./ports.js";
import { writeNginxTree } from "./host-nginx.js";
import { REGISTRY_BIN, renderRegistryConfig, writeHtpasswd } from "./registry.js";
import { startWsProbe, type WsProbe } from "./websocket-client.js";

/** The registry's name: it resolves (for the engine only) to ::1, so Docker checks its certificate. */
export const REGISTRY_NAME = "registry.apps.test";
export const SITE = "www.apps.test";
/** Ports inside the test's own network namespace: nothing else listens there. */
const REGISTRY_PORT = 5443;
export const HTTPS_PORT = 18443;
const HTTP_PORT = 18080;

export interface AppsHost {
  readonly engine: DockerEngine;
  /** `registry.apps.test:5443`. */
  readonly registry: string;
  readonly user: string;
  readonly password: string;
  /** Host root the deploy script works under (`--root`): nginx files, release history, app state. */
  readonly root: string;
  /** Builds a test image, pushes it as `<repo>:<version>`, returns its digest. */
  release(repo: string, spec: TestImageSpec): Promise<string>;
  /** Runs the rendered deploy script as the host would (stdin: script, password, env file), in the namespace. */
  deploy(input: AppDeployInput, env: Readonly<Record<string, string>>): Promise<RunResult>;
  /** GET https://www.apps.test<path> through Nginx: status and body. */
  get(path: string): Promise<{ status: number; body: string }>;
  history(app: string): Promise<unknown>;
  upstream(app: string): Promise<string>;
  /**
   * Waits (up to 120 s) until the app's upstream file no longer reads `before`: the deploy script has switched Nginx.
   * Returns the file's mtime (ms): the script writes it right before `nginx -t` and the graceful reload.
   */
  switched(app: string, before: string): Promise<number>;
  /**
   * A bounded request loop through Nginx (a new connection per request) until `stop()`: each answer's status and body.
   */
  load(path: string): { stop(): Promise<{ status: number; body: string }[]> };
  /**
   * A websocket to wss://www.apps.test/echo through Nginx, held by a probe in the namespace: it sends `m1`, `m2`, ...
   * every `everyMs` (default 250) until closed, for at most `maxSeconds` (default 60). Probes still running when the
   * host stops are ended.
   */
  websocket(opts?: { everyMs?: number; maxSeconds?: number }): WsProbe;
  /** The Nginx master and worker users, as `ps` shows them. */
  nginxUsers(): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * One host as the platform builds it, on real software in a private network namespace: a private dockerd, Debian's
 * registry with TLS (a test CA) and bcrypt htpasswd on [::1], and Nginx with the rendered nginx.conf and app site,
 * running as its real user (www-data workers, root master). `drainSeconds` goes to nginx.conf's
 * worker_shutdown_timeout, as the platform renders it.
 */
export async function startAppsHost(dir: string, app: string, drainSeconds: number): Promise<AppsHost> {
  const daemons: RunningDaemon[] = [];
  const probes: WsProbe[] = [];
  let engine: DockerEngine | undefined;
  const stop = async () => {
    for (const p of probes) await p.kill();
    for (const d of daemons.reverse()) await d.stop();
    await engine?.stop();
  };
  try {
    const ca = await mintCa(join(dir, "ca"), "Apps Test CA");
    const leaf = await mintLeafCert(join(dir, "ca"), ca, { dnsSans: [REGISTRY_NAME, SITE], name: "server" });
    const registry = `${REGISTRY_NAME}:${REGISTRY_PORT}`;
    engine = await startDockerEngine({
      dir: join(dir, "engine"),
      hosts: { [REGISTRY_NAME]: "::1" },
      registryCas: { [registry]: ca.certPath },
    });
    const eng = engine;

    // The registry: TLS + bcrypt basic auth, listening on ::1 only.
    const user = "deploy";
    const password = "s3cret-'quoted\"-$(not run)";
    const htpasswd = join(dir, "htpasswd");
    await writeHtpasswd(htpasswd, { [user]: password });
    const regConfig = join(dir, "registry.yml");
    await writeFile(
      regConfig,
      renderRegistryConfig({
        dataDir: join(dir, "registry-data"),
        port: REGISTRY_PORT,
        host: "[::1]",
        tls: { certPath: leaf.certPath, keyPath: leaf.keyPath },
        htpasswdPath: htpasswd,
      }),
    );
    daemons.push(
      await startDaemon(`registry in ${eng.netns}`, ...eng.nsArgs(REGISTRY_BIN, ["serve", regConfig]), async () => {
        const r = await eng.nsRun("curl", [
          "-s",
          "-o",
          "/dev/null",
          "-w",
          "%{http_code}",
          "--cacert",
          ca.certPath,
          "--resolve",
          `${registry}:[::1]`,
          `https://${registry}/v2/`,
        ]);
        return r.stdout === "401";
      }),
    );

    // Nginx: the rendered main config and app site, as www-data.
    const root = join(dir, "host");
    await mkdir(root, { recursive: true });
    await chmod(dir, 0o755);
    await chmod(root, 0o755);
    const tls = nginxTlsPaths("apps.test");
    const conf = await writeNginxTree(
      root,
      [
        { path: "/etc/nginx/nginx.conf", content: renderNginxMain(drainSeconds), mode: "0644", secret: false },
        {
          path: "/etc/nginx/sites-enabled/www.apps.test.conf",
          content: renderReleaseSite(SITE, "apps.test", app),
          mode: "0644",
          secret: false,
        },
        { path: tls.certificate, content: await readFile(leaf.certPath, "utf8"), mode: "0644", secret: false },
        { path: tls.key, content: await readFile(leaf.keyPath, "utf8"), mode: "0600", secret: true },
      ],
      [],
      { http: HTTP_PORT, https: HTTPS_PORT },
    );
    const nginxWrapper = join(dir, "nginx");
    await writeFile(nginxWrapper, `#!/bin/sh\nexec nginx -c ${conf} -p ${root} -e ${root}/log/error.log "$@"\n`);
    await chmod(nginxWrapper, 0o755);
    daemons.push(
      await startDaemon(`nginx in ${eng.netns}`, ...eng.nsArgs(nginxWrapper, ["-g", "daemon off;"]), async () => {
        const r = await eng.nsRun("curl", ["-sk", "-o", "/dev/null", "-w", "%{http_code}", ...resolve(), url("/")]);
        return r.stdout === "502";
      }),
    );
    await eng.docker(["login", "--username", user, "--password-stdin", registry], { input: password });

    return {
      engine: eng,
      registry,
      user,
      password,
      root,
      release: async (repo, spec) => {
        const ref = `${registry}/${repo}:${spec.version}`;
        await buildTestImage(eng, ref, spec);
        return pushTestImage(eng, ref);
      },
      deploy: (input, env) =>
        eng.nsRun("bash", ["-s", "--", "--root", root, "--nginx", nginxWrapper], {
          input: renderDeployStdin(input, password, renderEnvFile(env, input.port)),
          env: eng.env,
          timeoutMs: 600_000,
        }),
      get: async (path) => {
        const r = await eng.nsRun("curl", ["-sk", "--max-time", "10", "-w", "\n%{http_code}", ...resolve(), url(path)]);
        const lines = r.stdout.split("\n");
        return { status: Number(lines.pop()), body: lines.join("\n").trim() };
      },
      history: async (name) => JSON.parse(await readFile(join(root, releaseHistoryPath(name)), "utf8")),
      upstream: (name) => readFile(join(root, appUpstreamServerFile(name)), "utf8"),
      switched: async (name, before) => {
        const file = join(root, appUpstreamServerFile(name));
        await waitFor(
          `the upstream of ${name} to change`,
          async () => (await readFile(file, "utf8")) !== before,
          120_000,
        );
        return (await stat(file)).mtimeMs;
      },
      load: (path) => {
        const stopFile = join(dir, `stop-load-${Math.random().toString(36).slice(2)}`);
        // HTTP/1.1, a new connection per request. Over HTTP/2, Nginx's old worker answers a connection it accepted
        // just before a reload with GOAWAY; browsers retry such a request, curl reports it as an error (exit 16;
        // curl/curl#1618, measured here at about 1 request in 1,000 while reloading Nginx 60 times under load).
        const script = `while [ ! -e ${stopFile} ]; do
  out=$(curl -sk --http1.1 --max-time 10 -w ' %{http_code}' ${resolve().join(" ")} ${url(path)}) || out="curl-failed $?"
  echo "\${out//$'\\n'/}"
done`;
        const running = eng.nsRun("bash", ["-c", script], { timeoutMs: 600_000 });
        return {
          stop: async () => {
            await writeFile(stopFile, "");
            const r = await running;
            return r.stdout
              .split("\n")
              .filter(Boolean)
              .map((line) => {
                const i = line.lastIndexOf(" ");
                return { status: Number(line.slice(i + 1)) || 0, body: line.slice(0, i) };
              });
          },
        };
      },
      websocket: (opts = {}) => {
        const probe = startWsProbe(eng.nsArgs, {
          url: `wss://${SITE}:${HTTPS_PORT}/echo`,
          address: "127.0.0.1",
          caPath: ca.certPath,
          everyMs: opts.everyMs ?? 250,
          maxSeconds: opts.maxSeconds ?? 60,
        });
        probes.push(probe);
        return probe;
      },
      nginxUsers: async () => {
        const master = (await readFile(join(root, "nginx.pid"), "utf8")).trim();
        const users = async (args: string[]) =>
          (await runOk("ps", ["-o", "user=", ...args]).catch(() => ({ stdout: "" }))).stdout
            .split("\n")
            .filter(Boolean);
        return [...(await users(["-p", master])), ...(await users(["--ppid", master]))];
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** curl --resolve for the site name to the namespace's loopback. */
export function resolve(): string[] {
  return ["--resolve", `${SITE}:${HTTPS_PORT}:127.0.0.1`];
}

export function url(path: string): string {
  return `https://${SITE}:${HTTPS_PORT}${path}`;
}
