// The Key Vault role assignments' principal type follows who deploys: ARM refuses an assignment whose
// principalType does not match the object. CI signs in as a service principal (ARM_CLIENT_ID), a person as a user.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { deployerPrincipalTypeOf } from "../../components/azureServices/roles";
import { parse } from "yaml";
import { parseStackConfig } from "../../stacks/config/parse";
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

describe("config: pinning the deployer object (what a read-only preview identity needs)", () => {
  const HOST = { sshAllowedCidrs: ["203.0.113.10/32"] };
  const withKeyVault = (keyVault: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    raw("dev", {
      host: HOST,
      azure: { enabled: true, keyVault: { expiryAnchor: "2026-11-25", ...keyVault }, ...extra },
    });

  it("accepts a GUID in any case and keeps it in lower case, as ARM reports it (no perpetual diff)", () => {
    const config = parseStackConfig(
      withKeyVault({
        deployerObjectId: " 0A1B2C3D-0000-4000-8000-00000000ABCD ",
        deployerPrincipalType: "ServicePrincipal",
      }),
    );
    expect(config.azure.keyVault.deployerObjectId).toBe("0a1b2c3d-0000-4000-8000-00000000abcd");
  });

  it("refuses anything else, naming the key, the form and where to find the id", () => {
    expect(
      problems(withKeyVault({ deployerObjectId: "my-ci-app", deployerPrincipalType: "ServicePrincipal" })),
    ).toEqual([
      {
        key: "azure.keyVault.deployerObjectId",
        message:
          "must be an Entra object id: a GUID such as 00000000-0000-0000-0000-000000000000 (the deploy identity's " +
          "object id: `az ad sp show --id <client id> --query id -o tsv`).",
        fix: "pulumi config set --path 'azure.keyVault.deployerObjectId' 00000000-0000-0000-0000-000000000000",
      },
    ]);
  });

  it("points azure.deployerObjectId (one level too high) at azure.keyVault.deployerObjectId", () => {
    expect(problems(withKeyVault({}, { deployerObjectId: "0a1b2c3d-0000-4000-8000-00000000abcd" }))).toEqual([
      {
        key: "azure.deployerObjectId",
        message: 'is not a known setting (did you mean "azure.keyVault.deployerObjectId"?).',
        fix:
          "pulumi config rm --path 'azure.deployerObjectId' && pulumi config set --path " +
          "'azure.keyVault.deployerObjectId' 0a1b2c3d-0000-4000-8000-00000000abcd",
      },
    ]);
    // A typo one level too high is found too; an unrelated word is not guessed at.
    expect(problems(withKeyVault({}, { deployerObjectID: "x" }))[0]!.message).toBe(
      'is not a known setting (did you mean "azure.keyVault.deployerObjectId"?).',
    );
    expect(problems(withKeyVault({}, { colour: "blue" }))[0]!.message).toBe("is not a known setting.");
  });
});

describe("a preview by another identity with the deployer pinned (dev stack)", () => {
  let run: StackRun;
  const PINNED = "0a1b2c3d-0000-4000-8000-00000000abcd";
  beforeAll(async () => {
    vi.stubEnv("ARM_CLIENT_ID", "00000000-0000-0000-0000-0000000000ff"); // the preview identity signs in
    const file = parse(readFileSync(join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8")).config["startup-infra:azure"];
    run = await runStack("dev", {
      azure: {
        ...file,
        keyVault: {
          ...file.keyVault,
          deployerObjectId: PINNED.toUpperCase(),
          deployerPrincipalType: "ServicePrincipal",
        },
      },
    });
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it("plans the vault roles for the pinned deploy identity, not for whoever runs", () => {
    const assignments = run.ofType("azure-native:authorization:RoleAssignment");
    expect(assignments).toHaveLength(2);
    for (const a of assignments)
      expect([a.props.principalId, a.props.principalType]).toEqual([PINNED, "ServicePrincipal"]);
  });
});

describe("both pipelines sign in to Azure with ARM_CLIENT_ID in every job that deploys", () => {
  it("GitHub Actions and Azure Pipelines", () => {
    const github = readFileSync(join(PROJECT_DIR, ".github/workflows/infra.yml"), "utf8");
    const jobs = github.slice(github.indexOf("\njobs:\n")).split(/\n {2}[a-z-]+:\n/);
    const deploys = jobs.filter((job) => job.includes("npm run deploy --"));
    expect(deploys.length).toBe(8); // preview-dev, preview-prod, up-dev, app-dev, up-prod, app-prod, drift-dev, drift-prod
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
