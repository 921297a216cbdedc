/** Azure Storage and Key Vault rules. */
import { resourceRule, stackRule } from "../lib/define";
import { referenced } from "../lib/relations";
import { at, isFalse, isTrue, read } from "../lib/values";

export const STORAGE_ACCOUNT = "azure-native:storage:StorageAccount";
export const BLOB_CONTAINER = "azure-native:storage:BlobContainer";
export const BLOB_SERVICE_PROPERTIES = "azure-native:storage:BlobServiceProperties";
export const KEY_VAULT = "azure-native:keyvault:Vault";
export const KEY_VAULT_KEY = "azure-native:keyvault:Key";
export const KEY_VAULT_SECRET = "azure-native:keyvault:Secret";

const ACCEPTED_TLS = ["TLS1_2", "TLS1_3"];

/** Reports when `path` is absent or known and different from `expected`. */
function requireValue(
  props: Record<string, unknown>,
  path: string,
  expected: (v: unknown) => boolean,
  report: () => void,
): void {
  const value = read(props, path);
  if (value.state === "absent" || (value.state === "known" && !expected(value.value))) report();
}

export const azureStorageMinTls = resourceRule({
  name: "azure-storage-min-tls-1-2",
  description: "CKV_AZURE_44 / AZU-0011: storage accounts accept TLS 1.2 or newer only (minimumTlsVersion TLS1_2).",
  enforcementLevel: "mandatory",
  types: [STORAGE_ACCOUNT],
  check: (r, report) =>
    requireValue(
      r.props,
      "minimumTlsVersion",
      (v) => ACCEPTED_TLS.includes(String(v)),
      () =>
        report(
          `minimumTlsVersion is ${String(r.props.minimumTlsVersion ?? "not set")}: set TLS1_2 so TLS 1.0/1.1 clients are ` +
            "refused (CKV_AZURE_44 / AZU-0011).",
        ),
    ),
});

export const azureStorageHttpsOnly = resourceRule({
  name: "azure-storage-https-only",
  description: "CKV_AZURE_3 / AZU-0008: storage accounts accept HTTPS only (enableHttpsTrafficOnly true).",
  enforcementLevel: "mandatory",
  types: [STORAGE_ACCOUNT],
  check: (r, report) =>
    requireValue(r.props, "enableHttpsTrafficOnly", isTrue, () =>
      report("enableHttpsTrafficOnly is not true: refuse plain HTTP to the storage account (CKV_AZURE_3 / AZU-0008)."),
    ),
});

export const azureStorageNoPublicBlobAccess = resourceRule({
  name: "azure-storage-no-public-blob-access",
  description: "CKV_AZURE_190 / AZU-0007: storage accounts forbid anonymous blob access (allowBlobPublicAccess false).",
  enforcementLevel: "mandatory",
  types: [STORAGE_ACCOUNT],
  check: (r, report) =>
    requireValue(r.props, "allowBlobPublicAccess", isFalse, () =>
      report(
        "allowBlobPublicAccess is not false: no container of this account may ever be made public (CKV_AZURE_190 / AZU-0007).",
      ),
    ),
});

export const azureBlobContainerPrivate = resourceRule({
  name: "azure-blob-container-private",
  description: 'CKV_AZURE_190 / AZU-0007: blob containers are private (publicAccess "None" or unset).',
  enforcementLevel: "mandatory",
  types: [BLOB_CONTAINER],
  check: (r, report) => {
    const access = read(r.props, "publicAccess");
    if (access.state === "known" && access.value !== "None") {
      report(`publicAccess is ${String(access.value)}: containers are private ("None") (CKV_AZURE_190 / AZU-0007).`);
    }
  },
});

export const azureStorageSharedKeyOff = resourceRule({
  name: "azure-storage-shared-key-off",
  description:
    "CKV2_AZURE_40 (option: where the apps allow it): storage accounts disable shared-key access " +
    "(allowSharedKeyAccess false). Advisory.",
  enforcementLevel: "advisory",
  types: [STORAGE_ACCOUNT],
  check: (r, report) =>
    requireValue(r.props, "allowSharedKeyAccess", isFalse, () =>
      report(
        "allowSharedKeyAccess is not false: account keys grant full access; prefer Entra ID where the apps allow it " +
          "(CKV2_AZURE_40, option).",
      ),
    ),
});

