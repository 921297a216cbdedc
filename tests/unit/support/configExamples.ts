/**
 * The config docs' example of every setting (the `example` each key of the schema carries, which the README's config
 * table and every fix command print), applied over a stack file: the AWS API check runs the program over these too,
 * so a documented example that AWS would refuse fails a test.
 */
import { exampleAt, isArrayAt, isRecordAt, isTextAt, keyToPath } from "../../../stacks/config/errors";
import { child, settingKeys } from "../../../stacks/config/introspect";
import { stackConfigSchema } from "../../../stacks/config/schema";
import { loadStackFile } from "../../../scripts/plan/stackConfig";
import { PROJECT } from "../../../stacks/config/schema";
import { PROJECT_DIR } from "./runStack";
import type { z } from "zod";

/** A setting left out of one example run, and why. */
export type Excluded = Record<string, string>;

/** The example of `key` as the value a stack file holds (number, boolean, text, a one-element list or map). */
export function exampleValue(key: string): unknown {
  const path = keyToPath(key);
  if (isRecordAt(stackConfigSchema, path)) {
    // A map (host.siteAllowedCidrs): one entry, under a site the stack files serve.
    // The example is the record's (one entry's value, or one element of it).
    const inner = [...path, "www"];
    const value = scalar(path, inner);
    return { www: isArrayAt(stackConfigSchema, inner) ? [value] : value };
  }
  if (isArrayAt(stackConfigSchema, path)) {
    const element = elementSchema(path);
    const fields = element ? settingKeys(element) : [""];
    if (fields.length > 1 || (fields[0] ?? "") !== "") {
      // A list of objects (dns.extraRecords): one element built from its fields' examples.
      return [Object.fromEntries(fields.map((f) => [f, exampleValue(`${key}[0].${f}`)]))];
    }
    return [scalar([...path, 0])];
  }
  return scalar(path);
}

function elementSchema(path: PropertyKey[]): z.ZodType | undefined {
  let s: z.ZodType | undefined = stackConfigSchema;
  for (const part of [...path, 0]) s = s && child(s, part);
  return s;
}

function scalar(path: PropertyKey[], valuePath: PropertyKey[] = path): unknown {
  const example = exampleAt(stackConfigSchema, path);
  if (example === undefined) throw new Error(`no documented example for ${path.join(".")}`);
  if (isTextAt(stackConfigSchema, valuePath) || isTextAt(stackConfigSchema, [...valuePath, 0])) return example;
  if (example === "true" || example === "false") return example === "true";
  if (/^-?\d+(\.\d+)?$/.test(example)) return Number(example);
  if (isArrayAt(stackConfigSchema, path)) return example.split(",");
  return example;
}

/** Every setting key of `sections` (dotted), for the coverage check. */
export function sectionKeys(sections: string[]): string[] {
  return settingKeys(stackConfigSchema).filter((k) => sections.includes(k.split(".")[0]!));
}

/**
 * The stack file's sections with every key of `sections` set to its example, except `excluded`: section name ->
 * merged object (as runStack's overrides take them).
 */
export function withExamples(stack: string, sections: string[], excluded: Excluded): Record<string, unknown> {
  const file = loadStackFile(PROJECT_DIR, stack);
  const out: Record<string, Record<string, unknown>> = {};
  for (const section of sections) {
    const raw = file.config[`${PROJECT}:${section}`];
    out[section] = raw === undefined ? {} : (JSON.parse(raw) as Record<string, unknown>);
  }
  for (const key of sectionKeys(sections)) {
    if (key in excluded) continue;
    const [section, ...rest] = key.split(".");
    let target = out[section!]!;
    for (const part of rest.slice(0, -1)) target = (target[part] ??= {}) as Record<string, unknown>;
    target[rest.at(-1)!] = exampleValue(key);
  }
  return out;
}
