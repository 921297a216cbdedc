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
