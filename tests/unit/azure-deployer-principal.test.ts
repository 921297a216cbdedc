// The Key Vault role assignments' principal type follows who deploys: ARM refuses an assignment whose
// principalType does not match the object. CI signs in as a service principal (ARM_CLIENT_ID), a person as a user.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { deployerPrincipalTypeOf } from "../../components/azureServices/roles";
import { problems, raw } from "./support/rawConfig";
import { PROJECT_DIR, runStack, type StackRun } from "./support/runStack";

describe("deployerPrincipalTypeOf", () => {
  it("is ServicePrincipal when ARM_CLIENT_ID is set (OIDC, client secret, certificate, managed identity)", () => {
    expect(deployerPrincipalTypeOf(undefined, { ARM_CLIENT_ID: "00000000-0000-0000-0000-000000000001" })).toBe(
      "ServicePrincipal",
    );
  });

  it("is User without it (az login), and the configured type always wins", () => {
    expect(deployerPrincipalTypeOf(undefined, {})).toBe("User");
    expect(deployerPrincipalTypeOf(undefined, { ARM_CLIENT_ID: "  " })).toBe("User");
    expect(deployerPrincipalTypeOf("Group", { ARM_CLIENT_ID: "x" })).toBe("Group");
    expect(deployerPrincipalTypeOf("User", { ARM_CLIENT_ID: "x" })).toBe("User");
  });
});

describe("config: a pinned deployer object needs its type", () => {
  const config = (keyVault: Record<string, unknown>) =>
    raw("dev", {
      host: { sshAllowedCidrs: ["203.0.113.10/32"] },
      azure: { enabled: true, keyVault: { expiryAnchor: "2026-11-25", ...keyVault } },
    });

  it("refuses deployerObjectId without deployerPrincipalType, with the fix", () => {
    expect(problems(config({ deployerObjectId: "00000000-0000-0000-0000-000000000002" }))).toEqual([
      expect.objectContaining({
        key: "azure.keyVault.deployerPrincipalType",
        fix: expect.stringContaining("deployerPrincipalType"),
      }),
    ]);
  });
});

describe("both pipelines sign in to Azure with ARM_CLIENT_ID in every job that deploys", () => {
  it("GitHub Actions and Azure Pipelines", () => {
    const github = readFileSync(join(PROJECT_DIR, ".github/workflows/infra.yml"), "utf8");
    const jobs = github.slice(github.indexOf("\njobs:\n")).split(/\n {2}[a-z-]+:\n/);
    const deploys = jobs.filter((job) => job.includes("npm run deploy --"));
    expect(deploys.length).toBe(7); // preview-dev, preview-prod, up-dev, app-dev, up-prod, drift-dev, drift-prod
    for (const job of deploys) expect(job).toContain("ARM_CLIENT_ID:");
    const azure = readFileSync(join(PROJECT_DIR, "azure-pipelines.yml"), "utf8");
    const azureDeploys = (azure.match(/^\s+npm run deploy -- /gm) ?? []).length;
    expect(azureDeploys).toBeGreaterThan(0);
    expect(azure.split('ARM_CLIENT_ID="$servicePrincipalId"').length - 1).toBe(azureDeploys);
  });
});

describe("a CI deploy of the dev stack (ARM_CLIENT_ID set)", () => {
  let run: StackRun;
  beforeAll(async () => {
    vi.stubEnv("ARM_CLIENT_ID", "00000000-0000-0000-0000-000000000001");
    run = await runStack("dev");
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it("assigns the vault roles to a ServicePrincipal", () => {
    const assignments = run.ofType("azure-native:authorization:RoleAssignment");
    expect(assignments).toHaveLength(2);
    for (const a of assignments) expect(a.props.principalType).toBe("ServicePrincipal");
  });
});
