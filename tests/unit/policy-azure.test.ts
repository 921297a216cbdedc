import { describe, expect, it } from "vitest";
import {
  azureBlobContainerPrivate,
  azureBlobSoftDeleteProd,
  azureKeyVaultKeyExpiry,
  azureKeyVaultNetworkAclDeny,
  azureKeyVaultPurgeProtectionProd,
  azureKeyVaultSecretContentType,
  azureKeyVaultSecretExpiry,
  azureKeyVaultSoftDelete,
  azureStorageHttpsOnly,
  azureStorageMinTls,
  azureStorageNoPublicBlobAccess,
  azureStorageSharedKeyOff,
} from "../../policy/rules/azure";
import { messages, planned, run } from "../../policy/testing";

const ACCOUNT = "azure-native:storage:StorageAccount";
const CONTAINER = "azure-native:storage:BlobContainer";
const BLOB_SERVICE = "azure-native:storage:BlobServiceProperties";
const VAULT = "azure-native:keyvault:Vault";
const KEY = "azure-native:keyvault:Key";
const SECRET = "azure-native:keyvault:Secret";

const goodAccount = {
  accountName: "startupdata",
  minimumTlsVersion: "TLS1_2",
  enableHttpsTrafficOnly: true,
  allowBlobPublicAccess: false,
  allowSharedKeyAccess: false,
};
const account = (overrides: Record<string, unknown> = {}, stack = "dev", name = "data") =>
  planned(ACCOUNT, name, { ...goodAccount, ...overrides }, { stack });

describe("Azure storage accounts", () => {
  it("azure-storage-min-tls-1-2 (CKV_AZURE_44 / AZU-0011)", () => {
    expect(
      messages(azureStorageMinTls, [
        account({ minimumTlsVersion: "TLS1_0" }),
        account({ minimumTlsVersion: undefined }, "dev", "b"),
      ]),
    ).toEqual([
      "minimumTlsVersion is TLS1_0: set TLS1_2 so TLS 1.0/1.1 clients are refused (CKV_AZURE_44 / AZU-0011).",
      "minimumTlsVersion is not set: set TLS1_2 so TLS 1.0/1.1 clients are refused (CKV_AZURE_44 / AZU-0011).",
    ]);
    expect(run(azureStorageMinTls, [account()])).toEqual([]);
  });

  it("azure-storage-https-only (CKV_AZURE_3 / AZU-0008)", () => {
    expect(messages(azureStorageHttpsOnly, [account({ enableHttpsTrafficOnly: false })])).toEqual([
      "enableHttpsTrafficOnly is not true: refuse plain HTTP to the storage account (CKV_AZURE_3 / AZU-0008).",
    ]);
    expect(run(azureStorageHttpsOnly, [account()])).toEqual([]);
  });

  it("azure-storage-no-public-blob-access (CKV_AZURE_190 / AZU-0007)", () => {
    expect(messages(azureStorageNoPublicBlobAccess, [account({ allowBlobPublicAccess: true })])).toEqual([
      "allowBlobPublicAccess is not false: no container of this account may ever be made public (CKV_AZURE_190 / AZU-0007).",
    ]);
    expect(run(azureStorageNoPublicBlobAccess, [account()])).toEqual([]);
  });

  it("azure-blob-container-private (CKV_AZURE_190 / AZU-0007)", () => {
    expect(messages(azureBlobContainerPrivate, [planned(CONTAINER, "assets", { publicAccess: "Blob" })])).toEqual([
      'publicAccess is Blob: containers are private ("None") (CKV_AZURE_190 / AZU-0007).',
    ]);
    expect(
      run(azureBlobContainerPrivate, [planned(CONTAINER, "a", { publicAccess: "None" }), planned(CONTAINER, "b", {})]),
    ).toEqual([]);
  });

  it("azure-storage-shared-key-off (CKV2_AZURE_40, option): advisory", () => {
    const found = run(azureStorageSharedKeyOff, [account({ allowSharedKeyAccess: undefined })]);
    expect(found.map((v) => [v.enforcementLevel, v.message])).toEqual([
      [
        "advisory",
        "allowSharedKeyAccess is not false: account keys grant full access; prefer Entra ID where the apps allow it " +
          "(CKV2_AZURE_40, option).",
      ],
    ]);
    expect(run(azureStorageSharedKeyOff, [account()])).toEqual([]);
  });
});

