import type { z } from "zod";
import { appsChecks } from "./checks/apps";
import { azureChecks } from "./checks/azure";
import { hostChecks } from "./checks/host";
import { operationsChecks } from "./checks/operations";
import { tlsChecks } from "./checks/tls";
import { planSubnets } from "../../components/network/subnets";
import { COMPOSITION_DEFAULTS, COMPOSITIONS, type Composition, mergeDefaults, SHARED_DEFAULTS } from "./defaults";
import { child, fieldNames, settingKeys } from "./introspect";
import { configIssueMessage } from "./messages";
import {
  type ConfigProblem,
  ConfigError,
  exampleAt,
  fixTargetAt,
  keyToPath,
  pathToKey,
  rmCommand,
  rmLiteralCommand,
  setCommand,
} from "./errors";
import { ENV_NAME } from "./sections/apps";
import { suggest } from "./suggest";
import { carriedSetCommand, decodedTopLevel } from "./carry";
import { SCALAR_KEYS, SECRET_KEYS, type SecretKey, sections, type SectionsConfig, stackConfigSchema } from "./schema";

/** The validated stack config: every section with defaults applied, plus what the stack is. */
export interface StackConfig extends SectionsConfig {
  /** Pulumi stack name, e.g. dev, prod, prod-eu. */
  stack: string;
  /** Which composition builds this stack. */
  composition: Composition;
  /** Which secret keys are set (their values are read separately, as secrets). */
  secretsSet: Record<SecretKey, boolean>;
  /** The names set under the secret key `appSecrets` (never their values). */
  appSecretNames: string[];
}

export interface RawStackConfig {
  stack: string;
  /** Config values of the project namespace, key without the `startup-infra:` prefix, as the engine gives them (strings; objects as JSON). */
  values: Record<string, string>;
  /** Keys that are stored as secrets. */
  secretKeys: ReadonlySet<string>;
}

/**
 * Parses and validates the whole stack config at once. Throws a ConfigError listing every problem (key, what is
 * wrong, the command that fixes it); never returns a half-valid config.
 */
export function parseStackConfig(raw: RawStackConfig): StackConfig {
  const problems: ConfigProblem[] = [];
  const known = new Set<string>([...Object.keys(sections), ...Object.keys(SECRET_KEYS), ...SCALAR_KEYS]);

  for (const key of Object.keys(raw.values)) {
    if (!known.has(key)) {
      if (isSettingPath(key)) {
        // `pulumi config set host.sshHostKey ...` without --path stores the literal key "host.sshHostKey".
        problems.push({
          key,
          message: `is a literal key; it was set without --path, so the program never sees it as ${key}.`,
          fix: `${rmLiteralCommand(key)} && ${setCommand(key, /^[[{]/.test(raw.values[key]) ? undefined : raw.values[key])}`,
        });
        continue;
      }
      problems.push(unknownTopLevelKey(raw, key, [...known]));
    }
  }

  const composition = resolveComposition(raw, problems);
  // Without a composition the defaults are unknown: report what is known to be wrong, not a cascade of "required".
  if (!composition) throw new ConfigError(raw.stack, problems);

  for (const key of Object.keys(SECRET_KEYS) as SecretKey[]) {
    if (key in raw.values && !raw.secretKeys.has(key)) {
      problems.push({
        key,
        message: "holds a secret but is stored in clear text in the stack file.",
        fix: `${rmLiteralCommand(key)} && ${SECRET_KEYS[key]}`,
      });
    }
  }

  const input: Record<string, unknown> = {};
  for (const key of Object.keys(sections)) {
    const given = decodeObject(key, raw.values[key], problems);
    const defaults = mergeDefaults(SHARED_DEFAULTS[key], COMPOSITION_DEFAULTS[composition][key]);
    // `sites` is a whole map the user replaces; every other section is merged over its defaults.
    input[key] = key === "sites" && given !== undefined ? given : mergeDefaults(defaults, given);
  }

  // jitless: zod would otherwise compile a validator per object schema (`new Function`) on the first parse, which
  // costs more than it saves for the one or two parses a run makes (~6 ms of a plan).
  const parsed = stackConfigSchema.safeParse(input, { reportInput: true, error: configIssueMessage, jitless: true });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = pathToKey(issue.path);
      if (issue.code === "unrecognized_keys") {
        for (const unknown of issue.keys) problems.push(unknownNestedKey(issue.path, unknown, input, raw.secretKeys));
        continue;
      }
      const target = fixTargetAt(stackConfigSchema, issue.path);
      problems.push({
        key,
        message: describeIssue(issue),
        fix: setCommand(target, exampleAt(stackConfigSchema, keyToPath(target))),
      });
    }
  }

  const secretsSet = Object.fromEntries(
    (Object.keys(SECRET_KEYS) as SecretKey[]).map((k) => [k, k in raw.values]),
  ) as Record<SecretKey, boolean>;

  const appSecretNames = secretNamesOf(raw, problems);
  if (parsed.success) {
    for (const check of [crossChecks, hostChecks, tlsChecks, azureChecks, operationsChecks])
      problems.push(...check(parsed.data, composition, secretsSet));
    problems.push(...appsChecks(parsed.data, composition, secretsSet, appSecretNames));
  }

  if (problems.length > 0 || !parsed.success) throw new ConfigError(raw.stack, problems);
  return { ...parsed.data, stack: raw.stack, composition, secretsSet, appSecretNames };
}

