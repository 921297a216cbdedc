import { Provider } from "@pulumi/azure-native/provider";
import * as pulumi from "@pulumi/pulumi";
import { AzureServices, type VaultSecretSpec } from "../components/azureServices/azureServices";
import { type ExtraDnsRecord, mailDnsRecords } from "../components/azureServices/mail";
import { deployerPrincipalTypeOf } from "../components/azureServices/roles";
import { registrySecretName } from "../components/azureServices/naming";
import { bindAzureDnsContext } from "../components/dnsZone/azure";
import type { StackSecrets } from "./config/load";
import type { StackConfig } from "./config/parse";
import { defaultTags } from "./providers";

/** Values from the AWS side that the Azure side stores (Key Vault secrets). */
export interface AzureInputs {
  databasePassword: pulumi.Output<string>;
  registryPasswords: pulumi.Output<Record<string, string>>;
}

/** What the composition needs from the Azure side. */
export interface AzureResult {
  /** Resource group that holds an Azure DNS zone (dns.provider azure). */
  resourceGroupName?: pulumi.Output<string>;
  /**
   * Records the Azure side needs in the stack's DNS zone (SendGrid domain authentication), in the shape of
   * `dns.extraRecords`: the composition appends them to the zone's extra records, whichever backend holds it.
   */
  dnsRecords?: ExtraDnsRecord[];
  /** Secret: what the storage-connection Key Vault secret holds (apps take it as `storage.connection`). */
  storageConnection?: pulumi.Output<string>;
  outputs: Record<string, pulumi.Input<unknown>>;
}

/** Note output of an AWS-only deployment. */
export const AZURE_DISABLED_NOTE = "disabled (azure.enabled is false): AWS-only deployment";

/** Composition defaults of the Azure settings (dev: cheap and disposable; prod: protected). Config always wins. */
export function azureSettings(config: StackConfig) {
  const prod = config.composition === "prod";
  const { storage, keyVault } = config.azure;
  return {
    redundancy: storage.redundancy ?? (prod ? "Standard_GRS" : "Standard_LRS"),
    softDeleteDays: storage.softDeleteDays ?? (prod ? 30 : 0),
    versioning: storage.versioning ?? prod,
    softDeleteRetentionDays: keyVault.softDeleteRetentionDays ?? (prod ? 90 : 7),
    // Purge protection can never be turned off once on: prod only, not a setting.
    purgeProtection: prod,
    protect: prod,
  };
}

/**
 * The Azure side: an explicit azure-native provider and the AzureServices component, storing
 * the AWS side's secrets (database and registry passwords) and the SendGrid API key in Key Vault.
 */
export function createAzure(config: StackConfig, secrets: StackSecrets, inputs: AzureInputs): AzureResult {
  const azure = config.azure;
  if (!azure.enabled) return { outputs: { azure: AZURE_DISABLED_NOTE } };
  // Checks guarantee the anchor when Azure is on.
  const expiryAnchor = azure.keyVault.expiryAnchor!;
  const settings = azureSettings(config);
  const tags = defaultTags(config);

  const provider = new Provider("azure-native", {
    location: azure.location,
    subscriptionId: azure.subscriptionId,
  });

  const vaultSecrets = vaultSecretsOf(config, secrets, inputs);

  const services = new AzureServices(
    `${config.stack}-azure`,
    {
      stack: config.stack,
      location: azure.location,
      tags,
      resourceGroupName: azure.resourceGroupName,
      network: azure.network,
      storage: {
        accountName: azure.storage.accountName,
        redundancy: settings.redundancy,
        allowSharedKeyAccess: azure.storage.allowSharedKeyAccess,
        containers: azure.storage.containers,
        softDeleteDays: settings.softDeleteDays,
        versioning: settings.versioning,
      },
      keyVault: {
        name: azure.keyVault.name,
        sku: azure.keyVault.sku,
        softDeleteRetentionDays: settings.softDeleteRetentionDays,
        purgeProtection: settings.purgeProtection,
        expiryAnchor,
        secretExpiryDays: azure.keyVault.secretExpiryDays,
        keyExpiryDays: azure.keyVault.keyExpiryDays,
        keyRotateBeforeDays: azure.keyVault.keyRotateBeforeDays,
        keySize: azure.keyVault.keySize,
        deployerObjectId: azure.keyVault.deployerObjectId,
        // Not config alone: CI signs in as a service principal, a person as a user (see deployerPrincipalTypeOf).
        deployerPrincipalType: deployerPrincipalTypeOf(azure.keyVault.deployerPrincipalType, process.env),
      },
      secrets: vaultSecrets,
      protect: settings.protect,
    },
    { providers: [provider] },
  );

  const dnsRecords = mailDnsRecords(azure.mail);
  const zoneManaged = config.dns.enabled && config.dns.domain !== undefined;
  return {
    resourceGroupName: bindAzureDnsContext(services.resourceGroupName, { provider, tags }),
    dnsRecords,
    storageConnection: services.storageConnection,
    outputs: {
      azure: `enabled (${azure.location})`,
      azureResourceGroupName: services.resourceGroupName,
      azureStorageAccountName: services.storageAccountName,
      azureBlobEndpoint: services.blobEndpoint,
      azureStorageContainers: services.containerNames,
      azureStorageConnection: services.storageConnection,
      azureKeyVaultName: services.keyVaultName,
      azureKeyVaultUri: services.keyVaultUri,
      azureSigningKeyId: services.signingKeyId,
      azureKeyVaultSecrets: services.secretUris,
      azureSecretsExpireOn: isoDate(services.secretsExpireAt),
      azureSigningKeyExpiresOn: isoDate(services.keyExpiresAt),
      azureMail: azure.mail.enabled
        ? `SendGrid: API key in Key Vault secret sendgrid-api-key; ${dnsRecords.length} domain-authentication ` +
          `record(s) (azureMailDnsRecords) ${zoneManaged ? "for the stack's DNS zone" : "to publish at your DNS provider (dns.enabled is false)"}`
        : "off (azure.mail.enabled is false)",
      azureMailDnsRecords: dnsRecords,
    },
  };
}

/** The Key Vault secrets: the database password, one per registry user, and the SendGrid key when mail is on. */
function vaultSecretsOf(config: StackConfig, secrets: StackSecrets, inputs: AzureInputs): VaultSecretSpec[] {
  const vaultSecrets: VaultSecretSpec[] = [
    { name: "database-password", value: inputs.databasePassword, contentType: "text/plain; database-password" },
    ...config.registry.users.map((user) => ({
      name: registrySecretName(user),
      value: inputs.registryPasswords.apply((passwords) => {
        const password = passwords[user];
        if (password === undefined) throw new Error(`the host gave no registry password for user "${user}".`);
        return password;
      }),
      contentType: `text/plain; registry-password; user=${user}`,
    })),
  ];
  if (config.azure.mail.enabled) {
    // Checks guarantee the key when mail is on.
    vaultSecrets.push({
      name: "sendgrid-api-key",
      value: secrets.sendgridApiKey!,
      contentType: "text/plain; sendgrid-api-key",
    });
  }
  return vaultSecrets;
}

function isoDate(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 10);
}
