import { ACME_PATHS, acmeTimerUnits } from "../acme/acme";
import { renderBundle } from "../bundle";
import { gcTimerUnits } from "../gc";
import { aptPackages, AUTO_UPGRADES_PATH, renderAutoUpgradesConf } from "../packages";
import { CLOUDWATCH_AGENT } from "../cloudwatchAgent";
import { DATA_FS_TYPE, HOST_PATHS, REGISTRY_UNIT_NAME } from "../paths";
import { DEFAULT_READY_TIMEOUT_SECONDS, type HostLink, type HostRenderInput } from "../types";
import type { HostFile } from "../../../hostFile";
import { assembleScript, RUN_MAIN, runMainWith } from "./assemble";

export const BUNDLE_DELIMITER = "__REGISTRY_HOST_BUNDLE__";
export const CREDENTIAL_DELIMITER = "__REGISTRY_HOST_CREDENTIAL__";

/** wait-ready: cloud-init finished (within `readyTimeoutSeconds`), apt/dpkg locks free. */
export function renderWaitReadyScript(input: Pick<HostRenderInput, "readyTimeoutSeconds">): string {
  return (
    assembleScript("wait-ready", "wait for cloud-init and the apt/dpkg locks", {
      READY_TIMEOUT_SECONDS: input.readyTimeoutSeconds ?? DEFAULT_READY_TIMEOUT_SECONDS,
    }) + RUN_MAIN
  );
}

/**
 * install-packages: docker.io (and nginx in prod) at the archive's current build, unattended-upgrades on for the
 * security pocket, no holds; nginx kept from starting during apt.
 */
export function renderInstallPackagesScript(input: HostRenderInput): string {
  return (
    assembleScript("install-packages", "install the Docker engine (and Nginx in prod); security updates on", {
      PACKAGES: aptPackages(input),
      NO_AUTOSTART: input.composition === "prod" ? ["nginx"] : [],
      AUTO_UPGRADES_PATH,
      // base64: the file holds apt's own ${distro_id} variables, which read as unexpanded shell in a quoted value.
      AUTO_UPGRADES_CONF_BASE64: Buffer.from(renderAutoUpgradesConf()).toString("base64"),
    }) + RUN_MAIN
  );
}

/**
 * prepare-data-volume: format only when blank, mount by UUID with nofail, create the data directory and the apps'
 * release-history directory (empty until the first app deploy) on the volume.
 */
export function renderPrepareDataVolumeScript(input: HostRenderInput): string {
  return (
    assembleScript("prepare-data-volume", "format (only when blank) and mount the registry data volume", {
      DATA_DEVICE: input.dataVolumeDevice,
      MOUNT_POINT: HOST_PATHS.dataMount,
      DATA_DIR: HOST_PATHS.dataDir,
      RELEASES_DIR: HOST_PATHS.releasesDir,
      FS_TYPE: DATA_FS_TYPE,
      FS_LABEL: "registry-data",
    }) + RUN_MAIN
  );
}

/** The install-files script alone (main reads the bundle on stdin). */
export function renderInstallFilesScript(): string {
  return assembleScript("install-files", "install the files bundle read on stdin, only what changed", {
    STATE_DIR: HOST_PATHS.stateDir,
  });
}

/** install-files with its bundle appended as a here-document: the step's whole stdin (holds secrets). */
export function renderInstallFilesStdin(
  files: readonly HostFile[],
  links: readonly HostLink[] = [],
  removed: readonly string[] = [],
): string {
  return renderInstallFilesScript() + runMainWith(renderBundle(files, links, removed), BUNDLE_DELIMITER);
}

