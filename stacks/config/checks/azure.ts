import { suggest } from "../suggest";
import { registrySecretCollisions } from "../../../components/azureServices/naming";
import type { Composition } from "../defaults";
import { type ConfigProblem, setCommand } from "../errors";
import { SECRET_KEYS, type SecretKey, type SectionsConfig } from "../schema";
import { AZURE_LOCATIONS } from "../sections/azure";

/** Rules spanning the Azure settings (and the settings of other sections they touch). */
export function azureChecks(
  config: SectionsConfig,
  composition: Composition,
  secretsSet: Record<SecretKey, boolean>,
): ConfigProblem[] {
  return [
    ...locationChecks(config),
    ...deployerChecks(config),
    ...mailChecks(config, secretsSet),
    ...keyVaultChecks(config),
    ...accessChecks(config, composition),
  ];
}

/** The region is one Azure knows, with a "did you mean" for a typo. */
function locationChecks({ azure }: SectionsConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (!(AZURE_LOCATIONS as readonly string[]).includes(azure.location)) {
    const suggestion = suggest(azure.location, AZURE_LOCATIONS, 4);
    problems.push({
      key: "azure.location",
      message:
        `"${azure.location}" is not an Azure region` +
        (suggestion ? ` (did you mean "${suggestion}"?)` : "") +
        "; list them with `az account list-locations -o table` (Name column).",
      fix: setCommand("azure.location", suggestion ?? "koreacentral"),
    });
  }
  return problems;
}

/** A pinned deployer identity says what kind of principal it is (ARM checks it). */
function deployerChecks({ azure }: SectionsConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (azure.enabled && azure.keyVault.deployerObjectId && !azure.keyVault.deployerPrincipalType) {
    problems.push({
      key: "azure.keyVault.deployerPrincipalType",
      message:
        "is required when azure.keyVault.deployerObjectId is pinned: the type of a pinned object cannot be detected, " +
        "and ARM refuses a role assignment whose type does not match (ServicePrincipal for a CI identity, User for a person).",
      fix: setCommand("azure.keyVault.deployerPrincipalType", "ServicePrincipal"),
    });
  }
  return problems;
}

/** Mail needs the vault and its API key, and its records share the zone with every other record. */
function mailChecks({ azure, dns, sites }: SectionsConfig, secretsSet: Record<SecretKey, boolean>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const mail = azure.mail;
  if (mail.enabled && !azure.enabled) {
    problems.push({
      key: "azure.mail.enabled",
      message: "is true but azure.enabled is false: the SendGrid API key is kept in the Azure Key Vault.",
      fix: setCommand("azure.enabled", "true"),
    });
  }
  if (mail.enabled && !secretsSet.sendgridApiKey) {
    problems.push({
      key: "sendgridApiKey",
      message:
        "is required when azure.mail.enabled is true: the program stores the SendGrid API key in Key Vault " +
        "(create it in SendGrid under Settings > API Keys, with Mail Send access).",
      fix: SECRET_KEYS.sendgridApiKey,
    });
  }
  // Mail records share the zone with the host record, the site CNAMEs and the extra records.
  const taken = new Map<string, string>([[dns.hostRecordName, "dns.hostRecordName"]]);
  for (const site of Object.keys(sites)) taken.set(site, `the site ${site}`);
  for (const extra of dns.extraRecords) taken.set(extra.name, "a dns.extraRecords entry");
  if (mail.enabled) {
    mail.dnsRecords.forEach((record, i) => {
      const owner = taken.get(record.name);
      if (owner) {
        problems.push({
          key: `azure.mail.dnsRecords[${i}].name`,
          message: `"${record.name}" is already used by ${owner}; a CNAME cannot share its name with another record.`,
          fix: setCommand(`azure.mail.dnsRecords[${i}].name`, undefined, "the name SendGrid shows"),
        });
      }
      taken.set(record.name, `azure.mail.dnsRecords[${i}]`);
    });
  }
  return problems;
}

/** Expiries a second `up` computes the same way, and a rotation Key Vault accepts. */
function keyVaultChecks({ azure }: SectionsConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (azure.enabled && !azure.keyVault.expiryAnchor) {
    problems.push({
      key: "azure.keyVault.expiryAnchor",
      message:
        "is required when azure.enabled is true: key and secret expiries are this date plus secretExpiryDays / " +
        "keyExpiryDays, so a second `up` changes nothing (use today's date).",
      fix: `pulumi config set --path 'azure.keyVault.expiryAnchor' "$(date -u +%F)"`,
    });
  }
  const kv = azure.keyVault;
  if (kv.keyExpiryDays - kv.keyRotateBeforeDays < 7) {
    problems.push({
      key: "azure.keyVault.keyRotateBeforeDays",
      message:
        `${kv.keyRotateBeforeDays} days before an expiry of ${kv.keyExpiryDays} days leaves less than the 7 days ` +
        "Key Vault needs between a key version's creation and its rotation.",
      fix: setCommand("azure.keyVault.keyRotateBeforeDays", String(Math.max(7, Math.min(30, kv.keyExpiryDays - 7)))),
    });
  }
  return problems;
}

/** Reaching the storage account and the vault, prod's soft delete, and secret names that stay distinct. */
function accessChecks({ azure, registry }: SectionsConfig, composition: Composition): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (azure.network.defaultAction === "Deny" && azure.network.allowedIpRanges.length === 0) {
    problems.push({
      key: "azure.network.allowedIpRanges",
      message:
        "is empty while azure.network.defaultAction is Deny: no app, person or CI agent could reach the storage " +
        "account or the vault. List the addresses that need them (the CI agents' egress included).",
      fix: setCommand("azure.network.allowedIpRanges[0]", "203.0.113.10/32"),
    });
  }

  if (composition === "prod" && azure.storage.softDeleteDays === 0) {
    problems.push({
      key: "azure.storage.softDeleteDays",
      message: "is 0 in prod: blob and container soft delete is required there (CKV2_AZURE_38). Use 7 or more days.",
      fix: setCommand("azure.storage.softDeleteDays", "30"),
    });
  }

  if (azure.enabled) {
    for (const [a, b] of registrySecretCollisions(registry.users)) {
      problems.push({
        key: "registry.users",
        message: `"${a}" and "${b}" map to the same Key Vault secret name (Key Vault allows no "_"): rename one of them.`,
        fix: setCommand("registry.users[0]", "ci"),
      });
    }
  }
  return problems;
}
