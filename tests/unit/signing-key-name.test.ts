// Key Vault's management API never updates a key (Keys_CreateIfNotExist), so the signing key's name carries a hash
// of its properties: the same settings keep the name (a second `up` changes nothing), any change gives a new key.
import { describe, expect, it } from "vitest";
import { SIGNING_KEY_BASE_NAME, signingKeyName } from "../../components/azureServices/naming";
import { expiryEpochSeconds, keyRotationPolicy } from "../../components/azureServices/expiry";

const properties = (
  o: { keySize?: number; anchor?: string; expiryDays?: number; rotateBeforeDays?: number; kty?: string } = {},
) => ({
  kty: o.kty ?? "RSA",
  keySize: o.keySize ?? 3072,
  keyOps: ["sign", "verify"],
  attributes: {
    enabled: true,
    expires: expiryEpochSeconds(o.anchor ?? "2026-11-25", o.expiryDays ?? 365),
    exportable: false,
  },
  rotationPolicy: keyRotationPolicy({ expiryDays: o.expiryDays ?? 365, rotateBeforeDays: o.rotateBeforeDays ?? 30 }),
});

describe("signingKeyName", () => {
  const base = signingKeyName(SIGNING_KEY_BASE_NAME, properties());

  it("is app-signing-<8 hex>, a valid Key Vault object name, and stable (key order does not matter)", () => {
    expect(base).toMatch(/^app-signing-[0-9a-f]{8}$/);
    expect(signingKeyName(SIGNING_KEY_BASE_NAME, properties())).toBe(base);
    const reordered = Object.fromEntries(Object.entries(properties()).reverse());
    expect(signingKeyName(SIGNING_KEY_BASE_NAME, reordered)).toBe(base);
  });

  it.each([
    ["keySize", { keySize: 4096 }],
    ["expiryAnchor", { anchor: "2027-11-25" }],
    ["keyExpiryDays (expiry and rotation policy)", { expiryDays: 400 }],
    ["keyRotateBeforeDays (rotation policy)", { rotateBeforeDays: 60 }],
    ["the premium SKU's HSM key type", { kty: "RSA-HSM" }],
  ])("changes with %s", (_what, change) => {
    expect(signingKeyName(SIGNING_KEY_BASE_NAME, properties(change))).not.toBe(base);
  });
});