/** The names under the secret object `appSecrets` (its values stay unread here: they are secrets). */
function secretNamesOf(raw: RawStackConfig, problems: ConfigProblem[]): string[] {
  const text = raw.values.appSecrets;
  if (text === undefined) return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    problems.push({
      key: "appSecrets",
      message: "must be a map of secret NAME -> value, set one entry at a time with --path.",
      fix: `${rmLiteralCommand("appSecrets")} && ${SECRET_KEYS.appSecrets}`,
    });
    return [];
  }
  const names = Object.keys(value);
  for (const name of names) {
    const v = (value as Record<string, unknown>)[name];
    if (!ENV_NAME.test(name) || typeof v !== "string") {
      problems.push({
        key: `appSecrets.${name}`,
        message: "must be a text secret whose name is letters, digits and _ (not starting with a digit).",
        fix: `pulumi config rm --path 'appSecrets.${name.replace(/'/g, "")}'`,
      });
    }
  }
  return names.filter((n) => ENV_NAME.test(n));
}

function resolveComposition(raw: RawStackConfig, problems: ConfigProblem[]): Composition | undefined {
  const known = COMPOSITIONS.join(", ");
  const given = raw.values.composition;
  if (given !== undefined) {
    if ((COMPOSITIONS as readonly string[]).includes(given)) return given as Composition;
    problems.push({
      key: "composition",
      message: `"${given}" is not a known composition; known compositions: ${known}.`,
      fix: setCommand("composition", "prod"),
    });
    return undefined;
  }
  if ((COMPOSITIONS as readonly string[]).includes(raw.stack)) return raw.stack as Composition;
  problems.push({
    key: "composition",
    message: `stack "${raw.stack}" is not one of the known compositions (${known}); say which one builds it.`,
    fix: setCommand("composition", "prod"),
  });
  return undefined;
}

/** True for a dotted key such as `host.sshHostKey` that names a setting below a section. */
function isSettingPath(key: string): boolean {
  const path = keyToPath(key);
  if (path.length < 2) return false;
  let current: z.ZodType | undefined = stackConfigSchema;
  for (const part of path) current = current && child(current, part);
  return current !== undefined;
}

/** Object-valued keys arrive as JSON text. */
function decodeObject(key: string, text: string | undefined, problems: ConfigProblem[]): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    problems.push({
      key,
      message: `must be an object of settings, got the plain value ${JSON.stringify(text)}.`,
      fix: `${rmLiteralCommand(key)} && ${setCommand(`${key}.<setting>`, undefined)}`,
    });
    return undefined;
  }
}

function describeIssue(issue: { message: string }): string {
  return issue.message.endsWith(".") ? issue.message : `${issue.message}.`;
}

/**
 * The setting below `section` (deeper than its own fields) whose name is `unknown` or a typo of it, when exactly one
 * is: `azure.deployerObjectId` -> `keyVault.deployerObjectId`, a setting written one level too high.
 */
function deeperNear(section: ReturnType<typeof child>, unknown: string): string[] | undefined {
  if (!section) return undefined;
  const deeper = settingKeys(section)
    .filter((k) => k.includes("."))
    .map((k) => k.split("."));
  const near = suggest(
    unknown,
    deeper.map((parts) => parts[parts.length - 1]!),
  );
  const matches = deeper.filter((parts) => parts[parts.length - 1] === near);
  return near !== undefined && matches.length === 1 ? matches[0] : undefined;
}

