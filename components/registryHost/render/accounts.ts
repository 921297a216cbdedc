import type { HostReader } from "../../hostFile";

/**
 * The accounts the host's services run as (Ubuntu 24.04 packages): who must be able to read what the renderers ship
 * and what the shipped tools write. The host access check (hostAccess.ts) walks the rendered tree with them.
 */
export const SERVICE_ACCOUNTS = {
  /** systemd, the provisioning steps and the tools the timers run (registry-acme, registry-gc). */
  root: { service: "root (systemd, provisioning, timers)", user: "root", group: "root" },
  /** Nginx's master process: loads the configuration, certificates and keys before dropping to the workers' user. */
  nginxMaster: { service: "nginx master", user: "root", group: "root" },
  /**
   * Nginx's workers: serve files from disk (the ACME http-01 webroot). The `user` directive of nginx.conf
   * (nginxMain.ts); Debian's and Ubuntu's base system always has this account and its group.
   */
  nginxWorkers: { service: "nginx workers", user: "www-data", group: "www-data" },
  /**
   * The registry container: root inside with every capability dropped (registryUnit.ts, --cap-drop=ALL), so without
   * CAP_DAC_OVERRIDE it reads its mounted configuration through plain owner and mode bits like any user.
   */
  registry: { service: "registry container", user: "root", group: "root" },
  /**
   * The CloudWatch agent once it has dropped to `run_as_user` (monitoring/agentConfig.ts; the package creates the
   * account): it reads the configuration translated beside the shipped one, so that directory and every parent must
   * be traversable by it.
   */
  cloudwatchAgent: { service: "CloudWatch agent", user: "cwagent", group: "cwagent" },
} as const satisfies Record<string, HostReader>;
