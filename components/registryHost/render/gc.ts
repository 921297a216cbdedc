import type { HostFile } from "../../hostFile";
import { registryGcUnits, renderRegistryGc, type RegistryGcHostInput, type RetentionHostInput } from "../gc";
import { CONTAINER_PATHS, HOST_PATHS, REGISTRY_UNIT_NAME } from "./paths";
import type { HostRenderInput } from "./types";

/**
 * The GC engineer's input for this host: same image, config and data mounts as registry.service. The health URL is
 * the registry itself on loopback (prod: plain HTTP; dev: TLS with the private CA, so the dev certificate must also
 * name 127.0.0.1).
 */
export function registryGcInput(input: HostRenderInput): RegistryGcHostInput {
  const dev = input.composition === "dev";
  return {
    image: input.registry.image,
    configPath: HOST_PATHS.registryConfig,
    containerConfigPath: CONTAINER_PATHS.config,
    dataDir: HOST_PATHS.dataDir,
    containerDataDir: CONTAINER_PATHS.data,
    onCalendar: input.registry.gc.onCalendar,
    registryUnit: REGISTRY_UNIT_NAME,
    healthUrl: `${dev ? "https" : "http"}://127.0.0.1:${input.registry.port}/v2/`,
    ...(dev && input.tls?.caCertificatePem ? { healthCaCertPath: HOST_PATHS.registryCa } : {}),
    ...(retentionOn(input) ? { retention: retentionInput(input) } : {}),
  };
}

function retentionOn(input: HostRenderInput): boolean {
  return input.registry.gc.enabled && input.registry.gc.retention?.enabled === true;
}

/** Retention as the timer runs it: the registry on loopback (dev: TLS with the private CA), the GC credential file. */
function retentionInput(input: HostRenderInput): RetentionHostInput {
  const r = input.registry.gc.retention!;
  const dev = input.composition === "dev";
  return {
    keep: r.keep,
    ...(r.keepYoungerThan ? { keepYoungerThan: r.keepYoungerThan } : {}),
    keepTagsLike: r.keepTagsLike,
    dryRun: r.dryRun,
    registryUrl: `${dev ? "https" : "http"}://127.0.0.1:${input.registry.port}`,
    ...(dev && input.tls?.caCertificatePem ? { caCertPath: HOST_PATHS.registryCa } : {}),
    credentialPath: HOST_PATHS.gcCredential,
    stateDir: HOST_PATHS.gcStateDir,
  };
}

/** The retention credential file (secret, 0600): the health-check user's `user:password` line. */
function credentialFile(input: HostRenderInput): HostFile[] {
  if (!retentionOn(input)) return [];
  const cred = input.registry.healthCheckCredential;
  if (!cred) {
    throw new Error(
      "registry.gc.retention needs a registry credential on the host (the health-check credential): none was given",
    );
  }
  return [{ path: HOST_PATHS.gcCredential, content: `${cred.user}:${cred.password}\n`, mode: "0600", secret: true }];
}

/**
 * GC script, service and timer (components/registryHost/gc), with retention also the bundled registry-gc and the
 * credential file; none when `registry.gc.enabled` is false.
 */
export function renderGcFiles(input: HostRenderInput): HostFile[] {
  if (!input.registry.gc.enabled) return [];
  return [
    ...Object.entries(renderRegistryGc(registryGcInput(input))).map(([path, f]) => ({
      path,
      content: f.content,
      mode: f.mode,
      secret: false,
    })),
    ...credentialFile(input),
  ].sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** Timer units apply-config keeps enabled (empty when GC is off: apply-config then disables the removed timer). */
export function gcTimerUnits(input: HostRenderInput): string[] {
  return input.registry.gc.enabled ? [registryGcUnits(registryGcInput(input)).timer] : [];
}
