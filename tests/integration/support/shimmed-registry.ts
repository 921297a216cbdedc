import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { renderRegistryGc, type RegistryGcHostInput } from "../../../components/registryHost/gc/index.js";
import { mintCa, mintLeafCert } from "./certs.js";
import { run, type RunResult } from "./exec.js";
import { freePort } from "./ports.js";
import { renderRegistryConfig, waitForRegistry, writeHtpasswd } from "./registry.js";
import { makeCertDir, type RegistryAccess } from "./skopeo.js";
import type { HtpasswdScheme } from "./host-input.js";

/** The `systemctl` and `docker` test shims (see their headers): they drive a local registry binary. */
export const SHIMS = join(__dirname, "shims");

/** A registry run as `registry.service` through the shims: TLS (private CA, SAN 127.0.0.1), bcrypt htpasswd. */
export interface ShimmedRegistry {
  /** `https://127.0.0.1:<port>`. */
  readonly url: string;
  readonly caCert: string;
  readonly configPath: string;
  readonly dataDir: string;
  /** The shims' state directory (pid, logs, `calls.log`). */
  readonly state: string;
  /** skopeo access with the user's credentials and the CA. */
  readonly access: RegistryAccess;
  /** The environment that puts the shims first on PATH and points them at this registry. */
  env(): NodeJS.ProcessEnv;
  /** The rendered host GC script for this registry (its config, data, health URL with the CA, a lock under work). */
  gcScript(input: Pick<RegistryGcHostInput, "image"> & Partial<RegistryGcHostInput>): string;
  /**
   * Runs a (rendered) host script with the shims in charge, after emptying `calls.log`; `wrap` runs it under another
   * command (e.g. `flock <lock>`).
   */
  runScript(script: string, extraEnv?: Record<string, string>, wrap?: readonly string[]): Promise<RunResult>;
  /** The shim calls of the last `runScript`, one line each (`systemctl stop registry.service`, `docker run ...`). */
  calls(): Promise<string[]>;
  /** `systemctl stop registry.service` through the shim (errors ignored: for afterAll). */
  stop(): Promise<void>;
}

/**
 * Writes the config (delete enabled) under `work`, starts the registry with the shimmed `systemctl` and waits until
 * it answers. `bin` is the registry binary (default: the shims' default, Debian's docker-registry); the htpasswd is
 * the hosts' (`project`) unless a benchmark asks for the `@pulumi/random` baseline.
 */
export async function startShimmedRegistry(
  work: string,
  user: string,
  password: string,
  bin?: string,
  htpasswdScheme: HtpasswdScheme = "project",
): Promise<ShimmedRegistry> {
  const state = join(work, "state");
  const dataDir = join(work, "data");
  await mkdir(state, { recursive: true });
  await mkdir(dataDir, { recursive: true });
  const ca = await mintCa(join(work, "ca"));
  const tls = await mintLeafCert(join(work, "tls"), ca, { ipSans: ["127.0.0.1"] });
  const htpasswd = join(work, "htpasswd");
  await writeHtpasswd(htpasswd, { [user]: password }, htpasswdScheme);
  const port = await freePort();
  const url = `https://127.0.0.1:${port}`;
  const configPath = join(work, "config.yml");
  await writeFile(
    configPath,
    renderRegistryConfig({ dataDir, port, tls, htpasswdPath: htpasswd, deleteEnabled: true }),
  );
  const env = (): NodeJS.ProcessEnv => ({
    ...process.env,
    PATH: `${SHIMS}:${process.env.PATH}`,
    SHIM_STATE: state,
    SHIM_REGISTRY_CONFIG: configPath,
    ...(bin ? { SHIM_REGISTRY_BIN: bin } : {}),
  });
  const started = await run(join(SHIMS, "systemctl"), ["start", "registry.service"], { env: env() });
  if (started.code !== 0) throw new Error(`systemctl shim could not start the registry: ${started.stderr}`);
  await waitForRegistry(url, ca.certPath);
  return {
    url,
    caCert: ca.certPath,
    configPath,
    dataDir,
    state,
    access: {
      address: `127.0.0.1:${port}`,
      creds: `${user}:${password}`,
      certDir: await makeCertDir(ca.certPath, join(work, "certs.d")),
    },
    env,
    gcScript: (input) => {
      const scriptPath = "/usr/local/sbin/registry-gc.sh";
      const files = renderRegistryGc({
        configPath,
        dataDir,
        healthUrl: `${url}/v2/`,
        healthCaCertPath: ca.certPath,
        healthTimeoutSec: 20,
        lockFile: join(work, "registry-gc.lock"),
        scriptPath,
        ...input,
      });
      return files[scriptPath]!.content;
    },
    runScript: async (script, extraEnv = {}, wrap = []) => {
      const path = join(work, `script-${Date.now()}.sh`);
      await writeFile(path, script, { mode: 0o755 });
      await writeFile(join(state, "calls.log"), "");
      const [cmd, ...args] = wrap.length ? [...wrap, path] : [path];
      return run(cmd!, args, { env: { ...env(), ...extraEnv }, timeoutMs: 120_000 });
    },
    calls: async () => (await readFile(join(state, "calls.log"), "utf8")).trim().split("\n"),
    stop: async () => {
      await run(join(SHIMS, "systemctl"), ["stop", "registry.service"], { env: env() }).catch(() => undefined);
    },
  };
}
