// The Pulumi CLI version this project needs (scripts/deploy/cli-version.ts): Pulumi.yaml's `type: object` settings
// are accepted from v3.187.0; the deploy command refuses an older CLI before any other work.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PulumiCommand } from "@pulumi/pulumi/automation";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AutomationWorkspace } from "../../scripts/deploy/automation-workspace";
import { cliVersionProblem, MIN_PULUMI_CLI } from "../../scripts/deploy/cli-version";
import { PulumiCliMissingError } from "../../scripts/deploy/errors";
import { PROJECT_DIR } from "./support/runStack";

describe("cliVersionProblem", () => {
  it.each(["3.187.0", "v3.187.0", "3.187.1", "3.248.0", "v3.248.0", "4.0.0", "3.187.0+dirty"])("accepts %s", (v) => {
    expect(cliVersionProblem(v)).toBeUndefined();
  });

  it.each(["3.186.0", "v3.186.9", "3.100.0", "2.99.99", "3.187.0-alpha.1"])("refuses %s, naming both versions", (v) => {
    expect(cliVersionProblem(v)).toBe(
      `it is v${v.replace(/^v/, "")}, older than v3.187.0, the first that accepts the \`type: object\` settings of Pulumi.yaml`,
    );
  });

  it("refuses a version it cannot read", () => {
    expect(cliVersionProblem(undefined)).toMatch(/could not be read; this project needs v3\.187\.0 or newer/);
    expect(cliVersionProblem("dev")).toMatch(/\(dev\) could not be read/);
  });

  it("the minimum covers Pulumi.yaml (type: object), and the CLI the tests build meets it", () => {
    expect(readFileSync(join(PROJECT_DIR, "Pulumi.yaml"), "utf8")).toMatch(/^\s+type: object$/m);
    expect(cliVersionProblem("3.186.99")).toBeDefined();
    const lock = JSON.parse(readFileSync(join(PROJECT_DIR, "package-lock.json"), "utf8")) as {
      packages: Record<string, { version: string }>;
    };
    expect(cliVersionProblem(lock.packages["node_modules/@pulumi/pulumi"]!.version)).toBeUndefined();
    expect(MIN_PULUMI_CLI).toBe("3.187.0");
  });
});

describe("the deploy command's CLI check", () => {
  afterEach(() => vi.restoreAllMocks());
  const cli = (version: string) =>
    vi.spyOn(PulumiCommand, "get").mockResolvedValue({ version: { version } } as unknown as PulumiCommand);

  it("refuses a CLI older than v3.187.0 with the reason and the install hint (exit 2)", async () => {
    cli("3.186.0");
    const workspace = new AutomationWorkspace(PROJECT_DIR);
    const err = await workspace.ensureCli().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PulumiCliMissingError);
    expect((err as Error).message).toBe(
      "the Pulumi CLI is required but it is v3.186.0, older than v3.187.0, the first that accepts the " +
        "`type: object` settings of Pulumi.yaml; install it: https://www.pulumi.com/docs/install/",
    );
  });

  it("accepts v3.187.0 and newer", async () => {
    cli("3.187.0");
    await expect(new AutomationWorkspace(PROJECT_DIR).ensureCli()).resolves.toBeUndefined();
  });
});
