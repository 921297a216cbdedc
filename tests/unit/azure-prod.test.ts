import { rmSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { containsSecret, maskSecrets } from "../../scripts/plan/secrets";
import { mintCa, mintLeaf, tempDir } from "../fixtures/certs";
import { runStack, type StackRun } from "./support/runStack";

const SENDGRID_KEY = "SG.test-key.0123456789abcdefghijklmnopqrstuvwxyz";
const MAIL_RECORDS = [
  { name: "em1234", value: "u1234.wl.sendgrid.net" },
  { name: "s1._domainkey", value: "s1.domainkey.u1234.wl.sendgrid.net" },
  { name: "s2._domainkey", value: "s2.domainkey.u1234.wl.sendgrid.net" },
];

/** A private CA and a leaf it signs for the prod sites (prod uses `tls.mode: provided`); chain = leaf + CA. */
function mintProvidedCertificate(names: string[]): { tlsCertificateChain: string; tlsPrivateKey: string } {
  const dir = tempDir("azure-prod-");
  try {
    const ca = mintCa(dir);
    const leaf = mintLeaf(dir, ca, { name: "site", dnsNames: names });
    return { tlsCertificateChain: leaf.certPem + ca.certPem, tlsPrivateKey: leaf.keyPem };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let run: StackRun;
beforeAll(async () => {
  const tls = mintProvidedCertificate(["docker.example.com", "www.example.com", "admin.example.com"]);
  run = await runStack(
    "prod",
    {
      // Replaces the stack file's azure block: mail on, shared keys on (the connection-string path), an allow list.
      azure: {
        enabled: true,
        location: "koreacentral",
        network: { defaultAction: "Deny", allowedIpRanges: ["203.0.113.10/32", "198.51.100.0/24"] },
        storage: { allowSharedKeyAccess: true, containers: ["uploads", "backups"] },
        keyVault: { expiryAnchor: "2026-11-25", secretExpiryDays: 180, keyExpiryDays: 730, keySize: 4096 },
        mail: { enabled: true, dnsRecords: MAIL_RECORDS },
      },
    },
    { ...tls, sendgridApiKey: SENDGRID_KEY },
  );
});

const azure = (type: string) => run.ofType(`azure-native:${type}`);
const secretNamed = (name: string) => {
  const found = azure("keyvault:Secret").filter((s) => s.props.secretName === name);
  expect(found, name).toHaveLength(1);
  return found[0]!;
};

describe("prod: storage account", () => {
  it("keeps the security bar, geo-redundant, and is protected from `pulumi destroy`", () => {
    const [account] = azure("storage:StorageAccount");
    expect(account!.props).toMatchObject({
      kind: "StorageV2",
      sku: { name: "Standard_GRS" },
      minimumTlsVersion: "TLS1_2",
      enableHttpsTrafficOnly: true,
      allowBlobPublicAccess: false,
      allowSharedKeyAccess: true,
      defaultToOAuthAuthentication: false,
    });
    expect(account!.protect).toBe(true);
    expect(account!.props.accountName).toMatch(/^stprod[0-9a-f]{6}$/);
  });

  it("turns on blob and container soft delete (30 days) and versioning", () => {
    const services = azure("storage:BlobServiceProperties");
    expect(services).toHaveLength(1);
    expect(services[0]!.props).toMatchObject({
      blobServicesName: "default",
      deleteRetentionPolicy: { enabled: true, days: 30 },
      containerDeleteRetentionPolicy: { enabled: true, days: 30 },
      isVersioningEnabled: true,
    });
  });

  it("keeps every container private", () => {
    const containers = azure("storage:BlobContainer");
    expect(containers.map((c) => c.props.containerName)).toEqual(["uploads", "backups"]);
    for (const c of containers) expect(c.props.publicAccess).toBe("None");
  });

  it("denies by default and admits the allow list (a single address given bare, as storage requires)", () => {
    expect(azure("storage:StorageAccount")[0]!.props.networkRuleSet).toEqual({
      bypass: "AzureServices",
      defaultAction: "Deny",
      ipRules: [
        { iPAddressOrRange: "203.0.113.10", action: "Allow" },
        { iPAddressOrRange: "198.51.100.0/24", action: "Allow" },
      ],
    });
  });
});

describe("prod: Key Vault", () => {
  it("has purge protection, 90-day soft delete, RBAC, the allow list, and is protected", () => {
    const [vault] = azure("keyvault:Vault");
    expect(vault!.props.properties).toMatchObject({
      enableRbacAuthorization: true,
      enableSoftDelete: true,
      softDeleteRetentionInDays: 90,
      enablePurgeProtection: true,
      networkAcls: {
        bypass: "AzureServices",
        defaultAction: "Deny",
        ipRules: [{ value: "203.0.113.10/32" }, { value: "198.51.100.0/24" }],
      },
    });
    expect(vault!.protect).toBe(true);
  });

  it("holds an RSA 4096 key expiring at anchor + 730 days, rotated 30 days before", () => {
    const props = azure("keyvault:Key")[0]!.props.properties;
    expect(props).toMatchObject({ kty: "RSA", keySize: 4096, keyOps: ["sign", "verify"] });
    expect(props.attributes.expires).toBe(Date.UTC(2028, 10, 24) / 1000);
    expect(props.rotationPolicy).toEqual({
      attributes: { expiryTime: "P730D" },
      lifetimeActions: [{ trigger: { timeBeforeExpiry: "P30D" }, action: { type: "rotate" } }],
    });
  });

  it("stores the SendGrid API key (mail on) next to the other secrets, each with expiry and content type", () => {
    expect(
      azure("keyvault:Secret")
        .map((s) => s.props.secretName)
        .sort(),
    ).toEqual([
      "database-password",
      "registry-password-ci",
      "registry-password-deploy",
      "sendgrid-api-key",
      "storage-connection",
    ]);
    for (const s of azure("keyvault:Secret")) {
      expect(s.props.properties.attributes.expires, s.name).toBe(Date.UTC(2027, 4, 24) / 1000);
      expect(s.props.properties.contentType, s.name).toBeTruthy();
    }
    const sendgrid = secretNamed("sendgrid-api-key");
    expect(sendgrid.props.properties).toMatchObject({
      value: SENDGRID_KEY,
      contentType: "text/plain; sendgrid-api-key",
    });
  });

  it("keeps every secret value out of the state in clear", () => {
    for (const s of azure("keyvault:Secret")) {
      expect(containsSecret(s.inputs.properties), s.name).toBe(true);
      expect(JSON.stringify(maskSecrets(s.inputs)), s.name).not.toContain(s.props.properties.value as string);
    }
    const everything = JSON.stringify(run.resources.map((r) => maskSecrets(r.inputs)));
    expect(everything).not.toContain(SENDGRID_KEY);
  });

  it("with shared keys on, stores a connection string with the account key, as a secret", () => {
    const s = secretNamed("storage-connection");
    expect(s.props.properties.contentType).toBe("text/plain; azure-storage-connection-string");
    const account = run.outputs.azureStorageAccountName!.value as string;
    expect(s.props.properties.value).toMatch(
      new RegExp(
        `^DefaultEndpointsProtocol=https;AccountName=${account};AccountKey=[A-Za-z0-9+/=]{40,};EndpointSuffix=core\\.windows\\.net$`,
      ),
    );
    expect(run.outputs.azureStorageConnection).toEqual({ value: s.props.properties.value, secret: true });
  });
});

describe("prod: mail (SendGrid)", () => {
  it("exposes the domain-authentication CNAMEs as DNS extra records for the stack's zone", () => {
    expect(run.outputs.azureMailDnsRecords!.value).toEqual(
      MAIL_RECORDS.map((r) => ({ name: r.name, type: "CNAME", values: [r.value] })),
    );
    expect(run.outputs.azureMail!.value).toBe(
      "SendGrid: API key in Key Vault secret sendgrid-api-key; 3 domain-authentication record(s) " +
        "(azureMailDnsRecords) for the stack's DNS zone",
    );
  });
});
