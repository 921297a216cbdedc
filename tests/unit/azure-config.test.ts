import { describe, expect, it } from "vitest";
import { azureSettings } from "../../stacks/azure";
import { parseStackConfig } from "../../stacks/config/parse";
import { problems, raw } from "./support/rawConfig";
import { SECRET_KEYS } from "../../stacks/config/schema";

const HOST = { sshAllowedCidrs: ["203.0.113.10/32"] };
const ANCHOR = { expiryAnchor: "2026-11-25" };
const PROD_SECRETS = ["tlsCertificateChain", "tlsPrivateKey"];

/** A dev config with Azure on, plus `azure` overrides (merged one level deep). */
function dev(azure: Record<string, unknown>, extra: Record<string, unknown> = {}, secretKeys: string[] = []) {
  return raw(
    "dev",
    { host: HOST, azure: { enabled: true, ...azure, keyVault: { ...ANCHOR, ...(azure.keyVault ?? {}) } }, ...extra },
    secretKeys,
  );
}

function prod(azure: Record<string, unknown>, secretKeys: string[] = PROD_SECRETS) {
  return raw(
    "prod",
    {
      host: HOST,
      dns: { enabled: true, domain: "example.com" },
      tls: { mode: "provided" },
      tlsCertificateChain: "pem",
      tlsPrivateKey: "pem",
      azure: { enabled: true, ...azure, keyVault: { ...ANCHOR, ...(azure.keyVault ?? {}) } },
    },
    secretKeys,
  );
}

describe("azure config: defaults", () => {
  it("is off unless enabled (an AWS-only deployment needs no Azure setting)", () => {
    const config = parseStackConfig(raw("dev", { host: HOST }));
    expect(config.azure.enabled).toBe(false);
    expect(config.azure.keyVault.expiryAnchor).toBeUndefined();
  });

  it("fills every documented default", () => {
    const config = parseStackConfig(dev({}));
    expect(config.azure).toEqual({
      enabled: true,
      location: "koreacentral",
      network: { defaultAction: "Allow", allowedIpRanges: [] },
      storage: { allowSharedKeyAccess: false, containers: ["uploads"] },
      keyVault: {
        sku: "standard",
        expiryAnchor: "2026-11-25",
        secretExpiryDays: 365,
        keyExpiryDays: 365,
        keyRotateBeforeDays: 30,
        keySize: 3072,
      },
      mail: { enabled: false, dnsRecords: [] },
    });
  });

  it("resolves the composition defaults: dev cheap, prod protected; config wins", () => {
    expect(azureSettings(parseStackConfig(dev({})))).toEqual({
      redundancy: "Standard_LRS",
      softDeleteDays: 0,
      versioning: false,
      softDeleteRetentionDays: 7,
      purgeProtection: false,
      protect: false,
    });
    expect(azureSettings(parseStackConfig(prod({})))).toEqual({
      redundancy: "Standard_GRS",
      softDeleteDays: 30,
      versioning: true,
      softDeleteRetentionDays: 90,
      purgeProtection: true,
      protect: true,
    });
    const custom = parseStackConfig(
      prod({ storage: { redundancy: "Standard_ZRS", softDeleteDays: 7 }, keyVault: { softDeleteRetentionDays: 30 } }),
    );
    expect(azureSettings(custom)).toMatchObject({
      redundancy: "Standard_ZRS",
      softDeleteDays: 7,
      softDeleteRetentionDays: 30,
    });
  });

  it("accepts mail with its SendGrid key set as a secret", () => {
    const config = parseStackConfig(
      dev(
        { mail: { enabled: true, dnsRecords: [{ name: "em1234", value: "u1234.wl.sendgrid.net" }] } },
        { sendgridApiKey: "SG.x" },
        ["sendgridApiKey"],
      ),
    );
    expect(config.azure.mail.dnsRecords).toEqual([{ name: "em1234", value: "u1234.wl.sendgrid.net" }]);
    expect(config.secretsSet.sendgridApiKey).toBe(true);
  });
});

describe("azure config: location", () => {
  it("rejects a display name with spaces, before anything else", () => {
    expect(problems(dev({ location: "Korea Central" }))).toEqual([
      {
        key: "azure.location",
        message: "must be an Azure region name such as koreacentral (lower case, no spaces).",
        fix: "pulumi config set --path 'azure.location' koreacentral",
      },
    ]);
  });

  it("rejects a misspelt region with the nearest real one", () => {
    expect(problems(dev({ location: "koreacentrl" }))).toEqual([
      {
        key: "azure.location",
        message:
          '"koreacentrl" is not an Azure region (did you mean "koreacentral"?); list them with ' +
          "`az account list-locations -o table` (Name column).",
        fix: "pulumi config set --path 'azure.location' koreacentral",
      },
    ]);
  });

  it("rejects an unknown region without a far-fetched suggestion", () => {
    expect(problems(dev({ location: "marsnorth" }))).toEqual([
      {
        key: "azure.location",
        message:
          '"marsnorth" is not an Azure region; list them with `az account list-locations -o table` (Name column).',
        fix: "pulumi config set --path 'azure.location' koreacentral",
      },
    ]);
  });
});