describe("azure-blob-soft-delete-prod (CKV2_AZURE_38 / AZU-0056)", () => {
  it("fails in prod without blob service properties or with soft delete off", () => {
    const bare = account({}, "prod", "bare");
    const off = account({ accountName: "offdata" }, "prod", "off");
    const offProps = planned(
      BLOB_SERVICE,
      "off-blob",
      { accountName: "offdata", deleteRetentionPolicy: { enabled: false } },
      { stack: "prod" },
    );
    expect(run(azureBlobSoftDeleteProd, [bare, off, offProps], "prod").map((v) => [v.urn, v.message])).toEqual([
      [
        bare.urn,
        "Storage account bare has no BlobServiceProperties: enable blob soft delete (deleteRetentionPolicy.enabled) " +
          "in prod (CKV2_AZURE_38 / AZU-0056).",
      ],
      [
        offProps.urn,
        "BlobServiceProperties off-blob of storage account off does not enable deleteRetentionPolicy: deleted blobs " +
          "must be recoverable in prod (CKV2_AZURE_38 / AZU-0056).",
      ],
    ]);
  });

  it("passes in prod with soft delete (linked by dependency), and is silent in dev", () => {
    const a = account({ accountName: undefined }, "prod");
    const props = planned(
      BLOB_SERVICE,
      "blob",
      { deleteRetentionPolicy: { enabled: true, days: 7 } },
      { stack: "prod", dependsOn: [a] },
    );
    expect(run(azureBlobSoftDeleteProd, [a, props], "prod")).toEqual([]);
    expect(run(azureBlobSoftDeleteProd, [account()], "dev")).toEqual([]);
  });
});

describe("Key Vault", () => {
  const vault = (properties: Record<string, unknown>, stack = "dev") =>
    planned(
      VAULT,
      "vault",
      { properties: { tenantId: "t", sku: { name: "standard", family: "A" }, ...properties } },
      { stack },
    );

  it("azure-keyvault-soft-delete (CKV_AZURE_42 / CKV_AZURE_111 / AZU-0016)", () => {
    expect(messages(azureKeyVaultSoftDelete, [vault({ enableSoftDelete: false })])).toEqual([
      "properties.enableSoftDelete is not true: deleted keys and secrets must be recoverable (CKV_AZURE_42 / " +
        "CKV_AZURE_111 / AZU-0016).",
    ]);
    expect(run(azureKeyVaultSoftDelete, [vault({ enableSoftDelete: true })])).toEqual([]);
  });

  it("azure-keyvault-purge-protection-prod (CKV_AZURE_110 / AZU-0016): prod only", () => {
    expect(messages(azureKeyVaultPurgeProtectionProd, [vault({ enableSoftDelete: true }, "prod")], "prod")).toEqual([
      "properties.enablePurgeProtection is not true: in prod nobody may purge a soft-deleted vault or secret before " +
        "its retention ends (CKV_AZURE_42 / CKV_AZURE_110 / AZU-0016).",
    ]);
    expect(run(azureKeyVaultPurgeProtectionProd, [vault({ enableSoftDelete: true })], "dev")).toEqual([]);
    expect(run(azureKeyVaultPurgeProtectionProd, [vault({ enablePurgeProtection: true }, "prod")], "prod")).toEqual([]);
  });

  it("azure-keyvault-network-acl-deny (CKV_AZURE_109 / AZU-0013, option): advisory", () => {
    const found = run(azureKeyVaultNetworkAclDeny, [vault({ networkAcls: { defaultAction: "Allow" } })]);
    expect(found.map((v) => [v.enforcementLevel, v.message])).toEqual([
      [
        "advisory",
        'properties.networkAcls.defaultAction is not "Deny": the vault answers every network (CKV_AZURE_109 / AZU-0013, option).',
      ],
    ]);
    expect(run(azureKeyVaultNetworkAclDeny, [vault({ networkAcls: { defaultAction: "Deny", ipRules: [] } })])).toEqual(
      [],
    );
  });

  it("azure-keyvault-key-expiry (CKV_AZURE_40 / AZU-0014)", () => {
    expect(messages(azureKeyVaultKeyExpiry, [planned(KEY, "k", { properties: { kty: "RSA" } })])).toEqual([
      "properties.attributes.expires is not set: keys must expire and be rotated (CKV_AZURE_40 / AZU-0014).",
    ]);
    expect(
      run(azureKeyVaultKeyExpiry, [planned(KEY, "k", { properties: { attributes: { expires: 1830297600 } } })]),
    ).toEqual([]);
  });

  it("azure-keyvault-secret-expiry (CKV_AZURE_41 / AZU-0017) and content type (CKV_AZURE_114 / AZU-0015)", () => {
    const bare = planned(SECRET, "s", { properties: { value: "x" } });
    expect(messages(azureKeyVaultSecretExpiry, [bare])).toEqual([
      "properties.attributes.expires is not set: secrets must expire and be rotated (CKV_AZURE_41 / AZU-0017).",
    ]);
    expect(messages(azureKeyVaultSecretContentType, [bare])).toEqual([
      "properties.contentType is not set: say what the secret is (e.g. text/plain, application/x-pem-file) " +
        "(CKV_AZURE_114 / AZU-0015).",
    ]);
    const good = planned(SECRET, "s", {
      properties: { value: "x", contentType: "text/plain", attributes: { expires: 1830297600 } },
    });
    expect(run(azureKeyVaultSecretExpiry, [good])).toEqual([]);
    expect(run(azureKeyVaultSecretContentType, [good])).toEqual([]);
  });
});
