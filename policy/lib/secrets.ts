import * as pulumi from "@pulumi/pulumi";

/** The string every secret value becomes in plan.json and in printed output. */
export const SECRET_PLACEHOLDER = "[secret]";

// The engine's wire form of a secret: { [specialSigKey]: specialSecretSig, value }.
const SIG_KEY = pulumi.runtime.specialSigKey;
const SECRET_SIG = pulumi.runtime.specialSecretSig;

/** True when `value` is the engine's wire form of a secret. */
export function isWireSecret(value: unknown): value is { value: unknown } {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Replaces every secret (at any depth) by "[secret]": what plan.json and summaries show. */
export function maskSecrets(value: unknown): unknown {
  if (isWireSecret(value)) return SECRET_PLACEHOLDER;
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v)]));
  }
  return value;
}

/** Removes the secret wrappers, keeping the values: what policies see (as CrossGuard does). */
export function unwrapSecrets(value: unknown): unknown {
  if (isWireSecret(value)) return unwrapSecrets(value.value);
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

/** True when any value at any depth is a secret. */
export function containsSecret(value: unknown): boolean {
  if (isWireSecret(value)) return true;
  if (Array.isArray(value)) return value.some(containsSecret);
  if (typeof value === "object" && value !== null) return Object.values(value).some(containsSecret);
  return false;
}
