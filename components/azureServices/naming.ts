import { createHash } from "node:crypto";
/** Derived names of the Azure resources whose names are global (storage accounts, vaults) or constrained (secrets). */

/** The stack name reduced to lower-case letters and digits (what storage account names allow). */
export function compactStackName(stack: string, max: number): string {
  return (
    stack
      .toLowerCase()
      .replace(/[^a-z0-9]/g, "")
      .slice(0, max) || "stack"
  );
}

/**
 * `st<stack><suffix>`: 3-24 lower-case letters and digits. The suffix (random hex kept in state) makes the name
 * globally unique without asking the user for one; the stack part is cut so the whole fits in 24 characters.
 */
export function storageAccountName(stack: string, suffix: string): string {
  return `st${compactStackName(stack, 24 - 2 - suffix.length)}${suffix}`;
}

/** `kv-<stack>-<suffix>`: 3-24 letters, digits and single hyphens, starting with a letter. */
export function keyVaultName(stack: string, suffix: string): string {
  return `kv-${compactStackName(stack, 24 - 4 - suffix.length)}-${suffix}`;
}

/** Key Vault secret names allow letters, digits and hyphens only. */
export const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;

/** The Key Vault secret that holds a registry user's password (`_` is not allowed in secret names: it becomes `-`). */
export function registrySecretName(user: string): string {
  return `registry-password-${user.replace(/_/g, "-")}`;
}

/** Registry users whose secret names collide once mapped (`a_b` and `a-b`), as pairs. */
export function registrySecretCollisions(users: string[]): [string, string][] {
  const byName = new Map<string, string>();
  const collisions: [string, string][] = [];
  for (const user of users) {
    const name = registrySecretName(user);
    const other = byName.get(name);
    if (other !== undefined) collisions.push([other, user]);
    else byName.set(name, user);
  }
  return collisions;
}

/** The signing key's name before its properties hash (`app-signing-<8 hex>`). */
export const SIGNING_KEY_BASE_NAME = "app-signing";

/**
 * The signing key's name: `base` plus a hash of everything the key is created with. Key Vault's management API only
 * creates keys (`Keys_CreateIfNotExist`: "does not create subsequent versions, and does not update existing keys"),
 * and azure-native calls it for updates too, so a changed size, expiry or rotation policy would report success and
 * change nothing. With the hash in the name, a change is a new key: Pulumi creates it (create-before-replace: the
 * new name never collides with the old) and then deletes the old one through the data plane (azure-native's
 * custom delete), where soft delete keeps it recoverable for the vault's retention period.
 */
export function signingKeyName(base: string, properties: unknown): string {
  const digest = createHash("sha256").update(canonicalJson(properties)).digest("hex").slice(0, 8);
  const name = `${base}-${digest}`;
  if (!SECRET_NAME.test(name)) throw new Error(`Key Vault key name "${name}": letters, digits, - only, 1-127.`);
  return name;
}

/** JSON with object keys sorted, so the same properties always hash the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
