import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RELEASES_DIR } from "../releaseHistory";
import { APP_NAME, ENV_NAME } from "../names";
import { APP_PATHS, appUpstreamServerFile } from "../paths";
import { assembleScriptWith, RUN_MAIN, runMainWith } from "../../registryHost/render/scripts/assemble";

/** Plain, fully resolved inputs of one app's deploy script (the component resolves Outputs first). */
export interface AppDeployInput {
  app: string;
  /** Stack name: the containers' label, so pruning never touches another stack's containers on a shared host. */
  stack: string;
  /** The stack's registry as Docker clients address it: `docker.example.com` or `<ip>:5000`. */
  registry: string;
  /** Registry user the host logs in with (its password travels on stdin). */
  registryUser: string;
  repository: string;
  tag?: string;
  /** When set, the host runs exactly this digest; otherwise it resolves the tag at deploy time. */
  digest?: string;
  /** The app's port inside its container. */
  port: number;
  healthCheck: {
    path: string;
    intervalSeconds: number;
    timeoutSeconds: number;
    deployTimeoutSeconds: number;
    watchSeconds: number;
    unhealthyThreshold: number;
  };
  drainSeconds: number;
  stopTimeoutSeconds: number;
  memoryMiB: number;
  cpus?: number;
  keepReleases: number;
  /** Prod: switch the app's Nginx upstream (its site). Dev (no Nginx): the release is reached on its loopback port. */
  nginxSwitch: boolean;
  /** sha256 of the run configuration (`appConfigHash`). */
  configHash: string;
  /** sha256 over the secrets' versions (`secretsHash`). */
  secretsHash: string;
  /** What the release history records as the app's config (non-secret: secrets by source name only). */
  config: Record<string, unknown>;
  /** Who or what asked for this release. */
  deployedBy: string;
}

/** Fixed choices of the deploy script (not config): documented in docs/apps.md. */
export const DEPLOY_DEFAULTS = {
  /** Docker network every app joins, with its name as alias (apps reach each other as http://<app>:<port>). */
  network: "startup-infra-apps",
  /** Releases listen on the first free loopback port from here (explicit: it survives a dockerd or host restart). */
  portRangeStart: 20000,
  portRangeSize: 10000,
  /** Log lines of a failed release shown in the error. */
  logLines: 40,
  /** Longest wait for another deploy of the same app, and for a pull. */
  lockTimeoutSeconds: 900,
  pullTimeoutSeconds: 900,
} as const;

export const ENV_DELIMITER = "__APP_DEPLOY_ENV__";

/** sha256 of a value's canonical JSON (object keys sorted at every level). */
export function canonicalHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * A version of each secret without its value: sha256 of NAME, source and sha256(value), over all secrets. It changes
 * when any secret's value changes and tells nothing a reader could use (the values are long random strings or keys,
 * and only their own hashes enter).
 */
export function secretsHash(secrets: Readonly<Record<string, { source: string; value: string }>>): string {
  const versions = Object.fromEntries(
    Object.entries(secrets).map(([name, s]) => [
      name,
      { source: s.source, version: createHash("sha256").update(s.value).digest("hex") },
    ]),
  );
  return canonicalHash(versions);
}

/**
 * The env file Docker reads with `--env-file`: one `NAME=value` per line, values taken literally (no quotes, no
 * expansion), sorted by name. `PORT` is the app's port unless set. Throws on a name or value the format cannot carry.
 */
export function renderEnvFile(vars: Readonly<Record<string, string>>, port: number): string {
  const all: Record<string, string> = { PORT: String(port), ...vars };
  const lines: string[] = [];
  for (const name of Object.keys(all).sort()) {
    const value = all[name]!;
    if (!ENV_NAME.test(name)) throw new Error(`env name ${JSON.stringify(name)} is not a valid variable name`);
    if (/[\r\n\0]/.test(value)) throw new Error(`env ${name}: the value holds a line break or NUL (one line only)`);
    lines.push(`${name}=${value}`);
  }
  return `${lines.join("\n")}\n`;
}

