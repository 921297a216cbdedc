/**
 * Where an app's pieces live on the host. One place, so the deploy script's renderer, the Nginx site renderer, the
 * component and the tests agree on every path.
 */
export const APP_PATHS = {
  /** Per app: the Nginx upstream server of its current release, written by the deploy script at the switch. */
  nginxAppsDir: "/etc/nginx/apps",
  /** Per app (0700, root): env files of its releases (0600), registry login, deploy lock. */
  stateDir: "/var/lib/apps",
} as const;

/** The Nginx upstream of an app (`web-api` -> `app_web_api`). */
export function appUpstreamName(app: string): string {
  return `app_${app.replace(/-/g, "_")}`;
}

/** The file the deploy script writes at the switch: `server 127.0.0.1:<port>;` of the current release. */
export function appUpstreamServerFile(app: string): string {
  return `${APP_PATHS.nginxAppsDir}/${app}/release.conf`;
}

/** What an app site's upstream includes (a glob: before the first release nothing matches and the site answers 502). */
export function appUpstreamInclude(app: string): string {
  return `${APP_PATHS.nginxAppsDir}/${app}/*.conf`;
}

/** Container name of one release: `app-web-12`. */
export function containerName(app: string, seq: number): string {
  return `app-${app}-${seq}`;
}
