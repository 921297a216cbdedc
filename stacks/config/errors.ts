import type { z } from "zod";
import { child, unwrap } from "./introspect";
import { PROJECT } from "./schema";

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

/** `pulumi config set` for a dotted key path (`--path` when it is nested). */
export function setCommand(key: string, example: string | undefined): string {
  const value = example === undefined ? "<value>" : shellQuote(example);
  return key.includes(".") || key.includes("[")
    ? `pulumi config set --path '${key}' ${value}`
    : `pulumi config set ${key} ${value}`;
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:@=+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
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
  let found = exampleOf(current);
  for (const part of path) {
    current = current && child(current, part);
    if (!current) break;
    found = exampleOf(current) ?? found;
  }
  return current ? exampleOf(current) : found;
}

/** True when the schema at `path` is an array (the fix then sets its first element). */
export function isArrayAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): boolean {
  let current: z.ZodType | undefined = schema;
  for (const part of path) current = current && child(current, part);
  while (current) {
    if ((current._zod.def as { type: string }).type === "array") return true;
    current = unwrap(current);
  }
  return false;
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
