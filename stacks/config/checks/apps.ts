import type { Composition } from "../defaults";
import { type ConfigProblem, rmCommand, setCommand } from "../errors";
import type { SecretKey, SectionsConfig } from "../schema";
import { APP_SECRET_PREFIX } from "../sections/apps";
import { siteApp } from "../sections/sites";
import { suggest } from "../suggest";

/** How to set one of the stack's own app secrets (never in clear text). */
export function appSecretCommand(name: string): string {
  return `pulumi config set --secret --path 'appSecrets.${name}' -- '<value>'`;
}

/**
 * Rules spanning `apps`, `sites`, Azure and the stack's secrets. Each problem names the key and the command that fixes
 * it. `appSecretNames` are the names set under the secret key `appSecrets` (their values are never read here).
 */
export function appsChecks(
  config: SectionsConfig,
  _composition: Composition,
  secretsSet: Record<SecretKey, boolean>,
  appSecretNames: readonly string[],
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const { apps, sites, azure } = config;
  const names = Object.keys(apps);

  for (const [site, target] of Object.entries(sites)) {
    const app = siteApp(target);
    if (app === undefined || app in apps) continue;
    const near = suggest(app, names);
    problems.push({
      key: `sites.${site}`,
      message: `names the app "${app}", which is not in apps${near ? ` (did you mean "${near}"?)` : names.length ? ` (apps: ${names.join(", ")})` : ""}.`,
      fix: near ? setCommand(`sites.${site}`, near) : setCommand(`apps.${app}.image`, `${app}:1.0.0`),
    });
  }

  for (const [name, app] of Object.entries(apps)) {
    if (app.site !== undefined && sites[app.site] !== name) {
      const now = sites[app.site];
      problems.push({
        key: `apps.${name}.site`,
        message:
          now === undefined
            ? `is "${app.site}", which is not in sites: add the site, naming this app.`
            : `is "${app.site}", but sites.${app.site} is ${JSON.stringify(now)}: the site must name this app.`,
        fix: setCommand(`sites.${app.site}`, name),
      });
    }
    for (const envName of Object.keys(app.secrets)) {
      if (envName in app.env) {
        problems.push({
          key: `apps.${name}.secrets.${envName}`,
          message: `is also set in apps.${name}.env: a variable is either plain or secret.`,
          fix: rmCommand(`apps.${name}.env.${envName}`),
        });
      }
    }
    for (const [envName, source] of Object.entries(app.secrets)) {
      const key = `apps.${name}.secrets.${envName}`;
      if (source === "storage.connection" && !azure.enabled) {
        problems.push({
          key,
          message: "is storage.connection, but azure.enabled is false: there is no storage account.",
          fix: setCommand("azure.enabled", "true"),
        });
      }
      if (source === "mail.sendgridApiKey" && !secretsSet.sendgridApiKey) {
        problems.push({
          key,
          message: "is mail.sendgridApiKey, but the stack secret sendgridApiKey is not set.",
          fix: "pulumi config set --secret sendgridApiKey -- SG.xxxxx",
        });
      }
      if (source.startsWith(APP_SECRET_PREFIX)) {
        const secret = source.slice(APP_SECRET_PREFIX.length);
        if (!appSecretNames.includes(secret)) {
          const near = suggest(secret, appSecretNames);
          problems.push({
            key,
            message: `is ${source}, which is not set${near ? ` (did you mean "${APP_SECRET_PREFIX}${near}"?)` : ""}.`,
            fix: near ? setCommand(key, `${APP_SECRET_PREFIX}${near}`) : appSecretCommand(secret),
          });
        }
      }
    }
  }
  return problems;
}
