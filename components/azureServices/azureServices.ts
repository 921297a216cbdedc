import * as authorization from "@pulumi/azure-native/authorization";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as resources from "@pulumi/azure-native/resources";
import * as storage from "@pulumi/azure-native/storage";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { storageConnectionDetails } from "./connection";
import { expiryEpochSeconds, expiryWarning, keyRotationPolicy } from "./expiry";
import { warnOnce } from "../warnings";
import { keyVaultName, SECRET_NAME, SIGNING_KEY_BASE_NAME, signingKeyName, storageAccountName } from "./naming";
import { type AzureNetworkRules, keyVaultNetworkAcls, storageNetworkRuleSet } from "./network";
import { KEY_VAULT_ROLES, roleDefinitionId } from "./roles";

/** One Key Vault secret the component stores. The value is kept secret whatever the caller passes. */
export interface VaultSecretSpec {
  /** Secret name in the vault (letters, digits, hyphens). */
  name: string;
  value: pulumi.Input<string>;
  /** What the value is (CKV_AZURE_114), e.g. text/plain. */
  contentType: string;
}

export interface AzureServicesStorageArgs {
  /** Globally unique account name. Defaults to `st<stack><6 random hex>` (suffix kept in state). */
  accountName?: string;
  /** SKU. Defaults to Standard_LRS. */
  redundancy?: string;
  /** Account-key (shared key, SAS) authorization. Defaults to false: clients authenticate with Entra ID. */
  allowSharedKeyAccess?: boolean;
  /** Private containers. Defaults to none. */
  containers?: string[];
  /** Soft delete of blobs and containers, in days; 0 turns it off. Defaults to 0. */
  softDeleteDays?: number;
  /** Blob versioning. Defaults to false. */
  versioning?: boolean;
}

export interface AzureServicesKeyVaultArgs {
  /** Globally unique vault name. Defaults to `kv-<stack>-<6 random hex>` (suffix kept in state). */
  name?: string;
  /** standard or premium (premium puts the key in an HSM). Defaults to standard. */
  sku?: "standard" | "premium";
  /** Days deleted items stay recoverable (7-90). Defaults to 90. */
  softDeleteRetentionDays?: number;
  /** Purge protection: cannot be turned off once on. Defaults to false (the prod composition turns it on). */
  purgeProtection?: boolean;
  /** The date (YYYY-MM-DD, UTC) expiries count from. Required: a fixed anchor keeps expiries stable across runs. */
  expiryAnchor: string;
  /** Days from the anchor until secrets expire. Defaults to 365. */
  secretExpiryDays?: number;
  /** Days from the anchor until the signing key expires (and the lifetime of rotated versions). Defaults to 365. */
  keyExpiryDays?: number;
  /** Days before expiry Key Vault rotates the key. Defaults to 30. */
  keyRotateBeforeDays?: number;
  /** RSA key size, 3072 or 4096. Defaults to 3072. */
  keySize?: 3072 | 4096;
  /** Object id given the Key Vault officer roles. Defaults to the identity running the deploy. */
  deployerObjectId?: string;
  /** Its principal type (ARM checks it). Defaults to User. */
  deployerPrincipalType?: "User" | "ServicePrincipal" | "Group";
}

export interface AzureServicesArgs {
  /** Stack name: part of the derived global names. */
  stack: string;
  /** Azure region of every regional resource. */
  location: string;
  /** Tags on every resource that takes them (azure-native has no provider-level default tags). */
  tags: Record<string, string>;
  /** Resource group name. Defaults to an auto-generated `<component name>-rg<suffix>`. */
  resourceGroupName?: string;
  /** Allow list of the storage account and the vault. Defaults to Allow with no rules (RBAC still gates access). */
  network?: AzureNetworkRules;
  storage?: AzureServicesStorageArgs;
  keyVault: AzureServicesKeyVaultArgs;
  /** Secrets to store in the vault (the component adds `storage-connection` itself). Defaults to none. */
  secrets?: VaultSecretSpec[];
  /** Pulumi `protect` on the storage account and the vault (prod): `pulumi destroy` refuses to delete them. Defaults to false. */
  protect?: boolean;
}

/**
 * The Azure side of the hand-built setup: a resource group, a private StorageV2 account (TLS 1.2,
 * HTTPS only, no public blobs, Entra ID by default), and an RBAC Key Vault holding the apps' signing key (with expiry
 * and a rotation policy) and their secrets (each with an expiry and a content type).
 */
