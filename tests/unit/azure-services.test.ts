import { Provider } from "@pulumi/azure-native/provider";
import { beforeAll, describe, expect, it } from "vitest";
import { AzureServices } from "../../components/azureServices/azureServices";
import { storageConnectionDetails } from "../../components/azureServices/connection";
import { daysUntil, expiryEpochSeconds, keyRotationPolicy } from "../../components/azureServices/expiry";
import { mailDnsRecords } from "../../components/azureServices/mail";
import {
  keyVaultName,
  registrySecretCollisions,
  registrySecretName,
  storageAccountName,
} from "../../components/azureServices/naming";
import { keyVaultNetworkAcls, storageNetworkRuleSet } from "../../components/azureServices/network";
import { resolveOutput, runUnderMocks } from "../../scripts/plan/engine";
import { containsSecret, unwrapSecrets } from "../../scripts/plan/secrets";
import type { PlannedResource } from "../../scripts/plan/types";
import { KEY_VAULT_NAME, STORAGE_ACCOUNT_NAME } from "../../stacks/config/sections/azure";
import { PROJECT } from "../../stacks/config/schema";

describe("derived names (pure)", () => {
  it.each(["dev", "prod", "Prod_EU-2", "a-very-long-stack-name-for-testing"])(
    "fit Azure's rules for the stack %s",
    (stack) => {
      const account = storageAccountName(stack, "a1b2c3");
      const vault = keyVaultName(stack, "a1b2c3");
      expect(account).toMatch(STORAGE_ACCOUNT_NAME);
      expect(vault).toMatch(KEY_VAULT_NAME);
      expect(account.endsWith("a1b2c3")).toBe(true);
      expect(vault.endsWith("-a1b2c3")).toBe(true);
    },
  );

  it("keep the stack readable in the name", () => {
    expect(storageAccountName("Prod_EU-2", "a1b2c3")).toBe("stprodeu2a1b2c3");
    expect(keyVaultName("dev", "a1b2c3")).toBe("kv-dev-a1b2c3");
  });

  it("map registry users to valid, collision-checked secret names", () => {
    expect(registrySecretName("ci_bot")).toBe("registry-password-ci-bot");
    expect(registrySecretCollisions(["ci_bot", "deploy", "ci-bot"])).toEqual([["ci_bot", "ci-bot"]]);
    expect(registrySecretCollisions(["ci", "deploy"])).toEqual([]);
  });
});

describe("expiries and rotation (pure)", () => {
  it("count whole days from the anchor at UTC midnight, the same on every run", () => {
    expect(expiryEpochSeconds("2026-11-25", 365)).toBe(Date.UTC(2027, 10, 25) / 1000);
    expect(expiryEpochSeconds("2026-11-25", 365)).toBe(expiryEpochSeconds("2026-11-25", 365));
    expect(daysUntil(Date.UTC(2027, 10, 25) / 1000, Date.UTC(2027, 10, 15))).toBe(10);
    expect(daysUntil(Date.UTC(2027, 10, 25) / 1000, Date.UTC(2027, 11, 5))).toBe(-10);
    expect(() => expiryEpochSeconds("someday", 1)).toThrow('expiry anchor "someday" is not a date such as 2026-11-25');
  });

  it("rotate before expiry, and refuse a rotation closer than 7 days to creation", () => {
    expect(keyRotationPolicy({ expiryDays: 90, rotateBeforeDays: 14 })).toEqual({
      attributes: { expiryTime: "P90D" },
      lifetimeActions: [{ trigger: { timeBeforeExpiry: "P14D" }, action: { type: "rotate" } }],
    });
    expect(() => keyRotationPolicy({ expiryDays: 30, rotateBeforeDays: 28 })).toThrow(
      "the key would rotate 28 days before an expiry of 30 days: Key Vault needs at least 7 days between creation and rotation.",
    );
  });
});

describe("network rules, connection details, mail records (pure)", () => {
  it("give storage bare single addresses and the vault CIDRs", () => {
    const rules = { defaultAction: "Deny" as const, allowedIpRanges: ["203.0.113.10/32", "198.51.100.0/24"] };
    expect(storageNetworkRuleSet(rules).ipRules.map((r) => r.iPAddressOrRange)).toEqual([
      "203.0.113.10",
      "198.51.100.0/24",
    ]);
    expect(keyVaultNetworkAcls(rules).ipRules).toEqual([{ value: "203.0.113.10/32" }, { value: "198.51.100.0/24" }]);
  });

  it("hold a connection string only when an account key is given", () => {
    const withKey = storageConnectionDetails({
      accountName: "st1",
      blobEndpoint: "https://st1.blob/",
      accountKey: "k==",
    });
    expect(withKey.value).toBe(
      "DefaultEndpointsProtocol=https;AccountName=st1;AccountKey=k==;EndpointSuffix=core.windows.net",
    );
    const entra = storageConnectionDetails({ accountName: "st1", blobEndpoint: "https://st1.blob/" });
    expect(entra.contentType).toBe("application/json");
    expect(JSON.parse(entra.value)).toMatchObject({ blobEndpoint: "https://st1.blob/", authentication: "entra-id" });
  });

  it("turn SendGrid's records into CNAME extra records, only when mail is on", () => {
    const dnsRecords = [{ name: "em1", value: "u1.wl.sendgrid.net" }];
    expect(mailDnsRecords({ enabled: true, dnsRecords })).toEqual([
      { name: "em1", type: "CNAME", values: ["u1.wl.sendgrid.net"] },
    ]);
    expect(mailDnsRecords({ enabled: false, dnsRecords })).toEqual([]);
  });
});

