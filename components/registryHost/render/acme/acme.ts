import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { HostFile } from "../../../hostFile";
import { HOST_PATHS } from "../paths";
import { shQuote } from "../scripts/assemble";
import type { HostRenderInput } from "../types";

/**
 * Where ACME lives on the host. lego's directory (account key, issued certificate) sits on the data volume, so a
 * replaced host serves the certificate it already has instead of ordering a new one (CA rate limits). Nginx reads the
 * served copy under /etc/nginx/tls/acme, which registry-acme writes (never install-files: it is not in the bundle).
 */
export const ACME_PATHS = {
  /** The host-side tool (timers, health check and operators call it). */
  command: "/usr/local/sbin/registry-acme",
  /** Rendered client configuration, sourced by the tool. */
  config: "/etc/registry-acme/acme.conf",
  /** lego --path: accounts/ and certificates/ (on the data volume). */
  legoDir: `${HOST_PATHS.dataMount}/acme`,
  /** http-01 tokens are written to <webroot>/.well-known/acme-challenge/ and served by Nginx on port 80. */
  webroot: "/var/lib/registry-acme/webroot",
  /** Status, back-off and the previous certificate while a deploy is checked. */
  stateDir: "/var/lib/registry-acme",
  servedCertificate: `${HOST_PATHS.nginxTls}/acme/fullchain.pem`,
  servedKey: `${HOST_PATHS.nginxTls}/acme/privkey.pem`,
  issueUnit: "registry-acme-issue",
  renewUnit: "registry-acme-renew",
} as const;

/** lego renews once fewer days than this are left (Let's Encrypt certificates live 90 days). */
export const ACME_RENEW_DAYS = 30;
/** The health check warns below this many days. */
export const ACME_WARN_DAYS = 14;

/** Every name on the one certificate: each `<site>.<domain>`, sorted (the first names lego's files). */
export function acmeCertificateNames(input: HostRenderInput): string[] {
  if (!input.nginx) return [];
  return Object.keys(input.nginx.sites)
    .sort()
    .map((site) => `${site}.${input.nginx!.domain}`);
}

/** The client configuration (`KEY='value'` lines, sourced by registry-acme). */
export function renderAcmeConfig(input: HostRenderInput): string {
  const acme = input.acme!;
  const values: Record<string, string | number> = {
    ACME_SERVER: acme.directoryUrl,
    ACME_EMAIL: acme.email,
    ACME_CHALLENGE: acme.challenge,
    // dns-01 writes _acme-challenge TXT records with the instance role (least-privilege policy, docs/acme.md).
    ACME_DNS_PROVIDER: "route53",
    ACME_DOMAINS: acmeCertificateNames(input).join(" "),
    ACME_KEY_TYPE: "ec256",
    LEGO_PATH: ACME_PATHS.legoDir,
    WEBROOT: ACME_PATHS.webroot,
    STATE_DIR: ACME_PATHS.stateDir,
    SERVED_CERT: ACME_PATHS.servedCertificate,
    SERVED_KEY: ACME_PATHS.servedKey,
    RENEW_DAYS: ACME_RENEW_DAYS,
    WARN_DAYS: ACME_WARN_DAYS,
  };
  return (
    "# Managed by startup-infra (RegistryHost): changes made here are overwritten on the next deploy.\n" +
    "# registry-acme (lego) configuration; see `sudo registry-acme status`.\n" +
    Object.entries(values)
      .map(([k, v]) => `${k}=${shQuote(v)}`)
      .join("\n") +
    "\n"
  );
}

/** The host tool: plain bash beside this file. */
export function renderAcmeCommand(): string {
  const body = readFileSync(join(__dirname, "registry-acme.bash"), "utf8");
  return (
    "#!/usr/bin/env bash\n" +
    "# Managed by startup-infra (RegistryHost, render/acme): changes made here are overwritten on the next deploy.\n" +
    body
  );
}

const SERVICE_HARDENING = `ProtectSystem=full
ReadWritePaths=${HOST_PATHS.nginxTls}/acme
ProtectHome=yes
PrivateTmp=yes
NoNewPrivileges=yes`;

function service(description: string, exec: string): string {
  return `[Unit]
Description=${description}
Wants=network-online.target
After=network-online.target nginx.service
RequiresMountsFor=${HOST_PATHS.dataMount}

[Service]
Type=oneshot
ExecStart=${exec}
TimeoutStartSec=15min
${SERVICE_HARDENING}
StandardOutput=journal
StandardError=journal
SyslogIdentifier=registry-acme
`;
}

/**
 * The units: the first issuance retries every 5 minutes (registry-acme itself backs off from 5 min to 6 h after
 * failures, and does nothing once issued); renewal runs twice a day with a random delay (CA load spreading).
 */
export function renderAcmeUnits(): Record<string, string> {
  const { issueUnit, renewUnit, command } = ACME_PATHS;
  return {
    [`${issueUnit}.service`]: service(
      "First ACME certificate for the Nginx sites (registry-acme issue)",
      `${command} issue`,
    ),
    [`${issueUnit}.timer`]: `[Unit]
Description=Retry the first ACME issuance until it succeeds (back-off in registry-acme)

[Timer]
OnActiveSec=20s
OnUnitInactiveSec=5min
Unit=${issueUnit}.service

[Install]
WantedBy=timers.target
`,
    [`${renewUnit}.service`]: service(
      "Renew the ACME certificate of the Nginx sites (registry-acme renew)",
      `${command} renew`,
    ),
    [`${renewUnit}.timer`]: `[Unit]
Description=ACME certificate renewal, twice a day

[Timer]
OnCalendar=*-*-* 04,16:00:00
RandomizedDelaySec=1h
Persistent=true
Unit=${renewUnit}.service

[Install]
WantedBy=timers.target
`,
  };
}

/** Every ACME file of the host (none unless `input.acme`). */
export function renderAcmeFiles(input: HostRenderInput): HostFile[] {
  if (!input.acme) return [];
  return [
    { path: ACME_PATHS.command, content: renderAcmeCommand(), mode: "0755", secret: false },
    { path: ACME_PATHS.config, content: renderAcmeConfig(input), mode: "0644", secret: false },
    ...Object.entries(renderAcmeUnits()).map(([name, content]) => ({
      path: `${HOST_PATHS.systemdDir}/${name}`,
      content,
      mode: "0644",
      secret: false,
    })),
  ];
}

/** Timers apply-config keeps enabled (both ACME timers when ACME is on). */
export function acmeTimerUnits(input: HostRenderInput): string[] {
  return input.acme ? [`${ACME_PATHS.issueUnit}.timer`, `${ACME_PATHS.renewUnit}.timer`] : [];
}

/**
 * Nginx, port 80 of every site (http-01 only): the CA's token requests are answered from the webroot before the
 * redirect to HTTPS; nothing else is served over plain HTTP.
 */
export function renderChallengeLocation(): string {
  return `    # ACME http-01: the CA fetches its token over plain HTTP; everything else is redirected to HTTPS.
    location ^~ /.well-known/acme-challenge/ {
        root ${ACME_PATHS.webroot};
        default_type text/plain;
        try_files $uri =404;
    }`;
}