export class AzureServices extends pulumi.ComponentResource {
  readonly resourceGroupName: pulumi.Output<string>;
  readonly storageAccountName: pulumi.Output<string>;
  readonly blobEndpoint: pulumi.Output<string>;
  readonly containerNames: string[];
  readonly keyVaultName: pulumi.Output<string>;
  readonly keyVaultUri: pulumi.Output<string>;
  /** Versionless key id (the apps always get the current version after a rotation). */
  readonly signingKeyId: pulumi.Output<string>;
  /** Secret name -> versionless secret URI. */
  readonly secretUris: pulumi.Output<Record<string, string>>;
  /** Secret: what the `storage-connection` secret holds. */
  readonly storageConnection: pulumi.Output<string>;
  /** Epoch seconds when the secrets / the key's first version expire. */
  readonly secretsExpireAt: number;
  readonly keyExpiresAt: number;

  constructor(name: string, args: AzureServicesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("startup:azure:AzureServices", name, {}, opts);
    const s = withDefaults(args);
    const client = authorization.getClientConfigOutput({ parent: this });
    const group = new resources.ResourceGroup(
      `${name}-rg`,
      { resourceGroupName: args.resourceGroupName, location: args.location, tags: s.tags },
      { parent: this },
    );
    const derived = this.derivedNames(name, args);

    const account = this.storageAccount(name, s, group, derived);
    this.blobProtection(name, s, group, account);
    for (const container of s.containerNames) this.blobContainer(name, container, group, account);

    const vault = this.vault(name, s, group, client, derived);
    const deployerRoles = this.deployerRoles(name, s, vault, client);
    const { keyExpiresAt, secretsExpireAt } = this.expiries(s);
    const key = this.signingKey(name, s, { group, vault, deployerRoles }, keyExpiresAt);
    const storageConnection = this.storageConnectionDetails(s, group, account);
    const secretUris = this.vaultSecrets(
      name,
      [...(args.secrets ?? []), storageConnectionSecret(storageConnection, s.allowSharedKeyAccess)],
      { group, vault, deployerRoles },
      { tags: s.tags, expiresAt: secretsExpireAt },
    );

    this.resourceGroupName = group.name;
    this.storageAccountName = account.name;
    this.blobEndpoint = account.primaryEndpoints.apply((e) => e.blob);
    this.containerNames = s.containerNames;
    this.keyVaultName = vault.name;
    this.keyVaultUri = vault.properties.apply((p) => p.vaultUri ?? "");
    this.signingKeyId = key.keyUri;
    this.secretUris = pulumi.unsecret(pulumi.output(secretUris)) as pulumi.Output<Record<string, string>>;
    this.storageConnection = storageConnection;
    this.secretsExpireAt = secretsExpireAt;
    this.keyExpiresAt = keyExpiresAt;
    this.registerOutputs({
      resourceGroupName: this.resourceGroupName,
      storageAccountName: this.storageAccountName,
      blobEndpoint: this.blobEndpoint,
      keyVaultName: this.keyVaultName,
      keyVaultUri: this.keyVaultUri,
      signingKeyId: this.signingKeyId,
      secretUris: this.secretUris,
      storageConnection: this.storageConnection,
    });
  }

  /** One random suffix, generated once and kept in state, makes the derived global names unique. */
  private derivedNames(name: string, args: AzureServicesArgs): DerivedName {
    const suffix =
      args.storage?.accountName && args.keyVault.name
        ? undefined
        : new random.RandomId(`${name}-suffix`, { byteLength: 3 }, { parent: this });
    return (make) => suffix!.hex.apply((hex) => make(args.stack, hex));
  }

  /** The StorageV2 account: TLS 1.2, HTTPS only, no public blobs, Entra ID unless shared keys are asked for. */
  private storageAccount(
    name: string,
    s: Settings,
    group: resources.ResourceGroup,
    derived: DerivedName,
  ): storage.StorageAccount {
    return new storage.StorageAccount(
      `${name}-storage`,
      {
        resourceGroupName: group.name,
        location: s.location,
        accountName: s.storage.accountName ?? derived(storageAccountName),
        kind: "StorageV2",
        sku: { name: s.storage.redundancy ?? "Standard_LRS" },
        accessTier: "Hot",
        minimumTlsVersion: "TLS1_2",
        enableHttpsTrafficOnly: true,
        allowBlobPublicAccess: false,
        allowSharedKeyAccess: s.allowSharedKeyAccess,
        // Portal and tools default to Entra ID, which is the only way in when shared keys are off.
        defaultToOAuthAuthentication: !s.allowSharedKeyAccess,
        allowCrossTenantReplication: false,
        networkRuleSet: storageNetworkRuleSet(s.network),
        encryption: {
          keySource: "Microsoft.Storage",
          services: { blob: { enabled: true, keyType: "Account" }, file: { enabled: true, keyType: "Account" } },
        },
        tags: s.tags,
      },
      { parent: this, protect: s.protect },
    );
  }

