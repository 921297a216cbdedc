import type { ConfigEntry } from "./types.js";
import { UsageError } from "./errors.js";

/**
 * Stack configuration from the environment, so a CI secret store can feed it without a file.
 *
 * - `DEPLOY_CONFIG_<key>=<value>` sets a plain value, `DEPLOY_SECRET_<key>=<value>` a secret one.
 *   `<key>` is case-sensitive; `__` (two underscores) stands for the `:` of a namespace:
 *   `DEPLOY_CONFIG_aws__region=eu-central-1` -> `aws:region`, `DEPLOY_SECRET_dbPassword=...` -> `dbPassword`
 *   (no namespace = this project's).
 * - `DEPLOY_CONFIG_JSON` / `DEPLOY_SECRETS_JSON`: a JSON object `{ "<key>": "<string>" , ... }` for keys an
 *   environment variable name cannot carry (`startup-infra:tls-key`).
 *
 * A key set both as plain and as secret is refused (ambiguous). Values are never printed.
 * A value that is exactly `$(NAME)` is skipped: that is how Azure Pipelines passes a variable that is not
 * defined (the macro stays unexpanded), and it must not become config.
 */
export const CONFIG_PREFIX = "DEPLOY_CONFIG_";
export const SECRET_PREFIX = "DEPLOY_SECRET_";
export const CONFIG_JSON_VAR = "DEPLOY_CONFIG_JSON";
export const SECRETS_JSON_VAR = "DEPLOY_SECRETS_JSON";

/** Credentials the pipelines export: never config, but their values are redacted from everything we print. */
export const CREDENTIAL_VARS = [
  "PULUMI_ACCESS_TOKEN",
  "PULUMI_CONFIG_PASSPHRASE",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "ARM_CLIENT_SECRET",
  "ARM_OIDC_TOKEN",
  "AZURE_CLIENT_SECRET",
] as const;

const UNEXPANDED_AZURE_MACRO = /^\$\([A-Za-z0-9_.-]+\)$/;

const KEY_PATTERN = /^([A-Za-z0-9][A-Za-z0-9_-]*:)?[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function keyFromVarName(suffix: string, varName: string): string {
  const key = suffix.replaceAll("__", ":");
  if (!KEY_PATTERN.test(key)) throw new UsageError(`${varName}: "${key}" is not a valid config key`);
  return key;
}

function parseJsonObject(varName: string, text: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Never quote the text: it may hold secrets.
    throw new UsageError(`${varName} is not valid JSON (expected an object of string values)`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`${varName} must be a JSON object of string values`);
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== "string") throw new UsageError(`${varName}: the value of "${key}" must be a string`);
    if (!KEY_PATTERN.test(key)) throw new UsageError(`${varName}: "${key}" is not a valid config key`);
    out[key] = value;
  }
  return out;
}

/** Reads every config entry the environment defines, in a stable order (sorted by key). */
export function readConfigFromEnv(env: NodeJS.ProcessEnv): ConfigEntry[] {
  const byKey = new Map<string, ConfigEntry>();
  const add = (entry: ConfigEntry, source: string) => {
    const previous = byKey.get(entry.key);
    if (previous && previous.secret !== entry.secret) {
      throw new UsageError(`config key "${entry.key}" is set both as plain and as secret (${source})`);
    }
    byKey.set(entry.key, entry);
  };

  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || UNEXPANDED_AZURE_MACRO.test(value)) continue;
    if (name === CONFIG_JSON_VAR || name === SECRETS_JSON_VAR) continue;
    if (name.startsWith(CONFIG_PREFIX)) {
      add({ key: keyFromVarName(name.slice(CONFIG_PREFIX.length), name), value, secret: false }, name);
    } else if (name.startsWith(SECRET_PREFIX)) {
      add({ key: keyFromVarName(name.slice(SECRET_PREFIX.length), name), value, secret: true }, name);
    }
  }
  const plainJson = env[CONFIG_JSON_VAR];
  if (plainJson && !UNEXPANDED_AZURE_MACRO.test(plainJson)) {
    for (const [key, value] of Object.entries(parseJsonObject(CONFIG_JSON_VAR, plainJson))) {
      add({ key, value, secret: false }, CONFIG_JSON_VAR);
    }
  }
  const secretJson = env[SECRETS_JSON_VAR];
  if (secretJson && !UNEXPANDED_AZURE_MACRO.test(secretJson)) {
    for (const [key, value] of Object.entries(parseJsonObject(SECRETS_JSON_VAR, secretJson))) {
      add({ key, value, secret: true }, SECRETS_JSON_VAR);
    }
  }
  return [...byKey.values()].sort((a, b) => a.key.localeCompare(b.key));
}

/** The values to scrub from anything printed or written: secret config and the CI's credentials. */
export function secretValuesFromEnv(env: NodeJS.ProcessEnv, entries: ConfigEntry[]): string[] {
  const values = entries.filter((e) => e.secret).map((e) => e.value);
  for (const name of CREDENTIAL_VARS) {
    const value = env[name];
    if (value) values.push(value);
  }
  return values;
}
