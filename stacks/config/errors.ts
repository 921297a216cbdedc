import type { z } from "zod";
import { child, unwrap } from "./introspect";
import { PROJECT, stackConfigSchema } from "./schema";

/** One config problem: which key, what is wrong, and the command that fixes it. */
export interface ConfigProblem {
  /** Dotted path below the project namespace, e.g. `network.vpcCidr`. */
  key: string;
  message: string;
  /** A `pulumi config set` command that fixes it (with an example value where one is known). */
  fix: string;
}

/** Thrown when the stack config is invalid; its message lists every problem at once. */
export class ConfigError extends Error {
  constructor(
    readonly stack: string,
    readonly problems: ConfigProblem[],
  ) {
    super(formatProblems(stack, problems));
    this.name = "ConfigError";
  }
}

export function formatProblems(stack: string, problems: ConfigProblem[]): string {
  const lines = [
    `Invalid configuration for stack "${stack}": ${problems.length} problem${problems.length === 1 ? "" : "s"}.`,
  ];
  for (const p of problems) {
    lines.push(`  - ${PROJECT}:${p.key}: ${p.message}`);
    lines.push(`      fix: ${p.fix}`);
  }
  return lines.join("\n");
}

/**
 * `pulumi config set` for a dotted key path, safe to paste into a shell: `--path` when the key is nested (without
 * it the CLI stores the literal key `a.b`), every key and value shell-quoted, `--` before a value that starts with
 * `-` (the CLI would read it as a flag), and `--type string` when the setting is text but the value is one the
 * CLI's `--path` would store as a number or boolean (base-10 digits not starting with 0, `true`, `false`: `coerce`
 * in pulumi/pulumi sdk/go/common/resource/config/object.go). Without an example the value is the quoted
 * placeholder `'<placeholder>'`, which pastes as harmless literal text.
 */
export function setCommand(key: string, example: string | undefined, placeholder = "value"): string {
  const value = example === undefined ? `'<${placeholder}>'` : shellQuote(example);
  const separator = example?.startsWith("-") ? "-- " : "";
  if (!isNestedKey(key)) return `pulumi config set ${shellQuote(key)} ${separator}${value}`;
  const asText = example !== undefined && cliCoerces(example) && isTextAt(stackConfigSchema, keyToPath(key));
  return `pulumi config set --path ${singleQuote(key)}${asText ? " --type string" : ""} ${separator}${value}`;
}

/**
 * `pulumi config set --secret` with a placeholder for the value: how a fix names a value the user stored as a secret
 * without echoing it.
 */
export function secretSetCommand(key: string): string {
  const target = isNestedKey(key) ? `--path ${singleQuote(key)}` : shellQuote(key);
  return `pulumi config set --secret ${target} '<secret value>'`;
}

/** `pulumi config rm` for a dotted key path: `--path` when nested, the key shell-quoted. */
export function rmCommand(key: string): string {
  return isNestedKey(key) ? `pulumi config rm --path ${singleQuote(key)}` : `pulumi config rm ${shellQuote(key)}`;
}

/** `pulumi config rm` of a literal top-level key, even one with dots (set once without `--path`). */
export function rmLiteralCommand(key: string): string {
  return `pulumi config rm ${shellQuote(key)}`;
}

function isNestedKey(key: string): boolean {
  return key.includes(".") || key.includes("[");
}

/** Values the CLI's `config set --path` turns into a number or a boolean unless told `--type string`. */
function cliCoerces(value: string): boolean {
  return value === "true" || value === "false" || /^[1-9][0-9]*$/.test(value) || value === "0";
}

/** Shell-quotes `s` unless it is made only of characters no shell treats specially. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:@=+,-]+$/.test(s) ? s : singleQuote(s);
}

function singleQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `host.sshAllowedCidrs[0]` as a path: `["host", "sshAllowedCidrs", 0]`. */
export function keyToPath(key: string): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (const m of key.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) path.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return path;
}

/** True when the schema at `path` takes text (so digits meant as text need `--type string`). */
export function isTextAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): boolean {
  return isKindAt(schema, path, "string");
}

/** Dotted path as `pulumi config set --path` spells it: `host.sshAllowedCidrs[0]`. */
export function pathToKey(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** The `example` metadata of the schema at `path`, if any (used to make the fix command concrete). */
export function exampleAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string | undefined {
  let current: z.ZodType | undefined = schema;
  let parent: z.ZodType | undefined;
  let found = exampleOf(current);
  for (const part of path) {
    parent = current;
    current = current && child(current, part);
    if (!current) break;
    found = exampleOf(current) ?? found;
  }
  if (!current) return found;
  // An array's example is one of its elements (`aws.allowedAccountIds[0]`).
  const elementOfArray = typeof path.at(-1) === "number" && parent !== undefined;
  return exampleOf(current) ?? (elementOfArray ? exampleOf(parent!) : undefined);
}

/** True when the schema at `path` is a map (`z.record`; the fix then sets one entry of it). */
export function isRecordAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): boolean {
  return isKindAt(schema, path, "record");
}

/**
 * The key a fix sets for a problem at `path`: the setting itself, the first element of a list (`aws.allowedAccountIds[0]`),
 * or one entry of a map (`sites.www`, `host.siteAllowedCidrs.www[0]`): a map or a list cannot be set from one value.
 */
export function fixTargetAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string {
  const entry = isRecordAt(schema, path) ? [...path, "www"] : [...path];
  return isArrayAt(schema, entry) ? `${pathToKey(entry)}[0]` : pathToKey(entry);
}

/** True when the schema at `path` is an object of settings or a map: one plain value cannot set it. */
export function isMapAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): boolean {
  return isKindAt(schema, path, "object") || isKindAt(schema, path, "record");
}

/** True when the schema at `path` is an array (the fix then sets its first element). */
export function isArrayAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): boolean {
  return isKindAt(schema, path, "array");
}

function exampleOf(schema: z.ZodType): string | undefined {
  let s: z.ZodType | undefined = schema;
  while (s) {
    const example = (s.meta() as { example?: unknown } | undefined)?.example;
    if (example !== undefined) return String(example);
    s = unwrap(s);
  }
  return undefined;
}

/** True when the schema at `path`, under its optional/default/pipe wrappers, is of zod kind `kind`. */
function isKindAt(
  schema: z.ZodType,
  path: ReadonlyArray<PropertyKey>,
  kind: "string" | "object" | "record" | "array",
): boolean {
  let current: z.ZodType | undefined = schema;
  for (const part of path) current = current && child(current, part);
  while (current) {
    if ((current._zod.def as { type: string }).type === kind) return true;
    current = unwrap(current);
  }
  return false;
}
