import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { HostDirectory, HostFile } from "../../../hostFile";
import { SERVICE_ACCOUNTS } from "../accounts";
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
  /**
   * http-01 tokens are written to <webroot>/.well-known/acme-challenge/ and served by Nginx's workers on port 80: its
   * own tree where the workers' account can read (ACME_WEBROOT), never inside the private state directory.
   */
  webroot: "/var/www/registry-acme",
  /** Status, back-off and the previous certificate while a deploy is checked. */
  stateDir: "/var/lib/registry-acme",
  servedCertificate: `${HOST_PATHS.nginxTls}/acme/fullchain.pem`,
  servedKey: `${HOST_PATHS.nginxTls}/acme/privkey.pem`,
  issueUnit: "registry-acme-issue",
  renewUnit: "registry-acme-renew",
} as const;

/**
 * The http-01 webroot's access, chosen so Nginx's workers read the tokens and no other account does: its directories
 * are root:<workers' group> with mode 2750 (setgid: the token files lego creates there take the group), and lego runs
 * with umask 0027. lego 4.9.1 writes each token with os.WriteFile(..., 0o644) and creates missing directories with
 * os.MkdirAll(..., 0o755), both subject to the umask (providers/http/webroot/webroot.go, Present), so a token is
 * 0640 root:<workers' group>. Under the tool's own umask 077 it would be 0600 root:root, which the workers answer
 * with 403 to the CA (the certificate would stay pending forever).
 */
export const ACME_WEBROOT = {
  group: SERVICE_ACCOUNTS.nginxWorkers.group,
  directoryMode: "2750",
  legoUmask: "0027",
  tokenMode: "0640",
} as const;

/** lego renews once fewer days than this are left (Let's Encrypt certificates live 90 days). */
export const ACME_RENEW_DAYS = 30;
/** The health check warns below this many days. */
export const ACME_WARN_DAYS = 14;

/** Every name on the one certificate: each `<site>.<domain>`, sorted (the first names lego's files). */
export function acmeCertificateNames(input: Pick<HostRenderInput, "nginx">): string[] {
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
    WEBROOT_GROUP: ACME_WEBROOT.group,
    WEBROOT_DIR_MODE: ACME_WEBROOT.directoryMode,
    LEGO_UMASK: ACME_WEBROOT.legoUmask,
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

/** The host tool: plain bash beside this file. Its configuration path is fixed in it (it takes no path options). */
export function renderAcmeCommand(): string {
  const body = readFileSync(join(__dirname, "registry-acme.bash"), "utf8");
  if (!body.includes(`\nreadonly CONFIG=${ACME_PATHS.config}\n`)) {
    throw new Error(`registry-acme.bash must read its configuration from ${ACME_PATHS.config}`);
  }
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

/**
 * The directories registry-acme creates (prepare, and again before each lego run), as it creates them: private state
 * and lego data; the served copy Nginx's master loads; with http-01 the webroot Nginx's workers serve.
 */
export function acmeDirectories(input: HostRenderInput): HostDirectory[] {
  const root = { owner: "root", group: "root" };
  const dirs: HostDirectory[] = [
    { path: ACME_PATHS.stateDir, mode: "0700", ...root },
    { path: ACME_PATHS.legoDir, mode: "0700", ...root },
    // Created by `put` under umask 077; the master reads the chain (0644) and the key (0600) as root.
    {
      path: dirname(ACME_PATHS.servedCertificate),
      mode: "0700",
      ...root,
      readers: [SERVICE_ACCOUNTS.nginxMaster],
      fileMode: "0600",
    },
  ];
  if (input.acme?.challenge !== "http-01") return dirs;
  const web = { mode: ACME_WEBROOT.directoryMode, owner: "root", group: ACME_WEBROOT.group };
  const readers = [SERVICE_ACCOUNTS.nginxWorkers];
  return [
    ...dirs,
    // Made with umask 022 when missing (Ubuntu's nginx package already has it).
    { path: dirname(ACME_PATHS.webroot), mode: "0755", ...root },
    { path: ACME_PATHS.webroot, ...web, readers },
    { path: `${ACME_PATHS.webroot}/.well-known`, ...web, readers },
    { path: `${ACME_PATHS.webroot}/.well-known/acme-challenge`, ...web, readers, fileMode: ACME_WEBROOT.tokenMode },
  ];
}

/** Every ACME file of the host (none unless `input.acme`). */
export function renderAcmeFiles(input: HostRenderInput): HostFile[] {
  if (!input.acme) return [];
  return [
    {
      path: ACME_PATHS.command,
      content: renderAcmeCommand(),
      mode: "0755",
      secret: false,
      creates: acmeDirectories(input),
    },
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
