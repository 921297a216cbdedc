import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Agent, fetch } from "undici";
import { stringify } from "yaml";
import { run, type RunResult } from "./exec.js";
import { htpasswdLine, type HtpasswdScheme } from "./host-input.js";
import { startDaemon } from "./daemon.js";
import { freePort, waitFor } from "./ports.js";

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux). */
export async function processCpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
}

/** Debian's distribution 2.8 binary (`serve <config>`, `garbage-collect <config>`). */
export const REGISTRY_BIN = "/usr/bin/docker-registry";

export interface RegistryConfigOptions {
  /** Filesystem storage root (blobs and repositories live under `<dataDir>/docker/registry/v2`). */
  readonly dataDir: string;
  /** Loopback port to listen on. */
  readonly port: number;
  /** Listen address; defaults to 127.0.0.1. */
  readonly host?: string;
  /** Serve TLS with this certificate and key; plain HTTP when absent. */
  readonly tls?: { readonly certPath: string; readonly keyPath: string };
  /** htpasswd file (bcrypt entries only); no authentication when absent. */
  readonly htpasswdPath?: string;
  /** `storage.delete.enabled`. Defaults to false, like the registry itself. */
  readonly deleteEnabled?: boolean;
  /** `storage.maintenance.readonly.enabled`. Defaults to false. */
  readonly readOnly?: boolean;
  /** `storage.cache.blobdescriptor: inmemory`, as the official images ship. Defaults to true. */
  readonly blobDescriptorCache?: boolean;
  /** Registry log level; defaults to `warn` (access logs off). */
  readonly logLevel?: "error" | "warn" | "info" | "debug";
}

/** The registry config YAML for `opts` (loadable by `docker-registry serve` and `garbage-collect`). */
export function renderRegistryConfig(opts: RegistryConfigOptions): string {
  const config: Record<string, unknown> = {
    version: 0.1,
    log: { level: opts.logLevel ?? "warn", accesslog: { disabled: true } },
    storage: {
      filesystem: { rootdirectory: opts.dataDir },
      ...(opts.blobDescriptorCache === false ? {} : { cache: { blobdescriptor: "inmemory" } }),
      delete: { enabled: opts.deleteEnabled ?? false },
      maintenance: { uploadpurging: { enabled: false }, readonly: { enabled: opts.readOnly ?? false } },
    },
    http: {
      addr: `${opts.host ?? "127.0.0.1"}:${opts.port}`,
      secret: randomBytes(16).toString("hex"),
      ...(opts.tls ? { tls: { certificate: opts.tls.certPath, key: opts.tls.keyPath } } : {}),
    },
  };
  if (opts.htpasswdPath) config.auth = { htpasswd: { realm: "integration", path: opts.htpasswdPath } };
  return stringify(config);
}

/**
 * Writes an htpasswd file, mode 0600, hashed as the hosts get it (`htpasswdLine`, the program's own function) or, for
 * a baseline, as `@pulumi/random`'s `bcryptHash` would (`pulumi-random`, bcrypt cost 10).
 */
export async function writeHtpasswd(
  path: string,
  users: Readonly<Record<string, string>>,
  scheme: HtpasswdScheme = "project",
): Promise<void> {
  const lines = Object.entries(users).map(([user, password]) => htpasswdLine(user, password, scheme));
  await writeFile(path, `${lines.join("\n")}\n`, { mode: 0o600 });
}

export interface RunningRegistry {
  /** `https://127.0.0.1:<port>` or `http://...`. */
  readonly url: string;
  /** `127.0.0.1:<port>` (what skopeo and docker call the registry). */
  readonly address: string;
  readonly port: number;
  readonly configPath: string;
  readonly dataDir: string;
  readonly pid: number;
  /** Stops the process (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
  /** What the registry wrote to stdout/stderr so far (last 64 KiB). */
  logs(): string;
}

export interface StartRegistryOptions extends Omit<RegistryConfigOptions, "port"> {
  /** Directory for the generated config file. */
  readonly workDir: string;
  /** Defaults to a free loopback port. */
  readonly port?: number;
  /** PEM CA file to trust while waiting for a TLS registry to answer. */
  readonly caCertPath?: string;
}

/** GET `<url>/v2/` without credentials; resolves the HTTP status (200 open, 401 auth required). */
export async function probeRegistry(url: string, caCertPath?: string): Promise<number> {
  const agent = new Agent({ connect: caCertPath ? { ca: await readFile(caCertPath, "utf8") } : {} });
  try {
    const res = await fetch(`${url}/v2/`, { dispatcher: agent });
    await res.arrayBuffer();
    return res.status;
  } finally {
    await agent.close();
  }
}

/** Waits until the registry at `url` answers `/v2/` (200 or 401). */
export function waitForRegistry(url: string, caCertPath?: string, timeoutMs = 15_000): Promise<void> {
  return waitFor(
    `registry at ${url}`,
    async () => [200, 401].includes(await probeRegistry(url, caCertPath)),
    timeoutMs,
  );
}

/**
 * Writes a config for `opts` and starts `docker-registry serve` on a free loopback port, then waits until
 * `/v2/` answers. Always `stop()` it in afterAll.
 */
export async function startRegistry(opts: StartRegistryOptions): Promise<RunningRegistry> {
  const port = opts.port ?? (await freePort(opts.host ?? "127.0.0.1"));
  await mkdir(opts.dataDir, { recursive: true });
  await mkdir(opts.workDir, { recursive: true });
  const configPath = join(opts.workDir, `registry-${port}.yml`);
  await writeFile(configPath, renderRegistryConfig({ ...opts, port }));
  const running = await startRegistryFromConfig(configPath, {
    url: `${opts.tls ? "https" : "http"}://${opts.host ?? "127.0.0.1"}:${port}`,
    caCertPath: opts.caCertPath,
  });
  return { ...running, dataDir: opts.dataDir };
}

/** Starts `docker-registry serve <configPath>` (an existing config listening at `url`) and waits for it. */
export async function startRegistryFromConfig(
  configPath: string,
  where: { readonly url: string; readonly caCertPath?: string },
): Promise<RunningRegistry> {
  const { pid, stop, logs } = await startDaemon(
    `registry at ${where.url}`,
    REGISTRY_BIN,
    ["serve", configPath],
    async () => [200, 401].includes(await probeRegistry(where.url, where.caCertPath)),
  );
  const url = new URL(where.url);
  const configText = await readFile(configPath, "utf8");
  const dataDir = /rootdirectory:\s*(\S+)/.exec(configText)?.[1] ?? "";
  return {
    url: where.url,
    address: url.host,
    port: Number(url.port),
    configPath,
    dataDir,
    pid,
    stop,
    logs,
  };
}

/**
 * Runs `docker-registry garbage-collect` on a config. Stop the registry first: GC is stop-the-world.
 * Never pass `deleteUntagged` to Debian's 2.8 binary on repositories with indexes (it deletes their children).
 */
export function garbageCollect(
  configPath: string,
  opts: { readonly deleteUntagged?: boolean; readonly dryRun?: boolean } = {},
): Promise<RunResult> {
  const args = ["garbage-collect"];
  if (opts.deleteUntagged) args.push("--delete-untagged");
  if (opts.dryRun) args.push("--dry-run");
  return run(REGISTRY_BIN, [...args, configPath]);
}