/** The image the host pulls: `<registry>/<repository>` with the digest when known, else the tag. */
export function imageReference(input: Pick<AppDeployInput, "registry" | "repository" | "tag" | "digest">): string {
  const base = `${input.registry}/${input.repository}`;
  if (input.digest) return `${base}@${input.digest}`;
  if (!input.tag) throw new Error(`${input.repository}: an image needs a tag or a digest`);
  return `${base}:${input.tag}`;
}

function check(input: AppDeployInput): void {
  if (!APP_NAME.test(input.app)) throw new Error(`app name ${JSON.stringify(input.app)} is not valid`);
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-fA-F:]+\](:\d{1,5})?$/.test(input.registry)) {
    throw new Error(`registry address ${JSON.stringify(input.registry)} is not host[:port]`);
  }
  if (!/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(input.repository)) {
    throw new Error(`repository ${JSON.stringify(input.repository)} is not valid`);
  }
  if (input.digest && !/^sha256:[0-9a-f]{64}$/.test(input.digest)) throw new Error("digest is not sha256:<64 hex>");
  if (!/^[a-z_][a-z0-9_-]*$/.test(input.registryUser)) throw new Error("registry user is not valid");
}

const body = (): string => readFileSync(join(__dirname, "app-deploy.bash"), "utf8");

/** The deploy script alone (main reads the password and the env file on stdin). */
export function renderDeployScript(input: AppDeployInput): string {
  check(input);
  const h = input.healthCheck;
  return assembleScriptWith(
    "app-deploy",
    `put a release of ${input.app} into service without dropping a request`,
    {
      APP: input.app,
      STACK: input.stack,
      REGISTRY: input.registry,
      REGISTRY_USER: input.registryUser,
      REPOSITORY: input.repository,
      IMAGE_REF: imageReference(input),
      IMAGE_DIGEST: input.digest ?? "",
      PORT: input.port,
      HEALTH_PATH: h.path,
      HEALTH_INTERVAL: h.intervalSeconds,
      HEALTH_TIMEOUT: h.timeoutSeconds,
      DEPLOY_TIMEOUT: h.deployTimeoutSeconds,
      WATCH_SECONDS: h.watchSeconds,
      UNHEALTHY_THRESHOLD: h.unhealthyThreshold,
      DRAIN_SECONDS: input.drainSeconds,
      STOP_TIMEOUT: input.stopTimeoutSeconds,
      MEMORY_MIB: input.memoryMiB,
      CPUS: input.cpus === undefined ? "" : String(input.cpus),
      KEEP_RELEASES: input.keepReleases,
      CONFIG_HASH: input.configHash,
      SECRETS_HASH: input.secretsHash,
      // base64: free text (env values, who deployed) reads as unexpanded shell in a quoted value.
      CONFIG_JSON_BASE64: Buffer.from(canonicalJson(input.config)).toString("base64"),
      DEPLOYED_BY_BASE64: Buffer.from(input.deployedBy.slice(0, 200)).toString("base64"),
      NGINX_SWITCH: input.nginxSwitch ? 1 : 0,
      UPSTREAM_FILE: appUpstreamServerFile(input.app),
      RELEASES_DIR,
      STATE_DIR: APP_PATHS.stateDir,
      NETWORK: DEPLOY_DEFAULTS.network,
      PORT_RANGE_START: DEPLOY_DEFAULTS.portRangeStart,
      PORT_RANGE_SIZE: DEPLOY_DEFAULTS.portRangeSize,
      LOG_LINES: DEPLOY_DEFAULTS.logLines,
      LOCK_TIMEOUT: DEPLOY_DEFAULTS.lockTimeoutSeconds,
      PULL_TIMEOUT: DEPLOY_DEFAULTS.pullTimeoutSeconds,
    },
    body(),
  );
}

/**
 * The step's whole stdin: the script, then as a quoted here-document the registry password (first line) and the env
 * file. Secrets travel only here, never on a command line.
 */
export function renderDeployStdin(input: AppDeployInput, registryPassword: string, envFile: string): string {
  if (/[\r\n]/.test(registryPassword)) throw new Error("the registry password must be one line");
  return renderDeployScript(input) + runMainWith(`${registryPassword}\n${envFile}`, ENV_DELIMITER);
}

/** The script as the offline plan shows it (no stdin data). */
export function renderDeployScriptForPlan(input: AppDeployInput): string {
  return renderDeployScript(input) + RUN_MAIN;
}
