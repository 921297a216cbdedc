import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { DEFAULT_DEPLOYED_BY } from "../../components/apps/release";
import { rules } from "../../policy/rules";
import { child, settingKeys } from "../../stacks/config/introspect";
import { SCALAR_KEYS, SECRET_KEYS, stackConfigSchema } from "../../stacks/config/schema";
import { appSchema } from "../../stacks/config/sections/apps";
import { PROJECT_DIR } from "./support/runStack";

const configurationDoc = readFileSync(join(PROJECT_DIR, "docs", "configuration.md"), "utf8");
const policyDoc = readFileSync(join(PROJECT_DIR, "docs", "policy.md"), "utf8");
const projectFile = readFileSync(join(PROJECT_DIR, "Pulumi.yaml"), "utf8");

describe("every config key is documented", () => {
  const keys = [...settingKeys(stackConfigSchema), ...SCALAR_KEYS, ...Object.keys(SECRET_KEYS)];

  it("walks the whole schema", () => {
    expect(keys).toContain("network.vpcCidr");
    expect(keys).toContain("database.engine");
    expect(keys.length).toBeGreaterThan(40);
  });

  it.each(keys)("docs/configuration.md documents %s", (key) => {
    expect(configurationDoc).toContain(`\`${key}\``);
  });

  // Keys without a fixed default (composition, the secrets) are named in a comment instead: project-config.test.ts.
  it.each(Object.keys(stackConfigSchema.shape))("Pulumi.yaml declares startup-infra:%s", (key) => {
    expect(projectFile).toContain(`startup-infra:${key}:`);
  });
});

describe("every policy rule is documented", () => {
  it.each(rules.map((r) => [r.name, r.enforcementLevel] as const))("docs/policy.md lists %s as %s", (name, level) => {
    expect(policyDoc).toMatch(new RegExp(`\\| \`${name}\` \\| ${level} \\|`));
  });

  it("the policy table at a glance is the rules' own names, levels and descriptions (with their scanner IDs), in order", () => {
    const table = policyDoc.split("\n").filter((line) => /^\| `[a-z0-9-]+` \| (mandatory|advisory) \| /.test(line));
    expect(table).toEqual(rules.map((r) => `| \`${r.name}\` | ${r.enforcementLevel} | ${r.description} |`));
  });

  it("docs/policy.md has a row for every rule in its area's table", () => {
    for (const r of rules) expect(policyDoc, r.name).toMatch(new RegExp(`\\| \`${r.name}\` \\| [^|]+ \\| (M|A)\\b`));
  });
});

describe("docs/apps.md's settings table is the app schema", () => {
  const appsDoc = readFileSync(join(PROJECT_DIR, "docs", "apps.md"), "utf8");
  const header = "| Setting | Default | Meaning |";
  const start = appsDoc.indexOf(header);
  // The table's rows: the lines after the header and its rule, up to the blank line that ends it.
  const rows = appsDoc
    .slice(start)
    .split("\n\n")[0]!
    .split("\n")
    .slice(2)
    .map((line) => line.split(" | ").map((cell) => cell.replace(/^\| ?/, "")));
  const documented = rows.map(([key]) => key!.replace(/^`|`$/g, ""));
  // What an app with only its required settings becomes: every default the schema fills in.
  const minimal = appSchema.parse({ image: "web:1.4.2", port: 8080 });
  const valueAt = (key: string): unknown =>
    key.split(".").reduce<unknown>((v, part) => (v as Record<string, unknown> | undefined)?.[part], minimal);
  // Defaults the component fills in rather than the schema (the deploy records who asked).
  const componentDefaults: Record<string, string> = { deployedBy: DEFAULT_DEPLOYED_BY };

  /** The Default cell `key` must have: `required`, `none`, the default in code format (strings) or as it is. */
  function expectedDefault(key: string): string {
    const field = key
      .split(".")
      .reduce<z.ZodType | undefined>((schema, part) => schema && child(schema, part), appSchema);
    if (!field?.safeParse(undefined).success) return "required";
    const value = componentDefaults[key] ?? valueAt(key);
    if (value === undefined || (typeof value === "object" && Object.keys(value as object).length === 0)) return "none";
    return typeof value === "string" ? `\`${value}\`` : String(value);
  }

  it("has a row for every app setting, in the schema's order, and no other", () => {
    expect(start).toBeGreaterThan(0);
    expect(documented).toEqual(settingKeys(appSchema));
  });

  it.each(settingKeys(appSchema))("the Default column of %s is the schema's", (key) => {
    expect(rows[documented.indexOf(key)]?.[1]).toBe(expectedDefault(key));
  });
});