export const azureBlobSoftDeleteProd = stackRule({
  name: "azure-blob-soft-delete-prod",
  description:
    "CKV2_AZURE_38 / AZU-0056: in prod, every storage account has BlobServiceProperties with " +
    "deleteRetentionPolicy.enabled true.",
  enforcementLevel: "mandatory",
  check: (s, report) => {
    if (s.environment !== "prod") return;
    const services = s.ofType(BLOB_SERVICE_PROPERTIES);
    for (const account of s.ofType(STORAGE_ACCOUNT)) {
      const own = services.filter((p) => referenced(p, "accountName", [account], ["accountName"]).length > 0);
      if (own.length === 0) {
        report(
          `Storage account ${account.name} has no BlobServiceProperties: enable blob soft delete ` +
            "(deleteRetentionPolicy.enabled) in prod (CKV2_AZURE_38 / AZU-0056).",
          account.urn,
        );
        continue;
      }
      for (const p of own) {
        const enabled = read(p.props, "deleteRetentionPolicy.enabled");
        if (enabled.state === "absent" || (enabled.state === "known" && !isTrue(enabled.value))) {
          report(
            `BlobServiceProperties ${p.name} of storage account ${account.name} does not enable ` +
              "deleteRetentionPolicy: deleted blobs must be recoverable in prod (CKV2_AZURE_38 / AZU-0056).",
            p.urn,
          );
        }
      }
    }
  },
});

export const azureKeyVaultSoftDelete = resourceRule({
  name: "azure-keyvault-soft-delete",
  description:
    "CKV_AZURE_42 / CKV_AZURE_111 / AZU-0016: Key Vaults have soft delete (properties.enableSoftDelete true).",
  enforcementLevel: "mandatory",
  types: [KEY_VAULT],
  check: (r, report) =>
    requireValue(r.props, "properties.enableSoftDelete", isTrue, () =>
      report(
        "properties.enableSoftDelete is not true: deleted keys and secrets must be recoverable (CKV_AZURE_42 / " +
          "CKV_AZURE_111 / AZU-0016).",
      ),
    ),
});

export const azureKeyVaultPurgeProtectionProd = resourceRule({
  name: "azure-keyvault-purge-protection-prod",
  description:
    "CKV_AZURE_42 / CKV_AZURE_110 / AZU-0016: in prod, Key Vaults have purge protection " +
    "(properties.enablePurgeProtection true; it cannot be turned off again, hence prod only).",
  enforcementLevel: "mandatory",
  types: [KEY_VAULT],
  check: (r, report) => {
    if (r.environment !== "prod") return;
    requireValue(r.props, "properties.enablePurgeProtection", isTrue, () =>
      report(
        "properties.enablePurgeProtection is not true: in prod nobody may purge a soft-deleted vault or secret " +
          "before its retention ends (CKV_AZURE_42 / CKV_AZURE_110 / AZU-0016).",
      ),
    );
  },
});

export const azureKeyVaultNetworkAclDeny = resourceRule({
  name: "azure-keyvault-network-acl-deny",
  description:
    'CKV_AZURE_109 / AZU-0013 (option): Key Vault network ACLs default to Deny with an allow list (properties.networkAcls.defaultAction "Deny"). Advisory.',
  enforcementLevel: "advisory",
  types: [KEY_VAULT],
  check: (r, report) =>
    requireValue(
      r.props,
      "properties.networkAcls.defaultAction",
      (v) => v === "Deny",
      () =>
        report(
          'properties.networkAcls.defaultAction is not "Deny": the vault answers every network (CKV_AZURE_109 / AZU-0013, option).',
        ),
    ),
});

export const azureKeyVaultKeyExpiry = resourceRule({
  name: "azure-keyvault-key-expiry",
  description: "CKV_AZURE_40 / AZU-0014: Key Vault keys expire (properties.attributes.expires).",
  enforcementLevel: "mandatory",
  types: [KEY_VAULT_KEY],
  check: (r, report) =>
    requireValue(
      r.props,
      "properties.attributes.expires",
      (v) => typeof v === "number" && v > 0,
      () =>
        report("properties.attributes.expires is not set: keys must expire and be rotated (CKV_AZURE_40 / AZU-0014)."),
    ),
});

export const azureKeyVaultSecretExpiry = resourceRule({
  name: "azure-keyvault-secret-expiry",
  description: "CKV_AZURE_41 / AZU-0017: Key Vault secrets expire (properties.attributes.expires).",
  enforcementLevel: "mandatory",
  types: [KEY_VAULT_SECRET],
  check: (r, report) =>
    requireValue(
      r.props,
      "properties.attributes.expires",
      (v) => typeof v === "number" && v > 0,
      () =>
        report(
          "properties.attributes.expires is not set: secrets must expire and be rotated (CKV_AZURE_41 / AZU-0017).",
        ),
    ),
});