describe("azure config: mail", () => {
  it("requires the SendGrid API key when mail is on, with the --secret command", () => {
    expect(problems(dev({ mail: { enabled: true } }))).toEqual([
      {
        key: "sendgridApiKey",
        message:
          "is required when azure.mail.enabled is true: the program stores the SendGrid API key in Key Vault " +
          "(create it in SendGrid under Settings > API Keys, with Mail Send access).",
        fix: "pulumi config set --secret sendgridApiKey -- SG.xxxxx",
      },
    ]);
    expect(SECRET_KEYS.sendgridApiKey).toContain("--secret");
  });

  it("refuses the key in clear text", () => {
    const found = problems(dev({ mail: { enabled: true } }, { sendgridApiKey: "SG.x" }));
    expect(found.map((p) => p.key)).toEqual(["sendgridApiKey"]);
    expect(found[0]!.message).toBe("holds a secret but is stored in clear text in the stack file.");
  });

  it("refuses mail while Azure is off (the key lives in Key Vault)", () => {
    const found = problems(
      raw("dev", { host: HOST, azure: { mail: { enabled: true } }, sendgridApiKey: "SG.x" }, ["sendgridApiKey"]),
    );
    expect(found).toEqual([
      {
        key: "azure.mail.enabled",
        message: "is true but azure.enabled is false: the SendGrid API key is kept in the Azure Key Vault.",
        fix: "pulumi config set --path 'azure.enabled' true",
      },
    ]);
  });

  it("refuses a domain-authentication record that takes a site's name", () => {
    const found = problems(
      dev(
        { mail: { enabled: true, dnsRecords: [{ name: "www", value: "u1.wl.sendgrid.net" }] } },
        { sendgridApiKey: "SG.x" },
        ["sendgridApiKey"],
      ),
    );
    expect(found).toEqual([
      {
        key: "azure.mail.dnsRecords[0].name",
        message: '"www" is already used by the site www; a CNAME cannot share its name with another record.',
        fix: "pulumi config set --path 'azure.mail.dnsRecords[0].name' '<the name SendGrid shows>'",
      },
    ]);
  });

  it("refuses a record target that is not a host name", () => {
    const found = problems(
      dev(
        { mail: { enabled: true, dnsRecords: [{ name: "em1", value: "https://u1.wl.sendgrid.net/" }] } },
        { sendgridApiKey: "SG.x" },
        ["sendgridApiKey"],
      ),
    );
    expect(found).toEqual([
      {
        key: "azure.mail.dnsRecords[0].value",
        message: "must be a host name such as u1234.wl.sendgrid.net (lower case, no trailing dot).",
        fix: "pulumi config set --path 'azure.mail.dnsRecords[0].value' u1234.wl.sendgrid.net",
      },
    ]);
  });
});

describe("azure config: storage and vault names", () => {
  it.each([
    ["My_Storage", "upper case and _"],
    ["ab", "too short"],
    ["a".repeat(25), "too long"],
  ])("rejects the storage account name %s (%s)", (accountName) => {
    expect(problems(dev({ storage: { accountName } }))).toEqual([
      {
        key: "azure.storage.accountName",
        message: "must be 3-24 lower-case letters and digits (Azure storage account name rules).",
        fix: "pulumi config set --path 'azure.storage.accountName' ststartupprod01",
      },
    ]);
  });

  it("accepts a valid storage account name", () => {
    expect(parseStackConfig(dev({ storage: { accountName: "ststartupprod01" } })).azure.storage.accountName).toBe(
      "ststartupprod01",
    );
  });

  it.each(["Uploads", "a--b", "ab", "-uploads"])("rejects the container name %s", (name) => {
    expect(problems(dev({ storage: { containers: ["ok-name", name] } }))).toEqual([
      {
        key: "azure.storage.containers[1]",
        message: "must be 3-63 lower-case letters, digits and single inner hyphens (container name).",
        fix: "pulumi config set --path 'azure.storage.containers[1]' uploads",
      },
    ]);
  });

  it("rejects a container listed twice", () => {
    expect(problems(dev({ storage: { containers: ["uploads", "uploads"] } }))).toEqual([
      {
        key: "azure.storage.containers",
        message: "must not list a container twice.",
        fix: "pulumi config set --path 'azure.storage.containers[0]' uploads",
      },
    ]);
  });

  it.each(["1kv", "kv--x", "kv-", "kv_prod"])("rejects the Key Vault name %s", (name) => {
    expect(problems(dev({ keyVault: { name } }))).toEqual([
      {
        key: "azure.keyVault.name",
        message: "must be 3-24 letters, digits and single inner hyphens, starting with a letter.",
        fix: "pulumi config set --path 'azure.keyVault.name' kv-startup-prod",
      },
    ]);
  });

  it("rejects registry users whose Key Vault secret names collide", () => {
    expect(problems(dev({}, { registry: { users: ["ci_bot", "ci-bot"] } }))).toEqual([
      {
        key: "registry.users",
        message:
          '"ci_bot" and "ci-bot" map to the same Key Vault secret name (Key Vault allows no "_"): rename one of them.',
        fix: "pulumi config set --path 'registry.users[0]' ci",
      },
    ]);
  });
});