/** apply-config: nginx -t, daemon-reload, restart/reload only what changed, GC timer. */
export function renderApplyConfigScript(input: HostRenderInput): string {
  return (
    assembleScript("apply-config", "validate and apply the installed files (restart only what changed)", {
      COMPOSITION: input.composition,
      STATE_DIR: HOST_PATHS.stateDir,
      SYSTEMD_DIR: HOST_PATHS.systemdDir,
      NGINX_DIR: HOST_PATHS.nginxDir,
      REGISTRY_UNIT: REGISTRY_UNIT_NAME,
      REGISTRY_PATHS: [`${HOST_PATHS.registryDir}/`, HOST_PATHS.registryUnit],
      TIMERS: [...gcTimerUnits(input), ...acmeTimerUnits(input)],
    }) + RUN_MAIN
  );
}

/** Where the health check goes: the name clients use, reached on this host's loopback. */
export function healthCheckTarget(input: HostRenderInput): {
  host: string;
  port: number;
  connect: string;
  cacert: string;
} {
  if (input.composition === "prod") {
    const site = Object.entries(input.nginx!.sites).find(([, t]) => t === "registry");
    const host = site ? `${site[0]}.${input.nginx!.domain}` : input.nginx!.domain;
    // The purchased certificate chains to a public CA: the system trust store verifies it.
    return { host, port: 443, connect: "127.0.0.1:443", cacert: "" };
  }
  return {
    host: input.registry.publicHost ?? "127.0.0.1",
    port: input.registry.port,
    connect: `127.0.0.1:${input.registry.port}`,
    cacert: input.tls?.caCertificatePem ? HOST_PATHS.registryCa : "",
  };
}

/** health-check script alone (reads an optional `user:password` line on stdin). */
export function renderHealthCheckScript(input: HostRenderInput): string {
  const t = healthCheckTarget(input);
  return assembleScript("health-check", "the registry answers 401 without and 200 with credentials", {
    URL_HOST: t.host,
    URL_PORT: t.port,
    DEFAULT_CONNECT: t.connect,
    DEFAULT_CACERT: t.cacert,
    // ACME: the certificate's state is reported (pending, expiring) and never fails the deployment.
    ACME_COMMAND: input.acme ? ACME_PATHS.command : "",
    // The GC timer's last run (retention and blob GC): reported, never failing the deployment.
    GC_LAST_RUN: input.registry.gc.enabled ? `${HOST_PATHS.gcStateDir}/last-run` : "",
  });
}

/** health-check with the credential (when the input has one) as a here-document: the step's whole stdin. */
export function renderHealthCheckStdin(input: HostRenderInput): string {
  const cred = input.registry.healthCheckCredential;
  return (
    renderHealthCheckScript(input) +
    (cred ? runMainWith(`${cred.user}:${cred.password}`, CREDENTIAL_DELIMITER) : RUN_MAIN)
  );
}

/**
 * install-cloudwatch-agent: the pinned agent package, verified by AWS's signature, loaded with the installed config
 * (render/cloudwatchAgent.ts). Its own step and script, so package and config changes re-run only this one. `pins`
 * defaults to CLOUDWATCH_AGENT (tests render their own key).
 */
export function renderInstallCloudwatchAgentScript(
  pins: { version: string; baseUrl: string; keyUrl: string; keyFingerprint: string } = CLOUDWATCH_AGENT,
): string {
  return (
    assembleScript(
      "install-cloudwatch-agent",
      "install the pinned, signature-verified CloudWatch agent and load its config",
      {
        AGENT_VERSION: pins.version,
        AGENT_BASE_URL: pins.baseUrl,
        AGENT_KEY_URL: pins.keyUrl,
        AGENT_KEY_FINGERPRINT: pins.keyFingerprint,
        AGENT_CONFIG: HOST_PATHS.cloudwatchAgentConfig,
        AGENT_CTL: "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl",
        STATE_DIR: HOST_PATHS.stateDir,
      },
    ) + RUN_MAIN
  );
}

/** acme-prepare: registry-acme's state directories and the certificate Nginx starts with (runs registry-acme prepare). */
export function renderAcmePrepareScript(): string {
  return (
    assembleScript("acme-prepare", "the certificate Nginx starts with: issued earlier, or a temporary one", {
      ACME_COMMAND: ACME_PATHS.command,
    }) + RUN_MAIN
  );
}
