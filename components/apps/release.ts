import { parseReleaseHistory, type ReleaseHistory } from "./releaseHistory";
import { type AppDeployInput, canonicalHash } from "./render/deploy";

/** Who asked for a release when its settings do not say (`apps.<name>.deployedBy` unset): a plain `pulumi up`. */
export const DEFAULT_DEPLOYED_BY = "pulumi up";

/** One app as its component receives it (the validated `apps.<name>` settings, image split). */
export interface AppSpec {
  repository: string;
  tag?: string;
  digest?: string;
  port: number;
  site?: string;
  env: Record<string, string>;
  /** NAME -> source (`database.url`, `appSecrets.STRIPE_KEY`, ...). */
  secrets: Record<string, string>;
  healthCheck: AppDeployInput["healthCheck"];
  drainSeconds: number;
  stopTimeoutSeconds: number;
  memoryMiB: number;
  cpus?: number;
  keepReleases: number;
  /** Who or what asked for this release. Defaults to DEFAULT_DEPLOYED_BY. */
  deployedBy?: string;
  /** sha256 of the committed settings this release overrode (set by the deploy command's app verbs). */
  overrides?: string;
}

/**
 * What a release records as its config and hashes as `configHash`: everything that shapes the running container
 * except the image (recorded as the digest) and the secret values (recorded as `secretsHash`; here only their
 * sources). A rollback re-applies exactly this.
 */
export function releaseConfig(app: AppSpec): Record<string, unknown> {
  return {
    image: app.digest ? `${app.repository}@${app.digest}` : `${app.repository}:${app.tag}`,
    port: app.port,
    ...(app.site !== undefined ? { site: app.site } : {}),
    env: app.env,
    secrets: app.secrets,
    healthCheck: app.healthCheck,
    drainSeconds: app.drainSeconds,
    stopTimeoutSeconds: app.stopTimeoutSeconds,
    memoryMiB: app.memoryMiB,
    ...(app.cpus !== undefined ? { cpus: app.cpus } : {}),
    keepReleases: app.keepReleases,
    ...(app.overrides !== undefined ? { overrides: app.overrides } : {}),
  };
}

/**
 * `configHash`: the run configuration without the image reference (the digest is recorded on its own) and without
 * `overrides` (which committed settings a release replaced does not change the container).
 */
export function configHashOf(app: AppSpec): string {
  const { image: _image, overrides: _overrides, ...rest } = releaseConfig(app);
  return canonicalHash(rest);
}

/** The database URL an app gets for `database.url`: user and password percent-encoded. */
export function databaseUrl(db: {
  engine: "postgres" | "mysql";
  username: string;
  password: string;
  address: string;
  port: number;
  dbName: string;
}): string {
  const scheme = db.engine === "postgres" ? "postgresql" : "mysql";
  const auth = `${encodeURIComponent(db.username)}:${encodeURIComponent(db.password)}`;
  return `${scheme}://${auth}@${db.address}:${db.port}/${encodeURIComponent(db.dbName)}`;
}

/**
 * The release history a deploy printed last on stdout (one JSON line), or undefined when there is none (preview, the
 * mock engine, a run that never reached the host).
 */
export function historyFromStdout(stdout: string | undefined, app: string): ReleaseHistory | undefined {
  const last = (stdout ?? "").trimEnd().split("\n").at(-1) ?? "";
  if (!last.startsWith("{")) return undefined;
  return parseReleaseHistory(last, `release history of ${app}`);
}