describe("azure config: expiries, network, prod protections", () => {
  it("requires the expiry anchor when Azure is on, with a copy-pasteable fix", () => {
    const input = raw("dev", { host: HOST, azure: { enabled: true } });
    expect(problems(input)).toEqual([
      {
        key: "azure.keyVault.expiryAnchor",
        message:
          "is required when azure.enabled is true: key and secret expiries are this date plus secretExpiryDays / " +
          "keyExpiryDays, so a second `up` changes nothing (use today's date).",
        fix: `pulumi config set --path 'azure.keyVault.expiryAnchor' "$(date -u +%F)"`,
      },
    ]);
  });

  it.each([
    ["25-11-2026", "must be a date such as 2026-11-25 (YYYY-MM-DD)."],
    ["2026-02-30", "is not a calendar date."],
  ])("rejects the anchor %s", (expiryAnchor, message) => {
    expect(problems(dev({ keyVault: { expiryAnchor } }))).toEqual([
      {
        key: "azure.keyVault.expiryAnchor",
        message,
        fix: "pulumi config set --path 'azure.keyVault.expiryAnchor' 2026-11-25",
      },
    ]);
  });

  it("refuses a rotation too close to the key's expiry", () => {
    expect(problems(dev({ keyVault: { keyExpiryDays: 30, keyRotateBeforeDays: 28 } }))).toEqual([
      {
        key: "azure.keyVault.keyRotateBeforeDays",
        message:
          "28 days before an expiry of 30 days leaves less than the 7 days Key Vault needs between a key version's " +
          "creation and its rotation.",
        fix: "pulumi config set --path 'azure.keyVault.keyRotateBeforeDays' 23",
      },
    ]);
  });

  it("refuses a key size other than 3072 or 4096", () => {
    expect(problems(dev({ keyVault: { keySize: 2048 } }))[0]!.key).toBe("azure.keyVault.keySize");
  });

  it("refuses a Deny network rule with nothing allowed", () => {
    expect(problems(dev({ network: { defaultAction: "Deny" } }))).toEqual([
      {
        key: "azure.network.allowedIpRanges",
        message:
          "is empty while azure.network.defaultAction is Deny: no app, person or CI agent could reach the storage " +
          "account or the vault. List the addresses that need them (the CI agents' egress included).",
        fix: "pulumi config set --path 'azure.network.allowedIpRanges[0]' 203.0.113.10/32",
      },
    ]);
  });

  it("refuses IPv6 ranges (Azure allow lists are IPv4)", () => {
    expect(problems(dev({ network: { defaultAction: "Deny", allowedIpRanges: ["2001:db8::/32"] } }))).toEqual([
      {
        key: "azure.network.allowedIpRanges[0]",
        message: "must be IPv4 (Azure allow lists take IPv4 only).",
        fix: "pulumi config set --path 'azure.network.allowedIpRanges[0]' 203.0.113.10/32",
      },
    ]);
  });

  it("refuses turning blob soft delete off in prod", () => {
    expect(problems(prod({ storage: { softDeleteDays: 0 } }))).toEqual([
      {
        key: "azure.storage.softDeleteDays",
        message: "is 0 in prod: blob and container soft delete is required there (CKV2_AZURE_38). Use 7 or more days.",
        fix: "pulumi config set --path 'azure.storage.softDeleteDays' 30",
      },
    ]);
  });

  it("refuses an unknown storage redundancy, listing the valid ones", () => {
    expect(problems(dev({ storage: { redundancy: "Premium_LRS" } }))[0]).toMatchObject({
      key: "azure.storage.redundancy",
      message:
        '"Premium_LRS" is not one of "Standard_LRS", "Standard_ZRS", "Standard_GRS", "Standard_RAGRS", ' +
        '"Standard_GZRS", "Standard_RAGZRS".',
    });
  });
});
