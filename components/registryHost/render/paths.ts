import { RELEASES_DIR } from "../../apps/releaseHistory";

/**
 * Where everything lives on the host and inside the registry container (docs/CONTRACTS.md, "The registry on the host").
 * One place, so a renderer, a script and a test agree on every path.
 */
export const HOST_PATHS = {
  /** Host directory mounted read-only at CONTAINER_PATHS.configDir (config, TLS, htpasswd). */
  registryDir: "/etc/registry",
  registryConfig: "/etc/registry/config.yml",
  registryTlsCert: "/etc/registry/tls.crt",
  registryTlsKey: "/etc/registry/tls.key",
  /** Dev: the private CA (not secret), for the health check and for operators. */
  registryCa: "/etc/registry/ca.crt",
  htpasswd: "/etc/registry/htpasswd",
  systemdDir: "/etc/systemd/system",
  registryUnit: "/etc/systemd/system/registry.service",
  /** Mount point of the separate EBS data volume. */
  dataMount: "/srv/registry",
  /** CloudWatch agent config (renderAgentConfigFile: the data volume's fill level and memory use). */
  cloudwatchAgentConfig: "/opt/aws/amazon-cloudwatch-agent/etc/startup-infra.json",
  /** Blobs and repositories (mounted at CONTAINER_PATHS.data). */
  dataDir: "/srv/registry/data",
  /**
   * The apps' release histories, on the data volume (RELEASES_DIR). prepare-data-volume creates it empty, so the GC
   * timer's retention reads "no app deployed yet" on a fresh host, while a missing one (volume not mounted) stops it.
   */
  releasesDir: RELEASES_DIR,
  nginxDir: "/etc/nginx",
  nginxMain: "/etc/nginx/nginx.conf",
  nginxSitesAvailable: "/etc/nginx/sites-available",
  nginxSitesEnabled: "/etc/nginx/sites-enabled",
  /** Certificate chains and keys of the Nginx sites (keys 0600). */
  nginxTls: "/etc/nginx/tls",
  /** Root-only `user:password` line the GC timer's retention deletes with (outside registryDir, which the registry mounts). */
  gcCredential: "/etc/registry-gc/credential",
  /** The GC timer's last run (`last-run`), retention report and logs. */
  gcStateDir: "/var/lib/registry-gc",
  /** Bookkeeping of the provisioning scripts: changed paths awaiting apply-config, backups, managed paths. */
  stateDir: "/var/lib/registry-host",
} as const;

export const CONTAINER_PATHS = {
  configDir: "/etc/distribution",
  config: "/etc/distribution/config.yml",
  tlsCert: "/etc/distribution/tls.crt",
  tlsKey: "/etc/distribution/tls.key",
  htpasswd: "/etc/distribution/htpasswd",
  data: "/var/lib/registry",
  /** The registry always listens on this port inside the container; the host port is `registry.port`. */
  port: 5000,
} as const;

/** File system of the data volume (formatted only when blank; the disk alarm names it as a dimension). */
export const DATA_FS_TYPE = "ext4";

export const REGISTRY_UNIT_NAME = "registry.service";
export const REGISTRY_CONTAINER_NAME = "registry";

/** Site file name for a host name (`docker.example.com` -> `docker.example.com.conf`). */
export function siteFileName(fqdn: string): string {
  return `${fqdn}.conf`;
}

/** The catch-all site (port 80 -> 444, unknown SNI refused); sorts first in sites-enabled. */
export const DEFAULT_SITE_FILE = "000-default.conf";