// Expiries are not under test here: anchored today, a year away, so no expiry warning is printed.
const TODAY = new Date().toISOString().slice(0, 10);

let resources: PlannedResource[];
let failures: string[];
let outputs: Record<string, { value: unknown; secret: boolean }>;
beforeAll(async () => {
  // The component on its own, with its defaults, given names, and a secret passed in as plain text.
  const run = await runUnderMocks({ project: PROJECT, stack: "component", config: {} }, () => {
    const provider = new Provider("azure-test", { location: "westeurope" });
    const services = new AzureServices(
      "svc",
      {
        stack: "component",
        location: "westeurope",
        tags: { Project: "p" },
        storage: { accountName: "stgiven01" },
        keyVault: { name: "kv-given-01", expiryAnchor: TODAY },
        secrets: [{ name: "plain-input", value: "not-wrapped-by-the-caller", contentType: "text/plain" }],
      },
      { providers: [provider] },
    );
    const errors: string[] = [];
    const base = {
      stack: "x",
      location: "westeurope",
      tags: {},
      keyVault: { name: "kv-x", expiryAnchor: TODAY },
    };
    for (const [name, secrets] of [
      ["bad-name", [{ name: "db_password", value: "v", contentType: "text/plain" }]],
      ["twice", [1, 2].map(() => ({ name: "same", value: "v", contentType: "text/plain" }))],
    ] as const) {
      try {
        new AzureServices(
          name,
          { ...base, storage: { accountName: `st${name.replace("-", "")}` }, secrets: [...secrets] },
          { providers: [provider] },
        );
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    return { errors, uris: services.secretUris, connection: services.storageConnection };
  });
  resources = run.resources.filter((r) => !r.name.startsWith("bad-name") && !r.name.startsWith("twice"));
  failures = run.result.errors;
  outputs = { uris: await resolveOutput(run.result.uris), connection: await resolveOutput(run.result.connection) };
});

describe("AzureServices on its own", () => {
  const ofType = (type: string) => resources.filter((r) => r.type === `azure-native:${type}`);

  it("keeps a secret secret even when the caller passes plain text", () => {
    const secret = ofType("keyvault:Secret").find(
      (s) => (unwrapSecrets(s.inputs) as any).secretName === "plain-input",
    )!;
    expect(containsSecret(secret.inputs.properties)).toBe(true);
    expect((unwrapSecrets(secret.inputs) as any).properties.value).toBe("not-wrapped-by-the-caller");
    expect(outputs.connection!.secret).toBe(true);
  });

  it("uses the given names and then needs no random suffix", () => {
    expect(resources.filter((r) => r.type === "random:index/randomId:RandomId")).toHaveLength(0);
    expect(ofType("storage:StorageAccount")[0]!.inputs.accountName).toBe("stgiven01");
    expect(ofType("keyvault:Vault")[0]!.inputs.vaultName).toBe("kv-given-01");
  });

  it("defaults to LRS, no containers, no soft delete or versioning, 90-day vault soft delete, no purge protection", () => {
    expect(ofType("storage:StorageAccount")[0]!.inputs.sku).toEqual({ name: "Standard_LRS" });
    expect(ofType("storage:BlobContainer")).toHaveLength(0);
    expect(ofType("storage:BlobServiceProperties")).toHaveLength(0);
    const vault = ofType("keyvault:Vault")[0]!.inputs.properties as Record<string, unknown>;
    expect(vault.softDeleteRetentionInDays).toBe(90);
    expect("enablePurgeProtection" in vault).toBe(false);
    expect(ofType("storage:StorageAccount")[0]!.protect).toBe(false);
  });

  it("lists each secret's versionless URI, not as a secret", () => {
    expect(outputs.uris).toEqual({
      value: {
        "plain-input": "https://kv-given-01.vault.azure.net/secrets/plain-input",
        "storage-connection": "https://kv-given-01.vault.azure.net/secrets/storage-connection",
      },
      secret: false,
    });
  });

  it("refuses invalid or duplicate secret names", () => {
    expect(failures).toEqual([
      'Key Vault secret name "db_password": letters, digits, - only.',
      'Key Vault secret "same" is defined twice.',
    ]);
  });
});