export const azureKeyVaultSecretContentType = resourceRule({
  name: "azure-keyvault-secret-content-type",
  description: "CKV_AZURE_114 / AZU-0015: Key Vault secrets carry a content type (properties.contentType).",
  enforcementLevel: "mandatory",
  types: [KEY_VAULT_SECRET],
  check: (r, report) =>
    requireValue(
      r.props,
      "properties.contentType",
      (v) => typeof v === "string" && v.trim() !== "",
      () =>
        report(
          "properties.contentType is not set: say what the secret is (e.g. text/plain, application/x-pem-file) " +
            "(CKV_AZURE_114 / AZU-0015).",
        ),
    ),
});

/** True when a firewall (storage networkRuleSet / vault networkAcls) denies by default and admits an allow list. */
function denyWithAllowList(acl: unknown): boolean {
  const action = read(acl, "defaultAction");
  if (action.state !== "known" || String(action.value).toLowerCase() !== "deny") return false;
  const entries = ["ipRules", "virtualNetworkRules"].flatMap((k) => {
    const v = read(acl, k);
    return v.state === "known" && Array.isArray(v.value) ? v.value : [];
  });
  return entries.length > 0;
}

export const azureStorageNetworkDefaultDeny = resourceRule({
  name: "azure-storage-network-default-deny",
  description:
    'CKV_AZURE_35 / AZU-0012 (option): storage accounts deny by default (networkRuleSet.defaultAction "Deny") and ' +
    "admit an allow list (ipRules or virtualNetworkRules; azure.network). Advisory: apps and CI must reach the account.",
  enforcementLevel: "advisory",
  types: [STORAGE_ACCOUNT],
  check: (r, report) => {
    const acl = r.props.networkRuleSet;
    if (read(acl, "defaultAction").state === "unknown") return;
    if (!denyWithAllowList(acl)) {
      report(
        'networkRuleSet does not deny by default with an allow list: set azure.network.defaultAction "Deny" and ' +
          "azure.network.allowedIpRanges (CKV_AZURE_35 / AZU-0012, option).",
      );
    }
  },
});

export const azureStoragePublicNetworkAccess = resourceRule({
  name: "azure-storage-public-network-access",
  description:
    'CKV_AZURE_59 (option): storage accounts are not open to every network: publicNetworkAccess "Disabled", or the ' +
    "firewall denies by default with an allow list. Advisory, as azure.network decides it.",
  enforcementLevel: "advisory",
  types: [STORAGE_ACCOUNT],
  check: (r, report) => {
    const access = read(r.props, "publicNetworkAccess");
    if (access.state === "unknown") return;
    if (access.state === "known" && String(access.value).toLowerCase() === "disabled") return;
    if (denyWithAllowList(r.props.networkRuleSet)) return;
    report(
      "publicNetworkAccess is not Disabled and the firewall admits every network: the account answers the whole " +
        "internet (CKV_AZURE_59, option).",
    );
  },
});

export const azureKeyVaultPublicNetworkAccess = resourceRule({
  name: "azure-keyvault-public-network-access",
  description:
    'CKV_AZURE_189 (option): Key Vaults are not open to every network: properties.publicNetworkAccess "disabled", ' +
    "or networkAcls deny by default with an allow list. Advisory, as azure.network decides it.",
  enforcementLevel: "advisory",
  types: [KEY_VAULT],
  check: (r, report) => {
    const access = read(r.props, "properties.publicNetworkAccess");
    if (access.state === "unknown") return;
    if (access.state === "known" && String(access.value).toLowerCase() === "disabled") return;
    if (denyWithAllowList(at(r.props, "properties.networkAcls"))) return;
    report(
      "properties.publicNetworkAccess is not disabled and networkAcls admit every network: the vault answers the " +
        "whole internet (CKV_AZURE_189, option).",
    );
  },
});

export const azureRules = [
  azureStorageMinTls,
  azureStorageHttpsOnly,
  azureStorageNoPublicBlobAccess,
  azureBlobContainerPrivate,
  azureStorageSharedKeyOff,
  azureBlobSoftDeleteProd,
  azureKeyVaultSoftDelete,
  azureKeyVaultPurgeProtectionProd,
  azureKeyVaultNetworkAclDeny,
  azureStorageNetworkDefaultDeny,
  azureStoragePublicNetworkAccess,
  azureKeyVaultPublicNetworkAccess,
  azureKeyVaultKeyExpiry,
  azureKeyVaultSecretExpiry,
  azureKeyVaultSecretContentType,
];