  /** Soft delete and versioning (CKV2_AZURE_38): prod by default; absent entirely when both are off. */
  private blobProtection(
    name: string,
    s: Settings,
    group: resources.ResourceGroup,
    account: storage.StorageAccount,
  ): void {
    const { softDeleteDays, versioning } = s;
    if (softDeleteDays <= 0 && !versioning) return;
    const retention = softDeleteDays > 0 ? { enabled: true, days: softDeleteDays } : { enabled: false };
    new storage.BlobServiceProperties(
      `${name}-blob-service`,
      {
        resourceGroupName: group.name,
        accountName: account.name,
        blobServicesName: "default",
        deleteRetentionPolicy: retention,
        containerDeleteRetentionPolicy: retention,
        isVersioningEnabled: versioning,
      },
      { parent: account },
    );
  }

  /** A private blob container. */
  private blobContainer(
    name: string,
    container: string,
    group: resources.ResourceGroup,
    account: storage.StorageAccount,
  ): void {
    new storage.BlobContainer(
      `${name}-container-${container}`,
      { resourceGroupName: group.name, accountName: account.name, containerName: container, publicAccess: "None" },
      { parent: account },
    );
  }

  /** The RBAC Key Vault with soft delete, and purge protection only where asked (it cannot be undone). */
  private vault(
    name: string,
    s: Settings,
    group: resources.ResourceGroup,
    client: pulumi.Output<authorization.GetClientConfigResult>,
    derived: DerivedName,
  ): keyvault.Vault {
    return new keyvault.Vault(
      `${name}-kv`,
      {
        resourceGroupName: group.name,
        location: s.location,
        vaultName: s.keyVault.name ?? derived(keyVaultName),
        properties: {
          tenantId: client.tenantId,
          sku: { family: "A", name: s.sku },
          enableRbacAuthorization: true,
          enableSoftDelete: true,
          softDeleteRetentionInDays: s.keyVault.softDeleteRetentionDays ?? 90,
          // Purge protection cannot be undone: set only where asked (prod), never written as false.
          ...(s.keyVault.purgeProtection ? { enablePurgeProtection: true } : {}),
          enabledForDeployment: false,
          enabledForDiskEncryption: false,
          enabledForTemplateDeployment: false,
          networkAcls: keyVaultNetworkAcls(s.network),
        },
        tags: s.tags,
      },
      { parent: this, protect: s.protect },
    );
  }

  /** The deploying identity (a person locally, the pipeline's service principal in CI) manages keys and secrets. */
  private deployerRoles(
    name: string,
    s: Settings,
    vault: keyvault.Vault,
    client: pulumi.Output<authorization.GetClientConfigResult>,
  ): authorization.RoleAssignment[] {
    return Object.entries(KEY_VAULT_ROLES).map(
      ([role, id]) =>
        new authorization.RoleAssignment(
          `${name}-deployer-${role.toLowerCase().replace(/ /g, "-")}`,
          {
            scope: vault.id,
            roleDefinitionId: client.subscriptionId.apply((sub) => roleDefinitionId(sub, id)),
            principalId: s.keyVault.deployerObjectId ?? client.objectId,
            principalType: s.keyVault.deployerPrincipalType ?? "User",
            description: `${role} for the identity that deploys ${s.stack} (pulumi up / destroy)`,
          },
          { parent: vault },
        ),
    );
  }

  /** The fixed expiry dates; expiries are fixed dates, so say so at deploy time when they are close or past. */
  private expiries(s: Settings): { keyExpiresAt: number; secretsExpireAt: number } {
    const keyExpiresAt = expiryEpochSeconds(s.keyVault.expiryAnchor, s.keyExpiryDays);
    const secretsExpireAt = expiryEpochSeconds(s.keyVault.expiryAnchor, s.secretExpiryDays);
    for (const [what, at] of [
      ["signing key", keyExpiresAt],
      ["Key Vault secrets", secretsExpireAt],
    ] as const) {
      const warning = expiryWarning(what, at, Date.now());
      if (warning) warnOnce(warning, this);
    }
    return { keyExpiresAt, secretsExpireAt };
  }

  /** The apps' RSA signing key, with an expiry and a rotation policy. */
  private signingKey(name: string, s: Settings, into: VaultPlace, expiresAt: number): keyvault.Key {
    const keyProperties = {
      kty: s.sku === "premium" ? ("RSA-HSM" as const) : ("RSA" as const),
      keySize: s.keyVault.keySize ?? 3072,
      keyOps: ["sign" as const, "verify" as const],
      // exportable: false is the SDK's default, written out so the name hashes exactly what is sent.
      attributes: { enabled: true, expires: expiresAt, exportable: false },
      rotationPolicy: keyRotationPolicy({ expiryDays: s.keyExpiryDays, rotateBeforeDays: s.keyRotateBeforeDays }),
    };
    return new keyvault.Key(
      `${name}-signing-key`,
      {
        resourceGroupName: into.group.name,
        vaultName: into.vault.name,
        // Key Vault never updates a key in place: a change of these properties is a new key (signingKeyName).
        keyName: signingKeyName(SIGNING_KEY_BASE_NAME, keyProperties),
        properties: keyProperties,
        tags: s.tags,
      },
      // Default create-before-replace on purpose: the new name differs, and deleting first would leave a window
      // without a key (deleteBeforeReplace would only be needed if the name stayed the same).
      { parent: into.vault, dependsOn: into.deployerRoles },
    );
  }

