import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rules } from "../../policy/rules";
import { settingKeys } from "../../stacks/config/introspect";
import { SCALAR_KEYS, SECRET_KEYS, stackConfigSchema } from "../../stacks/config/schema";
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
