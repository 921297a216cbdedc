import * as pulumi from "@pulumi/pulumi";
import { Provider } from "@pulumi/azure-native/provider";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AzureServices } from "../../components/azureServices/azureServices";
import { expiryWarning } from "../../components/azureServices/expiry";
import { runUnderMocks } from "../../scripts/plan/engine";
import { PROJECT } from "../../stacks/config/schema";

const DAY_MS = 86_400_000;
const EXPIRES = Date.UTC(2027, 10, 25) / 1000;

describe("expiryWarning (pure)", () => {
  it("says nothing 30 days or more ahead", () => {
    expect(expiryWarning("signing key", EXPIRES, EXPIRES * 1000 - 30 * DAY_MS)).toBeUndefined();
  });

  it("counts the days left, and the days since", () => {
    expect(expiryWarning("signing key", EXPIRES, EXPIRES * 1000 - 29 * DAY_MS)).toBe(
      "signing key expire 2027-11-25 (in 29 days): move azure.keyVault.expiryAnchor forward to re-issue.",
    );
    expect(expiryWarning("Key Vault secrets", EXPIRES, EXPIRES * 1000 + 10 * DAY_MS)).toBe(
      "Key Vault secrets expired 2027-11-25 (10 days ago): move azure.keyVault.expiryAnchor forward to re-issue.",
    );
  });
});

describe("the expiry warning is printed once per process", () => {
  let warnings: string[];
  beforeAll(async () => {
    // The anchor's expiries (365 days after 2026-11-25) are past in 2031.
    vi.spyOn(Date, "now").mockReturnValue(Date.UTC(2031, 0, 1));
    warnings = [];
    vi.spyOn(pulumi.log, "warn").mockImplementation(async (message: string) => {
      warnings.push(message);
    });
    await runUnderMocks({ project: PROJECT, stack: "twice", config: {} }, () => {
      const provider = new Provider("azure-test", { location: "westeurope" });
      for (const name of ["one", "two"]) {
        new AzureServices(
          name,
          {
            stack: "twice",
            location: "westeurope",
            tags: {},
            storage: { accountName: `st${name}01` },
            keyVault: { name: `kv-${name}-01`, expiryAnchor: "2026-11-25" },
            secrets: [],
          },
          { providers: [provider] },
        );
      }
      return {};
    });
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });

  it("two components with the same expiries: each warning exactly once", () => {
    const expiry = warnings.filter((w) => w.includes("azure.keyVault.expiryAnchor"));
    expect(expiry.filter((w) => w.startsWith("signing key expired 2027-11-25"))).toHaveLength(1);
    expect(expiry.filter((w) => w.startsWith("Key Vault secrets expired 2027-11-25"))).toHaveLength(1);
    expect(expiry).toHaveLength(2);
  });
});
