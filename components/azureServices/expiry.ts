/**
 * Key and secret expiries, anchored to a fixed date from config (`azure.keyVault.expiryAnchor`) rather than to "now":
 * the same config gives the same epoch seconds on every run, so a second `up` changes nothing. Re-issuing is an
 * explicit act: move the anchor forward.
 */

const DAY_SECONDS = 86_400;

/** Epoch seconds of `anchor` (YYYY-MM-DD, UTC midnight) plus `days`. */
export function expiryEpochSeconds(anchor: string, days: number): number {
  const start = Date.parse(`${anchor}T00:00:00Z`);
  if (Number.isNaN(start)) throw new Error(`expiry anchor "${anchor}" is not a date such as 2026-11-25`);
  return start / 1000 + days * DAY_SECONDS;
}

/** ISO 8601 duration in days, as Key Vault rotation policies spell it (`P365D`). */
export function isoDays(days: number): string {
  return `P${days}D`;
}

/** How a key rotates: Key Vault makes a new version `rotateBeforeDays` before expiry; each version lives `expiryDays`. */
export interface KeyRotation {
  expiryDays: number;
  rotateBeforeDays: number;
}

/** The key's rotation policy (Key Vault `rotationPolicy`): rotate before expiry; new versions expire after expiryDays. */
export function keyRotationPolicy(rotation: KeyRotation) {
  if (rotation.expiryDays - rotation.rotateBeforeDays < 7) {
    throw new Error(
      `the key would rotate ${rotation.rotateBeforeDays} days before an expiry of ${rotation.expiryDays} days: ` +
        "Key Vault needs at least 7 days between creation and rotation.",
    );
  }
  return {
    attributes: { expiryTime: isoDays(rotation.expiryDays) },
    lifetimeActions: [
      { trigger: { timeBeforeExpiry: isoDays(rotation.rotateBeforeDays) }, action: { type: "rotate" as const } },
    ],
  };
}

/** Whole days from `nowMs` until `epochSeconds` (negative when already past). */
export function daysUntil(epochSeconds: number, nowMs: number): number {
  return Math.floor((epochSeconds * 1000 - nowMs) / (DAY_SECONDS * 1000));
}
