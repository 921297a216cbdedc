import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { MOCK_AZURE } from "../../scripts/plan/mocks/azure";
import { containsSecret, maskSecrets } from "../../scripts/plan/secrets";
import { runStack, type StackRun } from "./support/runStack";

// The dev stack file turns Azure on with expiryAnchor 2026-11-25 and the default 365-day expiries.
const EXPIRES_2027_11_25 = Date.UTC(2027, 10, 25) / 1000;

let run: StackRun;
let warnings: string[];
beforeAll(async () => {
  // Expiries come from the anchor in config, never from the clock: run as if it were 2031.
  vi.spyOn(Date, "now").mockReturnValue(Date.UTC(2031, 0, 1));
  const pulumi = await import("@pulumi/pulumi");
  warnings = [];
  vi.spyOn(pulumi.log, "warn").mockImplementation(async (message: string) => {
    warnings.push(message);
  });
  // A person's deploy: no ARM_CLIENT_ID (its presence means a service principal, see azure-deployer-principal).
  vi.stubEnv("ARM_CLIENT_ID", "");
  run = await runStack("dev");
});
afterAll(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

const azure = (type: string) => run.ofType(`azure-native:${type}`);

describe("dev: the Azure side is deployed by default, with an explicit provider", () => {
  it("configures one azure-native provider from config (location)", () => {
    const providers = run.ofType("pulumi:providers:azure-native");
    expect(providers).toHaveLength(1);
    expect(providers[0]!.props.location).toBe("koreacentral");
  });

  it("parents every Azure resource under the AzureServices component", () => {
    const component = run.named("dev-azure");
    expect(component.type).toBe("startup:azure:AzureServices");
    const descendants = new Set([component.urn]);
    for (const r of run.resources) if (r.parent && descendants.has(r.parent)) descendants.add(r.urn);
    const azureResources = run.resources.filter((r) => r.type.startsWith("azure-native:"));
    expect(azureResources.length).toBeGreaterThanOrEqual(10);
    for (const r of azureResources) expect(descendants.has(r.urn), r.name).toBe(true);
  });

  it("tags the resource group, storage account and vault like the AWS side", () => {
    const tags = { Project: "startup-infra", Stack: "dev", Environment: "dev", ManagedBy: "pulumi" };
    for (const type of ["resources:ResourceGroup", "storage:StorageAccount", "keyvault:Vault", "keyvault:Key"]) {
      expect(azure(type)[0]!.props.tags, type).toEqual(tags);
    }
  });
});

describe("dev: storage account (security bar: Azure Storage)", () => {
  it("is StorageV2 with TLS 1.2, HTTPS only, no public blobs, no shared keys, LRS", () => {
    const [account] = azure("storage:StorageAccount");
    expect(account!.props).toMatchObject({
      kind: "StorageV2",
      sku: { name: "Standard_LRS" },
      minimumTlsVersion: "TLS1_2",
      enableHttpsTrafficOnly: true,
      allowBlobPublicAccess: false,
      allowSharedKeyAccess: false,
      defaultToOAuthAuthentication: true,
      location: "koreacentral",
    });
    expect(account!.protect).toBe(false);
  });

  it("has a derived, valid, globally-unique-by-suffix name", () => {
    const name = azure("storage:StorageAccount")[0]!.props.accountName as string;
    expect(name).toMatch(/^stdev[0-9a-f]{6}$/);
    expect(run.outputs.azureStorageAccountName!.value).toBe(name);
  });

  it("creates only private containers", () => {
    const containers = azure("storage:BlobContainer");
    expect(containers.map((c) => c.props.containerName)).toEqual(["uploads"]);
    for (const c of containers) expect(c.props.publicAccess).toBe("None");
  });

  it("leaves soft delete and versioning to prod (no blob service properties in dev)", () => {
    expect(azure("storage:BlobServiceProperties")).toHaveLength(0);
  });
});

describe("dev: Key Vault (security bar: Key Vault)", () => {
  it("uses RBAC, soft delete (7 days in dev) and NO purge protection", () => {
    const [vault] = azure("keyvault:Vault");
    const props = vault!.props.properties;
    expect(props).toMatchObject({
      enableRbacAuthorization: true,
      enableSoftDelete: true,
      softDeleteRetentionInDays: 7,
      tenantId: MOCK_AZURE.tenantId,
      sku: { family: "A", name: "standard" },
      networkAcls: { bypass: "AzureServices", defaultAction: "Allow", ipRules: [] },
    });
    // Purge protection cannot be undone: it must be absent in dev, not even `false`.
    expect("enablePurgeProtection" in props).toBe(false);
    expect(vault!.protect).toBe(false);
    expect(vault!.props.vaultName).toMatch(/^kv-dev-[0-9a-f]{6}$/);
  });

  it("gives the deploying identity the Secrets Officer and Crypto Officer roles on the vault", () => {
    const vault = azure("keyvault:Vault")[0]!;
    const assignments = azure("authorization:RoleAssignment");
    expect(assignments.map((a) => a.props.roleDefinitionId).sort()).toEqual([
      `/subscriptions/${MOCK_AZURE.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/14b46e9e-c2b7-41b4-b07b-48a6ebf60603`,
      `/subscriptions/${MOCK_AZURE.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/b86a8fe4-44ce-4948-aee5-eccb2c155cd7`,
    ]);
    for (const a of assignments) {
      expect(a.props.principalId).toBe(MOCK_AZURE.objectId);
      expect(a.props.principalType).toBe("User");
      expect(a.dependsOn).toContain(vault.urn);
    }
  });

  it("holds an RSA 3072 signing key that expires (anchor + 365 days) and rotates 30 days before", () => {
    const [key] = azure("keyvault:Key");
    expect(key!.props.properties).toEqual({
      kty: "RSA",
      keySize: 3072,
      keyOps: ["sign", "verify"],
      attributes: { enabled: true, expires: EXPIRES_2027_11_25, exportable: false },
      rotationPolicy: {
        attributes: { expiryTime: "P365D" },
        lifetimeActions: [{ trigger: { timeBeforeExpiry: "P30D" }, action: { type: "rotate" } }],
      },
    });
    expect(run.outputs.azureSigningKeyExpiresOn!.value).toBe("2027-11-25");
  });

  it("writes keys and secrets only after the role assignments exist", () => {
    const roles = azure("authorization:RoleAssignment").map((a) => a.urn);
    for (const r of [...azure("keyvault:Key"), ...azure("keyvault:Secret")]) {
      for (const role of roles) expect(r.dependsOn, r.name).toContain(role);
    }
  });
});

describe("dev: Key Vault secrets", () => {
  const secretNamed = (name: string) => {
    const found = azure("keyvault:Secret").filter((s) => s.props.secretName === name);
    expect(found, name).toHaveLength(1);
    return found[0]!;
  };

  it("stores the database password, one password per registry user, and the storage connection details", () => {
    expect(
      azure("keyvault:Secret")
        .map((s) => s.props.secretName)
        .sort(),
    ).toEqual(["database-password", "registry-password-ci", "registry-password-deploy", "storage-connection"]);
  });

  it("gives every secret an expiry (anchor + 365 days, not the clock) and a content type", () => {
    for (const s of azure("keyvault:Secret")) {
      expect(s.props.properties.attributes, s.name).toEqual({ enabled: true, expires: EXPIRES_2027_11_25 });
      expect(s.props.properties.contentType, s.name).toMatch(/^(text\/plain|application\/json)/);
    }
    expect(run.outputs.azureSecretsExpireOn!.value).toBe("2027-11-25");
  });

  it("warns at deploy time when the fixed expiries are past (here: the clock says 2031)", () => {
    expect(warnings.filter((w) => w.startsWith("Key Vault secrets expired 2027-11-25"))).toHaveLength(1);
    expect(warnings.filter((w) => w.startsWith("signing key expired 2027-11-25"))).toHaveLength(1);
  });

  it("keeps every secret value secret in state (the inputs carry the secret wrapper)", () => {
    for (const s of azure("keyvault:Secret")) {
      expect(containsSecret(s.inputs.properties), s.name).toBe(true);
      const value = s.props.properties.value as string;
      expect(value.length, s.name).toBeGreaterThan(0);
      expect(JSON.stringify(maskSecrets(s.inputs)), s.name).not.toContain(value);
    }
  });

  it("stores the very passwords the stack generated", () => {
    expect(secretNamed("database-password").props.properties.value).toBe(run.outputs.databasePassword!.value);
    const registry = run.outputs.registryPasswords!.value as Record<string, string>;
    expect(secretNamed("registry-password-ci").props.properties.value).toBe(registry.ci);
    expect(secretNamed("registry-password-deploy").props.properties.value).toBe(registry.deploy);
  });

  it("with shared keys off, stores the blob endpoint and Entra ID guidance instead of a connection string", () => {
    const s = secretNamed("storage-connection");
    expect(s.props.properties.contentType).toBe("application/json");
    const details = JSON.parse(s.props.properties.value as string);
    expect(details).toMatchObject({
      accountName: run.outputs.azureStorageAccountName!.value,
      blobEndpoint: run.outputs.azureBlobEndpoint!.value,
      authentication: "entra-id",
    });
    expect(details.guidance).toContain("Storage Blob Data Contributor");
    expect(s.props.properties.value).not.toContain("AccountKey=");
  });
});

describe("dev: outputs", () => {
  it("publishes the storage and vault endpoints in clear, and the connection details as a secret", () => {
    expect(run.outputs.azure!.value).toBe("enabled (koreacentral)");
    expect(run.outputs.azureBlobEndpoint).toEqual({
      value: `https://${run.outputs.azureStorageAccountName!.value}.blob.core.windows.net/`,
      secret: false,
    });
    expect(run.outputs.azureKeyVaultUri!.value).toBe(
      `https://${run.outputs.azureKeyVaultName!.value}.vault.azure.net/`,
    );
    expect(run.outputs.azureSigningKeyId!.value).toMatch(
      new RegExp(`^${run.outputs.azureKeyVaultUri!.value}keys/app-signing-[0-9a-f]{8}$`),
    );
    expect(run.outputs.azureStorageConnection!.secret).toBe(true);
    expect(run.outputs.azureStorageContainers!.value).toEqual(["uploads"]);
    expect(Object.keys(run.outputs.azureKeyVaultSecrets!.value as object).sort()).toEqual([
      "database-password",
      "registry-password-ci",
      "registry-password-deploy",
      "storage-connection",
    ]);
  });

  it("says mail is off, with no records to publish", () => {
    expect(run.outputs.azureMail!.value).toBe("off (azure.mail.enabled is false)");
    expect(run.outputs.azureMailDnsRecords!.value).toEqual([]);
    expect(azure("keyvault:Secret").some((s) => s.props.secretName === "sendgrid-api-key")).toBe(false);
  });
});
