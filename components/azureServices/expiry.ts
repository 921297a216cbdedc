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

/** How close an expiry must be before a deploy warns about it (days). */
export const EXPIRY_WARNING_DAYS = 30;

/**
 * The deploy-time warning for a fixed expiry that is close or past (`what`: "signing key", "Key Vault secrets"), or
 * undefined when it is more than EXPIRY_WARNING_DAYS away. The fix is to move the anchor forward.
 */
export function expiryWarning(what: string, epochSeconds: number, nowMs: number): string | undefined {
  const days = daysUntil(epochSeconds, nowMs);
  if (days >= EXPIRY_WARNING_DAYS) return undefined;
  const date = new Date(epochSeconds * 1000).toISOString().slice(0, 10);
  const when = days < 0 ? `expired ${date} (${-days} days ago)` : `expire ${date} (in ${days} days)`;
  return `${what} ${when}: move azure.keyVault.expiryAnchor forward to re-issue.`;
}
