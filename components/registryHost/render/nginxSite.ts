import { appUpstreamInclude, appUpstreamName } from "../../apps/paths";
import type { HostFile } from "../../hostFile";
import { ACME_PATHS, renderChallengeLocation } from "./acme/acme";
import { SERVICE_ACCOUNTS } from "./accounts";
import { HSTS } from "./nginxTls";
import { DEFAULT_SITE_FILE, HOST_PATHS, siteFileName } from "./paths";
import { withNewline } from "./registryConfig";
import type { HostLink, HostRenderInput } from "./types";

/** Where the site certificate chain and key live (key 0600, read by the Nginx master as root). */
export function nginxTlsPaths(domain: string): { certificate: string; key: string } {
  return { certificate: `${HOST_PATHS.nginxTls}/${domain}.crt`, key: `${HOST_PATHS.nginxTls}/${domain}.key` };
}

/** With ACME, what the sites need to know: the certificate registry-acme maintains and the challenge type. */
export type SiteAcme = HostRenderInput["acme"];

/**
 * `listen 443 ssl http2;`: the one spelling that works on Debian 12's nginx 1.22 (tests) and Ubuntu 24.04's 1.24
 * (host). `http2 on;` needs 1.25.1; the listen parameter is only deprecated (a warning) from 1.25.1 on. Never `ssl on`.
 */
const LISTEN_TLS = "listen 443 ssl http2;";

/**
 * Nginx is the edge: nothing in front of it may be trusted, so X-Forwarded-For is the connecting address alone.
 * `$proxy_add_x_forwarded_for` would append it to the client's own header, and an app that trusts the first entry
 * would take a forged address for the client's.
 */
const FORWARDED = `        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Forwarded-Proto $scheme;`;

/**
 * `allow <cidr>; ... deny all;` for a site limited to source ranges (403 for everyone else), or nothing. At server
 * level: every location inherits it (none sets its own access rules).
 */
export function accessBlock(allowedCidrs: readonly string[] | undefined): string {
  if (!allowedCidrs || allowedCidrs.length === 0) return "";
  const lines = allowedCidrs.map((cidr) => `    allow ${cidr};`).join("\n");
  return `\n\n    # Only these source ranges (host.siteAllowedCidrs); everyone else gets 403.\n${lines}\n    deny all;`;
}

/** Catch-all: plain HTTP for unknown names gets no answer (444), TLS for unknown SNI (or none) is refused. */
export function renderDefaultSite(): string {
  return `# Managed by startup-infra (RegistryHost): changes made here are overwritten on the next deploy.
# Requests for names we do not serve (scanners, bare IP): close without an answer.
server {
    listen 80 default_server;
    server_name _;
    return 444;
}

# TLS handshakes with an unknown or missing SNI are refused: no certificate is shown to them.
server {
    ${LISTEN_TLS.replace(";", " default_server;")}
    server_name _;
    ssl_reject_handshake on;
}
`;
}

function tlsBlock(fqdn: string, domain: string, acme?: SiteAcme, allowedCidrs?: readonly string[]): string {
  const { certificate, key } = acme
    ? { certificate: ACME_PATHS.servedCertificate, key: ACME_PATHS.servedKey }
    : nginxTlsPaths(domain);
  return `    ${LISTEN_TLS}
    server_name ${fqdn};

    ssl_certificate ${certificate};
    ssl_certificate_key ${key};

    # add_header in a location replaces these: every location that adds headers repeats HSTS.
    add_header Strict-Transport-Security "${HSTS}" always;${accessBlock(allowedCidrs)}`;
}

function redirectBlock(fqdn: string): string {
  return `server {
    listen 80;
    server_name ${fqdn};
    return 301 https://${fqdn}$request_uri;
}`;
}

/** Port 80 of a site with ACME http-01: the CA's token location, then the redirect for everything else. */
function challengeAndRedirectBlock(fqdn: string): string {
  return `server {
    listen 80;
    server_name ${fqdn};

${renderChallengeLocation()}

    location / {
        return 301 https://${fqdn}$request_uri;
    }
}`;
}

/** Port 80 of a site: the redirect, preceded by the http-01 challenge location when the host answers challenges. */
function plainHttpBlock(fqdn: string, acme?: SiteAcme): string {
  return acme?.challenge === "http-01" ? challengeAndRedirectBlock(fqdn) : redirectBlock(fqdn);
}

