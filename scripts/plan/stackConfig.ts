import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parseDocument } from "yaml";
import { mergeDefaults } from "../../stacks/config/defaults";
import { PROJECT, sections } from "../../stacks/config/schema";

/** Placeholder values the offline plan uses for secret keys it cannot decrypt (no CLI, no passphrase). */
export const PLAN_SECRET_PLACEHOLDERS: Record<string, string> = {};

export interface LoadedStackFile {
  /** Full keys -> engine string values (objects as JSON). */
  config: Record<string, string>;
  /** Full keys that are secret (`secure:` entries in the file, or added as secrets). */
  secretKeys: string[];
}

/**
 * A stack or override file the plan cannot use: missing, not YAML, or holding keys the program would not read.
 * The plan exits 2 with this message (a usage/config error, like an invalid setting).
 */
export class StackFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackFileError";
  }
}

/**
 * Reads `Pulumi.<stack>.yaml` (and optionally an override file in the same format) into the engine's config form.
 * The override file is applied the way `pulumi config set --path` would apply each of its values: objects are
 * merged key by key into the stack's settings, arrays and plain values replace the stack's. Every key of the
 * override file is applied or the whole load fails with a StackFileError naming it; nothing is silently ignored.
 * `secure:` values cannot be decrypted offline: they become placeholders from `secretValues` (or a fixed dummy
 * string) and stay marked secret.
 */
export function loadStackFile(
  projectDir: string,
  stack: string,
  overrideFile?: string,
  secretValues: Record<string, string> = PLAN_SECRET_PLACEHOLDERS,
): LoadedStackFile {
  const stackFile = join(projectDir, `Pulumi.${stack}.yaml`);
  const values = readConfigBlock(stackFile, readStackFile(projectDir, stack, stackFile), false);
  if (overrideFile !== undefined) {
    const overrides = readConfigBlock(overrideFile, readOverrideFile(overrideFile), true);
    for (const [key, value] of Object.entries(overrides)) values[key] = mergeOverride(values[key], value);
  }

  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    if (isSecure(value)) {
      config[key] = secretValues[key.slice(PROJECT.length + 1)] ?? "offline-plan-placeholder-secret";
      secretKeys.push(key);
    } else if (hasSecureLeaf(value)) {
      // `pulumi config set --secret --path 'appSecrets.X'`: an object with secure leaves; the engine marks the key secret.
      config[key] = JSON.stringify(replaceSecureLeaves(value));
      secretKeys.push(key);
    } else {
      config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  return { config, secretKeys };
}

/**
 * One override value applied over the stack's value the way `pulumi config set --path` applies it: objects merged
 * key by key (recursively), arrays and plain values replaced, a `secure:` value replaced as a whole.
 */
export function mergeOverride(stackValue: unknown, override: unknown): unknown {
  if (isSecure(stackValue) || isSecure(override)) return override;
  return mergeDefaults(stackValue, override);
}

/** The names of the stacks that have a stack file in `projectDir`. */
export function stackNames(projectDir: string): string[] {
  return readdirSync(projectDir)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

function readStackFile(projectDir: string, stack: string, file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    const known = stackNames(projectDir);
    throw new StackFileError(
      `plan: there is no stack "${stack}" (no ${basename(file)} in ${projectDir}). ` +
        (known.length > 0 ? `Stacks that exist: ${known.join(", ")}.` : "No stack files exist yet."),
    );
  }
}

function readOverrideFile(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "ENOENT") throw new StackFileError(`plan: --config-file ${file}: no such file.`);
    if (err.code === "EISDIR") throw new StackFileError(`plan: --config-file ${file} is a directory, not a file.`);
    throw new StackFileError(`plan: --config-file ${file} cannot be read: ${err.message}`);
  }
}

/**
 * The `config:` block of a stack-format file with full keys (`startup-infra:host`). An override file must have one
 * and nothing else; each of its keys must be a setting of this program (provider keys such as `aws:region` are
 * refused: the program creates its providers from its own settings and would not read them).
 */