  /** What the `storage-connection` secret holds (an account key when shared keys are on): secret either way. */
  private storageConnectionDetails(
    s: Settings,
    group: resources.ResourceGroup,
    account: storage.StorageAccount,
  ): pulumi.Output<string> {
    const accountKey = s.allowSharedKeyAccess
      ? storage
          .listStorageAccountKeysOutput({ resourceGroupName: group.name, accountName: account.name }, { parent: this })
          .apply((r) => r.keys[0]!.value)
      : undefined;
    const connection = pulumi
      .all([account.name, account.primaryEndpoints, accountKey])
      .apply(([accountName, endpoints, keyValue]) =>
        storageConnectionDetails({ accountName, blobEndpoint: endpoints.blob, accountKey: keyValue }),
      );
    return pulumi.secret(connection.apply((c) => c.value));
  }

  /** Each secret with an expiry and a content type; returns name -> versionless URI. Names are checked first. */
  private vaultSecrets(
    name: string,
    specs: VaultSecretSpec[],
    into: VaultPlace,
    common: { tags: Record<string, string>; expiresAt: number },
  ): Record<string, pulumi.Output<string>> {
    const seen = new Set<string>();
    const secretUris: Record<string, pulumi.Output<string>> = {};
    for (const spec of specs) {
      if (!SECRET_NAME.test(spec.name))
        throw new Error(`Key Vault secret name "${spec.name}": letters, digits, - only.`);
      if (seen.has(spec.name)) throw new Error(`Key Vault secret "${spec.name}" is defined twice.`);
      seen.add(spec.name);
      const secret = new keyvault.Secret(
        `${name}-secret-${spec.name}`,
        {
          resourceGroupName: into.group.name,
          vaultName: into.vault.name,
          secretName: spec.name,
          properties: {
            value: pulumi.secret(spec.value),
            contentType: spec.contentType,
            attributes: { enabled: true, expires: common.expiresAt },
          },
          tags: common.tags,
        },
        { parent: into.vault, dependsOn: into.deployerRoles, additionalSecretOutputs: ["properties"] },
      );
      secretUris[spec.name] = secret.properties.apply((p) => p.secretUri);
    }
    return secretUris;
  }
}

/** A global name derived from the stack and the component's random suffix. */
type DerivedName = (make: (stack: string, hex: string) => string) => pulumi.Output<string>;

/** Where the vault's keys and secrets go, and the role assignments they wait for. */
interface VaultPlace {
  group: resources.ResourceGroup;
  vault: keyvault.Vault;
  deployerRoles: authorization.RoleAssignment[];
}

/** The component's arguments with every documented default applied. */
interface Settings {
  stack: string;
  location: string;
  tags: Record<string, string>;
  network: AzureNetworkRules;
  storage: AzureServicesStorageArgs;
  keyVault: AzureServicesKeyVaultArgs;
  allowSharedKeyAccess: boolean;
  softDeleteDays: number;
  versioning: boolean;
  containerNames: string[];
  secretExpiryDays: number;
  keyExpiryDays: number;
  keyRotateBeforeDays: number;
  sku: "standard" | "premium";
  protect: boolean;
}

function withDefaults(args: AzureServicesArgs): Settings {
  const st = args.storage ?? {};
  const kv = args.keyVault;
  return {
    stack: args.stack,
    location: args.location,
    tags: args.tags,
    network: args.network ?? { defaultAction: "Allow", allowedIpRanges: [] },
    storage: st,
    keyVault: kv,
    allowSharedKeyAccess: st.allowSharedKeyAccess ?? false,
    softDeleteDays: st.softDeleteDays ?? 0,
    versioning: st.versioning ?? false,
    containerNames: st.containers ?? [],
    secretExpiryDays: kv.secretExpiryDays ?? 365,
    keyExpiryDays: kv.keyExpiryDays ?? 365,
    keyRotateBeforeDays: kv.keyRotateBeforeDays ?? 30,
    sku: kv.sku ?? "standard",
    protect: args.protect ?? false,
  };
}

/** The `storage-connection` secret the component adds to the caller's. */
function storageConnectionSecret(value: pulumi.Output<string>, allowSharedKeyAccess: boolean): VaultSecretSpec {
  return {
    name: "storage-connection",
    value,
    contentType: allowSharedKeyAccess ? "text/plain; azure-storage-connection-string" : "application/json",
  };
}
