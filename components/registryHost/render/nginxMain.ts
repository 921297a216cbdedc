import type { HostFile } from "../../hostFile";
import { TLS_CIPHERS, TLS_PROTOCOLS } from "./nginxTls";
import { SERVICE_ACCOUNTS } from "./accounts";
import { HOST_PATHS } from "./paths";

/**
 * `/etc/nginx/nginx.conf` (prod). Replaces the package's file (install-packages keeps ours on upgrades with
 * --force-confold). Server-wide TLS policy lives here so every site and the catch-all share it; only sites-enabled is
 * included (no conf.d: nothing unmanaged slips in).
 */
export function renderNginxMain(drainSeconds?: number): string {
  return `# Managed by startup-infra (RegistryHost): changes made here are overwritten on the next deploy.
user ${SERVICE_ACCOUNTS.nginxWorkers.user};
worker_processes auto;
pid /run/nginx.pid;
error_log /var/log/nginx/error.log;${shutdownTimeout(drainSeconds)}

events {
    worker_connections 1024;
}

http {
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    # No version in the Server header or on error pages.
    server_tokens off;

    include ${HOST_PATHS.nginxDir}/mime.types;
    default_type application/octet-stream;

    ssl_protocols ${TLS_PROTOCOLS};
    ssl_ciphers ${TLS_CIPHERS};
    ssl_prefer_server_ciphers off;
    ssl_session_cache shared:MozSSL:10m;
    ssl_session_timeout 1d;
    ssl_session_tickets off;

    access_log /var/log/nginx/access.log;

    # The registry sends Docker-Distribution-Api-Version itself; add it only when the upstream did not (errors
    # produced by Nginx), so clients see it exactly once.
    map $upstream_http_docker_distribution_api_version $docker_distribution_api_version {
        '' 'registry/2.0';
    }

    # WebSocket upgrades for the application sites.
    map $http_upgrade $connection_upgrade {
        default upgrade;
        '' '';
    }

    include ${HOST_PATHS.nginxSitesEnabled}/*;
}
`;
}

/**
 * After a graceful reload (an app's switch), old workers serve what they have, websockets included, and exit when it
 * is done; `worker_shutdown_timeout` closes what is still open after the apps' longest drain. Without it an old
 * worker holding a websocket would live until the client leaves. (nginx docs, core module: worker_shutdown_timeout,
 * 1.11.11+.)
 */
function shutdownTimeout(drainSeconds: number | undefined): string {
  if (drainSeconds === undefined) return "";
  return `\n# Old workers keep their connections (websockets too) this long after a reload: the apps' longest drain.\nworker_shutdown_timeout ${Math.max(drainSeconds, 1)}s;`;
}

export function renderNginxMainFile(drainSeconds?: number): HostFile {
  return {
    path: HOST_PATHS.nginxMain,
    content: renderNginxMain(drainSeconds),
    mode: "0644",
    secret: false,
    readers: [SERVICE_ACCOUNTS.nginxMaster],
  };
}