/** A key of the project namespace that is no setting, with the nearest one (and the value carried) when it is a typo. */
function unknownTopLevelKey(raw: RawStackConfig, key: string, known: string[]): ConfigProblem {
  const suggestion = suggest(key, known);
  const carried = suggestion
    ? ` && ${carriedSetCommand(suggestion, decodedTopLevel(raw.values[key]), raw.secretKeys.has(key))}`
    : "";
  return {
    key,
    message: `is not a setting of this program${suggestion ? ` (did you mean "${suggestion}"?)` : ""}.`,
    fix: `${rmLiteralCommand(key)}${carried}`,
  };
}

/**
 * An unknown key inside a section (`database.engin`), with the nearest setting of that section when it is a typo, or
 * the one setting deeper in it of that name (`azure.deployerObjectId` -> `azure.keyVault.deployerObjectId`); the fix
 * carries the value written there (`input`: the merged sections) unless its section is stored as a secret.
 */
function unknownNestedKey(
  parent: ReadonlyArray<PropertyKey>,
  unknown: string,
  input: Record<string, unknown>,
  secretKeys: ReadonlySet<string>,
): ConfigProblem {
  const path = pathToKey([...parent, unknown]);
  const section = parent.reduce<ReturnType<typeof child>>((s, part) => s && child(s, part), stackConfigSchema);
  const sibling = suggest(unknown, fieldNames(section));
  const nearParts = sibling !== undefined ? [sibling] : deeperNear(section, unknown);
  if (!nearParts) return { key: path, message: "is not a known setting.", fix: rmCommand(path) };
  const nearPath = pathToKey([...parent, ...nearParts]);
  const written = [...parent, unknown].reduce<unknown>(
    (v, part) => (typeof v === "object" && v !== null ? (v as Record<PropertyKey, unknown>)[part] : undefined),
    input,
  );
  const secret = secretKeys.has(String(parent[0]));
  return {
    key: path,
    message: `is not a known setting (did you mean "${nearPath}"?).`,
    fix: `${rmCommand(path)} && ${carriedSetCommand(nearPath, written, secret)}`,
  };
}

/** Rules that span several keys. */
function crossChecks(
  config: SectionsConfig,
  composition: Composition,
  secretsSet: Record<SecretKey, boolean>,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const { network, dns, tls, azure, sites } = config;
  try {
    planSubnets(network);
  } catch (e) {
    problems.push({
      key: "network.vpcCidr",
      message: (e as Error).message,
      fix: setCommand("network.vpcCidr", "10.0.0.0/16"),
    });
  }
  if (dns.enabled && !dns.domain) {
    problems.push({
      key: "dns.domain",
      message: "is required when dns.enabled is true.",
      fix: setCommand("dns.domain", "example.com"),
    });
  }
  if (dns.enabled && dns.provider === "azure" && !azure.enabled) {
    problems.push({
      key: "dns.provider",
      message: "is azure but azure.enabled is false: enable Azure or use route53.",
      fix: setCommand("azure.enabled", "true"),
    });
  }
  if (dns.domain && Object.keys(sites).includes(dns.hostRecordName)) {
    problems.push({
      key: "dns.hostRecordName",
      message: `"${dns.hostRecordName}" is also a site name; the host A record and a site CNAME cannot share a name.`,
      fix: setCommand("dns.hostRecordName", "cname"),
    });
  }
  if (tls.mode === "provided") {
    if (!dns.domain) {
      problems.push({
        key: "dns.domain",
        message: "is required when tls.mode is provided: Nginx serves each site as <site>.<domain>.",
        fix: setCommand("dns.domain", "example.com"),
      });
    }
    for (const key of ["tlsCertificateChain", "tlsPrivateKey"] as const) {
      if (!secretsSet[key]) {
        problems.push({ key, message: "is required when tls.mode is provided.", fix: SECRET_KEYS[key] });
      }
    }
  }
  if (composition === "prod" && tls.mode === "provided" && !Object.values(sites).includes("registry")) {
    problems.push({
      key: "sites",
      message:
        "has no site for the registry (e.g. docker: registry): in prod the registry is reached only through Nginx.",
      fix: setCommand("sites.docker", "registry"),
    });
  }
  return problems;
}