/** `docker.<domain>`: TLS termination in front of the registry on 127.0.0.1 (streaming, no buffering either way). */
export function renderRegistrySite(
  fqdn: string,
  domain: string,
  registryPort: number,
  acme?: SiteAcme,
  allowedCidrs?: readonly string[],
): string {
  const upstream = `registry_${fqdn.replace(/[^a-z0-9]/g, "_")}`;
  return `# Managed by startup-infra (RegistryHost): changes made here are overwritten on the next deploy.
upstream ${upstream} {
    server 127.0.0.1:${registryPort};
    keepalive 16;
}

${plainHttpBlock(fqdn, acme)}

server {
${tlsBlock(fqdn, domain, acme, allowedCidrs)}

    # Layers can be gigabytes: no size limit, stream them both ways.
    client_max_body_size 0;
    chunked_transfer_encoding on;

    location /v2/ {
        proxy_pass http://${upstream};
        # $http_host keeps the port: the registry builds upload Location URLs from it.
        proxy_set_header Host $http_host;
${FORWARDED}
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_request_buffering off;
        proxy_buffering off;
        # Unbuffered, Nginx reads the upstream at most proxy_buffer_size at a time: the 4-8k default made pulls 1.4x
        # slower than direct, 128k about 1.2-1.5x, 1m about 1.1x (scripts/bench/nginx.ts). Per connection, not per layer.
        proxy_buffer_size 1m;
        proxy_buffers 4 1m;
        proxy_busy_buffers_size 2m;
        proxy_read_timeout 900;
        proxy_send_timeout 900;

        add_header Docker-Distribution-Api-Version $docker_distribution_api_version always;
        add_header Strict-Transport-Security "${HSTS}" always;
    }

    # Only the registry API lives on this name.
    location / {
        return 404;
    }
}
`;
}

/** An application's location: everything to `target` (an address or an upstream), websocket upgrades passed on. */
function appLocation(target: string): string {
  return `    location / {
        proxy_pass http://${target};
        proxy_set_header Host $host;
${FORWARDED}
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_read_timeout 300;
    }`;
}

/** An application site: TLS termination in front of 127.0.0.1:<port>. */
export function renderAppSite(
  fqdn: string,
  domain: string,
  port: number,
  acme?: SiteAcme,
  allowedCidrs?: readonly string[],
): string {
  return `# Managed by startup-infra (RegistryHost): changes made here are overwritten on the next deploy.
${plainHttpBlock(fqdn, acme)}

server {
${tlsBlock(fqdn, domain, acme, allowedCidrs)}

${appLocation(`127.0.0.1:${port}`)}
}
`;
}

/**
 * A site served by an app's current release. The upstream's server comes from the file the app's deploy script writes
 * at the switch (a glob include: before the first release nothing matches and only the placeholder, marked `down`,
 * is left: 502). A switch is a graceful reload: old workers finish their requests and keep their websockets until
 * `worker_shutdown_timeout` (the longest drain of the apps) in nginx.conf.
 */
export function renderReleaseSite(
  fqdn: string,
  domain: string,
  app: string,
  acme?: SiteAcme,
  allowedCidrs?: readonly string[],
): string {
  const upstream = appUpstreamName(app);
  return `# Managed by startup-infra (RegistryHost): changes made here are overwritten on the next deploy.
upstream ${upstream} {
    # Placeholder: never used (down); the app's deploy script adds the current release's server.
    server 127.0.0.1:9 down;
    include ${appUpstreamInclude(app)};
    keepalive 16;
}

${plainHttpBlock(fqdn, acme)}

server {
${tlsBlock(fqdn, domain, acme, allowedCidrs)}

${appLocation(upstream)}
}
`;
}

export interface NginxSites {
  files: HostFile[];
  links: HostLink[];
  /** The package's own default site: it would claim default_server on :80 too. */
  removed: string[];
}

/** Prod: the catch-all, one file per site (sites-available, linked from sites-enabled), certificate and key. */
export function renderNginxSites(input: HostRenderInput): NginxSites {
  if (!input.nginx) return { files: [], links: [], removed: [] };
  const { domain, sites, access = {} } = input.nginx;
  const available: { name: string; content: string }[] = [{ name: DEFAULT_SITE_FILE, content: renderDefaultSite() }];
  for (const [label, target] of Object.entries(sites).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const fqdn = `${label}.${domain}`;
    available.push({
      name: siteFileName(fqdn),
      content:
        target === "registry"
          ? renderRegistrySite(fqdn, domain, input.registry.port, input.acme, access[label])
          : typeof target === "number"
            ? renderAppSite(fqdn, domain, target, input.acme, access[label])
            : renderReleaseSite(fqdn, domain, target, input.acme, access[label]),
    });
  }
  return {
    files: [
      ...available.map(({ name, content }) => ({
        path: `${HOST_PATHS.nginxSitesAvailable}/${name}`,
        content,
        mode: "0644",
        secret: false,
        readers: [SERVICE_ACCOUNTS.nginxMaster],
      })),
      ...shippedCertificateFiles(input),
    ],
    links: available.map(({ name }) => ({
      path: `${HOST_PATHS.nginxSitesEnabled}/${name}`,
      target: `../sites-available/${name}`,
    })),
    removed: [`${HOST_PATHS.nginxSitesEnabled}/default`],
  };
}

/** The shipped certificate and key (none with ACME: registry-acme keeps Nginx's certificate on the host). */
function shippedCertificateFiles(input: HostRenderInput): HostFile[] {
  if (input.acme || !input.tls || !input.nginx) return [];
  const tls = nginxTlsPaths(input.nginx.domain);
  const readers = [SERVICE_ACCOUNTS.nginxMaster];
  return [
    { path: tls.certificate, content: withNewline(input.tls.certificatePem), mode: "0644", secret: false, readers },
    { path: tls.key, content: withNewline(input.tls.privateKeyPem), mode: "0600", secret: true, readers },
  ];
}
