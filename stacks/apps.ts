import * as pulumi from "@pulumi/pulumi";
import { type AppSecretValue, Apps } from "../components/apps/apps";
import type { AppSpec } from "../components/apps/release";
import { databaseUrl } from "../components/apps/release";
import type { Database } from "../components/database/database";
import type { HostFile } from "../components/hostFile";
import type { RegistryHost } from "../components/registryHost/registryHost";
import type { StackSecrets } from "./config/load";
import type { StackConfig } from "./config/parse";
import { APP_SECRET_PREFIX, parseAppImage, type PlatformSecretSource } from "./config/sections/apps";
import type { AzureResult } from "./azure";

export interface AppsResult {
  /** `appReleases` (per app: the release its step deploys and the history the last deploy left), `appAccess`. */
  outputs: Record<string, pulumi.Input<unknown>>;
  /** What each deploy renders, for the offline plan. */
  renderedFiles: pulumi.Output<HostFile[]>;
}

/** The user the host pulls app images as: `deploy` when the registry has it, else its first user. */
export function pullUser(users: readonly string[]): string {
  return users.includes("deploy") ? "deploy" : users[0]!;
}

/** The apps of this stack on its host, their secrets wired from the platform's own outputs and the stack's secrets. */
export function createApps(
  config: StackConfig,
  secrets: StackSecrets,
  host: RegistryHost,
  database: Database,
  azure: AzureResult,
  nginx: boolean,
): AppsResult | undefined {
  const names = Object.keys(config.apps);
  if (names.length === 0) return undefined;
  const user = pullUser(host.registryUsers);
  const platform: Record<PlatformSecretSource, pulumi.Output<string> | undefined> = {
    "database.url": pulumi
      .all([database.username, database.password, database.address, database.port, database.dbName])
      .apply(([username, password, address, port, dbName]) =>
        databaseUrl({ engine: config.database.engine, username, password, address, port, dbName }),
      ),
    "database.password": database.password,
    "storage.connection": azure.storageConnection,
    "mail.sendgridApiKey": secrets.sendgridApiKey,
  };
  const appSecrets = secrets.appSecrets?.apply((text) => JSON.parse(text) as Record<string, string>);
  const valueOf = (source: string): pulumi.Output<string> => {
    if (source.startsWith(APP_SECRET_PREFIX)) {
      const name = source.slice(APP_SECRET_PREFIX.length);
      // Config validation checked that the name is set.
      return pulumi.secret(appSecrets!.apply((all) => all[name]!));
    }
    const value = platform[source as PlatformSecretSource];
    if (!value) throw new Error(`app secret source ${source} is not available in this stack`);
    return pulumi.secret(value);
  };

  const specs: Record<string, AppSpec> = {};
  const wired: Record<string, Record<string, AppSecretValue>> = {};
  for (const [name, app] of Object.entries(config.apps)) {
    // The settings as validated, the image split into repository, tag and digest.
    const { image, ...settings } = app;
    specs[name] = { ...parseAppImage(image)!, ...settings };
    wired[name] = Object.fromEntries(
      Object.entries(app.secrets).map(([env, source]) => [env, { source, value: valueOf(source) }]),
    );
  }

  const apps = new Apps(
    `${config.stack}-apps`,
    {
      stack: config.stack,
      apps: specs,
      secrets: wired,
      nginx,
      connection: host.connection,
      instanceId: host.instanceId,
      // The host pulls from its own registry over loopback: no round trip through its Elastic IP (which the dev
      // security group need not admit, and a prod site allow list may refuse), and no dependence on the public
      // certificate (an ACME one may still be pending). Docker treats 127.0.0.0/8 registries as insecure (no
      // certificate check); the registry still demands the deploy user's password.
      registryAddress: `127.0.0.1:${config.registry.port}`,
      registryUser: user,
      registryPassword: pulumi.secret(host.registryPasswords.apply((p) => p[user]!)),
      after: host.provisionSteps.slice(-1),
    },
    { parent: host },
  );
  return {
    outputs: {
      appReleases: pulumi
        .all([apps.plannedReleases, apps.releaseHistories])
        .apply(([planned, histories]) =>
          Object.fromEntries(names.map((n) => [n, { deploys: planned[n], history: histories[n] ?? null }])),
        ),
      appAccess: host.sshCommand.apply((ssh) => appAccess(config, nginx, ssh)),
    },
    renderedFiles: apps.renderedFiles,
  };
}

/**
 * How each app is reached: prod through its site on Nginx; dev on the host's loopback (no Nginx there), through an SSH
 * tunnel. `ssh` is the stack's `sshCommand` output, which the dev text completes into the two commands to run.
 */
export function appAccess(config: StackConfig, nginx: boolean, ssh: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, app] of Object.entries(config.apps)) {
    const sites = Object.entries(config.sites)
      .filter(([, target]) => target === name)
      .map(([site]) => site);
    if (nginx && sites.length > 0 && config.dns.domain) {
      const limited = sites.filter((s) => config.host.siteAllowedCidrs[s]);
      out[name] =
        sites.map((s) => `https://${s}.${config.dns.domain}`).join(", ") +
        (limited.length ? ` (limited to host.siteAllowedCidrs for ${limited.join(", ")})` : " (open to everyone)");
    } else if (nginx) {
      out[name] = `no site: reached by other apps only, as http://${name}:${app.port} on the apps network`;
    } else {
      out[name] =
        `loopback only (no Nginx in dev): other apps reach it as http://${name}:${app.port} on the apps network; ` +
        `you, through an SSH tunnel from host.sshAllowedCidrs: \`${ssh} ${activeReleasePortCommand(config.stack, name)}\` ` +
        `prints the serving release's loopback address 127.0.0.1:PORT (it changes with each deploy), then ` +
        `\`${ssh} -N -L ${app.port}:127.0.0.1:PORT\` serves it on your http://localhost:${app.port}`;
    }
  }
  return out;
}

/**
 * The host command that prints the loopback address of an app's serving release (the newest running container of
 * this stack's app: during a deploy's drain the old one still runs too, and is listed after it).
 */
export function activeReleasePortCommand(stack: string, app: string): string {
  return (
    `sudo docker ps --filter label=startup-infra.stack=${stack} --filter label=startup-infra.app=${app} ` +
    `--filter status=running --latest --format '{{.Ports}}'`
  );
}
