import { join } from "node:path";
import { HOST_PATHS } from "../../../components/registryHost/render/index.js";
import { startRegistryFromConfig, type RunningRegistry } from "./registry.js";

/**
 * Host paths of the rendered registry config that cannot be used on the test machine, replaced through the
 * registry's own `REGISTRY_*` environment overrides: the rendered YAML is loaded byte for byte as shipped.
 */
export interface RegistryPathOverrides {
  /** `127.0.0.1:<free port>` instead of the container's `:5000`. */
  readonly addr: string;
  /** Instead of /var/lib/registry. */
  readonly dataDir: string;
  /** Instead of /etc/distribution/htpasswd. */
  readonly htpasswdPath: string;
  /** Instead of /etc/distribution/tls.{crt,key} (dev configs). */
  readonly tls?: { readonly certPath: string; readonly keyPath: string };
}

export function registryEnvOverrides(o: RegistryPathOverrides): Record<string, string> {
  return {
    REGISTRY_HTTP_ADDR: o.addr,
    REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: o.dataDir,
    REGISTRY_AUTH_HTPASSWD_PATH: o.htpasswdPath,
    ...(o.tls ? { REGISTRY_HTTP_TLS_CERTIFICATE: o.tls.certPath, REGISTRY_HTTP_TLS_KEY: o.tls.keyPath } : {}),
  };
}

/**
 * Starts Debian's registry on the RENDERED config file `configPath` with the path overrides (reuses
 * startRegistryFromConfig: it spawns synchronously, so the environment is set only for that spawn and restored).
 */
export async function startRenderedRegistry(
  configPath: string,
  overrides: RegistryPathOverrides,
  caCertPath?: string,
): Promise<RunningRegistry> {
  const env = registryEnvOverrides(overrides);
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  let started: Promise<RunningRegistry>;
  try {
    started = startRegistryFromConfig(configPath, {
      url: `${overrides.tls ? "https" : "http"}://${overrides.addr}`,
      caCertPath,
    });
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return started;
}

/**
 * The rendered DEV registry (it serves TLS itself) from a host root written with the rendered files: config, htpasswd
 * and TLS pair from `root`, listening on `addr`, data in `dataDir`; readiness is checked with `caCertPath`.
 */
export function startRenderedDevRegistry(
  root: string,
  where: { readonly addr: string; readonly dataDir: string; readonly caCertPath: string },
): Promise<RunningRegistry> {
  return startRenderedRegistry(
    join(root, HOST_PATHS.registryConfig),
    {
      addr: where.addr,
      dataDir: where.dataDir,
      htpasswdPath: join(root, HOST_PATHS.htpasswd),
      tls: { certPath: join(root, HOST_PATHS.registryTlsCert), keyPath: join(root, HOST_PATHS.registryTlsKey) },
    },
    where.caCertPath,
  );
}