function readConfigBlock(file: string, text: string, isOverride: boolean): Record<string, unknown> {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => {
      const [line, col] = [e.linePos?.[0].line, e.linePos?.[0].col];
      const where = line === undefined ? file : `${file}:${line}:${col}`;
      const [summary, ...frame] = e.message.split("\n");
      return `${where}: ${summary!.replace(/ at line \d+, column \d+:$/, "")}\n${frame.join("\n").trimEnd()}`;
    });
    throw new StackFileError(`plan: ${file} is not valid YAML:\n${lines.join("\n")}`);
  }
  const root: unknown = doc.toJS();
  const problems: string[] = [];
  let block: Record<string, unknown> = {};
  if (root === null || root === undefined) {
    if (isOverride) problems.push("is empty: it needs a top-level `config:` block.");
  } else if (!isObject(root)) {
    problems.push("must be a mapping with a top-level `config:` block.");
  } else {
    const extra = Object.keys(root).filter((k) => k !== "config");
    if (isOverride && extra.length > 0) {
      problems.push(
        root.config === undefined
          ? `has no top-level \`config:\` block; found ${extra.map((k) => `\`${k}\``).join(", ")} at the top level. ` +
              "Override files use the stack file format: put the settings under `config:`, e.g.\n" +
              "        config:\n          startup-infra:host:\n            instanceType: t3.small"
          : `has top-level keys the plan does not read: ${extra.map((k) => `\`${k}\``).join(", ")} (only \`config:\` is applied).`,
      );
    }
    if (root.config !== undefined && root.config !== null && !isObject(root.config)) {
      problems.push("`config:` must be a mapping of setting names to values.");
    } else if (isObject(root.config)) {
      block = root.config;
    }
  }
  const out: Record<string, unknown> = {};
  for (const [rawKey, value] of Object.entries(block)) {
    const key = rawKey.includes(":") ? rawKey : `${PROJECT}:${rawKey}`;
    const problem = isOverride ? foreignKeyProblem(key) : undefined;
    if (problem) problems.push(problem);
    else out[key] = value;
  }
  if (problems.length > 0) throw new StackFileError(`plan: ${file}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  return out;
}

/** Settings of this program that replace a provider's own config key. */
const PROVIDER_KEY_INSTEAD: Record<string, string> = {
  "aws:region": "aws.region",
  "aws:allowedAccountIds": "aws.allowedAccountIds",
  "azure-native:location": "azure.location",
};

/** Why a key of another namespace (a provider's, such as `aws:region`) cannot be applied, with what to set instead. */
function foreignKeyProblem(key: string): string | undefined {
  const namespace = key.slice(0, key.indexOf(":"));
  if (namespace === PROJECT) return undefined;
  const instead = PROVIDER_KEY_INSTEAD[key];
  const section = namespace === "azure-native" ? "azure" : namespace;
  const hint = instead
    ? `set \`${instead}\` under \`${PROJECT}:${instead.split(".")[0]}\` instead`
    : section in sections
      ? `use the settings under \`${PROJECT}:${section}\` instead`
      : `only \`${PROJECT}:\` settings are read`;
  return `\`${key}\` is not applied: this program creates its providers from its own settings and never reads \`${namespace}:\` keys; ${hint}.`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function hasSecureLeaf(value: unknown): boolean {
  if (isSecure(value)) return true;
  if (Array.isArray(value)) return value.some(hasSecureLeaf);
  return isObject(value) && Object.values(value).some(hasSecureLeaf);
}

function replaceSecureLeaves(value: unknown): unknown {
  if (isSecure(value)) return "offline-plan-placeholder-secret";
  if (Array.isArray(value)) return value.map(replaceSecureLeaves);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceSecureLeaves(v)]));
  return value;
}

function isSecure(value: unknown): boolean {
  return isObject(value) && "secure" in value && Object.keys(value).length === 1;
}
