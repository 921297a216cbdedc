import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadStackFile } from "../../scripts/plan/stackConfig";
import { parseStackConfig } from "../../stacks/config/parse";
import { PROJECT, SCALAR_KEYS, SECRET_KEYS, stackConfigSchema } from "../../stacks/config/schema";
import { PROJECT_DIR } from "./support/runStack";

/**
 * The Pulumi CLI's rules for config declared in Pulumi.yaml, as pulumi/pulumi v3.248.0 implements them in
 * sdk/go/common/workspace/config.go (`mergeConfig`, `validateStackConfigValue`) and project.go
 * (`ValidateConfigValue`, `Project.Validate`):
 * - a key of the project's namespace declared without `default`/`value` and absent from the stack file is
 *   missing: "Stack 'dev' is missing configuration values ...", before the program runs;
 * - an absent key with a default gets it, objects as JSON (`createConfigValue`);
 * - a key declared `secret: true` must be stored encrypted on the stack (a default is stored in plain text);
 * - a declared `type` is checked against the default and against the stack's value.
 * tests/integration/pulumi-cli-config.test.ts checks the same files against the real CLI.
 */
interface Declaration {
  type?: string;
  default?: unknown;
  value?: unknown;
  secret?: boolean;
}
const projectText = readFileSync(join(PROJECT_DIR, "Pulumi.yaml"), "utf8");
const declared = (parse(projectText) as { config: Record<string, Declaration> }).config;

function matchesType(type: string, value: unknown): boolean {
  switch (type) {
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    case "string":
      return typeof value === "string";
    case "boolean":
      return typeof value === "boolean" || value === "true" || value === "false";
    case "integer":
      return Number.isInteger(typeof value === "string" ? Number(value) : value);
    default:
      return Array.isArray(value);
  }
}

/** The stack's config after the CLI merged in the declared defaults (mergeConfig), in the engine's string form. */
function withProjectDefaults(stack: string): { values: Record<string, string>; secretKeys: Set<string> } {
  const file = loadStackFile(PROJECT_DIR, stack);
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(file.config)) values[key.slice(PROJECT.length + 1)] = value;
  for (const [fullKey, d] of Object.entries(declared)) {
    const key = fullKey.slice(PROJECT.length + 1);
    const fallback = d.value ?? d.default;
    if (!(key in values) && fallback !== undefined) {
      values[key] = typeof fallback === "object" ? JSON.stringify(fallback) : String(fallback);
    }
  }
  return { values, secretKeys: new Set(file.secretKeys.map((k) => k.slice(PROJECT.length + 1))) };
}

describe("Pulumi.yaml config declarations under the CLI's rules", () => {
  const entries = Object.entries(declared);

  it.each(entries)("%s has a default, so a stack that does not set it is not 'missing'", (_key, d) => {
    expect(d.default !== undefined || d.value !== undefined).toBe(true);
  });

  it.each(entries)("%s: no secret key carries a plaintext default", (_key, d) => {
    expect(d.secret && (d.default !== undefined || d.value !== undefined)).toBeFalsy();
  });

  it.each(entries)("%s: the default has the declared type", (_key, d) => {
    if (d.type !== undefined) expect(matchesType(d.type, d.default ?? d.value)).toBe(true);
  });

  it("declares every section of the schema, and only keys of the project's namespace", () => {
    expect(Object.keys(declared).sort()).toEqual(
      Object.keys(stackConfigSchema.shape)
        .map((k) => `${PROJECT}:${k}`)
        .sort(),
    );
  });

  it.each([...SCALAR_KEYS, ...Object.keys(SECRET_KEYS)])(
    "names %s (no fixed default, so not declared) in the comment above the declarations",
    (key) => {
      expect(projectText).toMatch(new RegExp(`^#\\s+${PROJECT}:${key}\\s`, "m"));
      expect(declared).not.toHaveProperty(`${PROJECT}:${key}`);
    },
  );

  it.each(["dev", "prod"])("the %s stack file's values have the declared types", (stack) => {
    const { values } = withProjectDefaults(stack);
    for (const [fullKey, d] of Object.entries(declared)) {
      const key = fullKey.slice(PROJECT.length + 1);
      if (d.type !== undefined) expect(matchesType(d.type, JSON.parse(values[key]!)), key).toBe(true);
    }
  });

  it.each(["dev", "prod"])("the declared defaults agree with the program's own on the %s stack", (stack) => {
    const secrets = { tlsCertificateChain: "pem", tlsPrivateKey: "pem" };
    const file = loadStackFile(PROJECT_DIR, stack);
    const plain = Object.fromEntries(Object.entries(file.config).map(([k, v]) => [k.slice(PROJECT.length + 1), v]));
    const merged = withProjectDefaults(stack);
    const secretKeys = new Set([...merged.secretKeys, ...Object.keys(secrets)]);
    const viaCli = parseStackConfig({ stack, values: { ...merged.values, ...secrets }, secretKeys });
    const direct = parseStackConfig({ stack, values: { ...plain, ...secrets }, secretKeys });
    expect(viaCli).toEqual(direct);
  });
});
