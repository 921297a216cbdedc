/**
 * Built-in Azure role definition ids (the same GUID in every subscription). The deploying identity gets the two
 * Key Vault data-plane officer roles on the vault, so `up` can write keys and secrets and `destroy` can delete them
 * once the vault only accepts RBAC (no access policies).
 */
export const KEY_VAULT_ROLES = {
  "Key Vault Secrets Officer": "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
  "Key Vault Crypto Officer": "14b46e9e-c2b7-41b4-b07b-48a6ebf60603",
} as const;

export type PrincipalType = "User" | "ServicePrincipal" | "Group";

/**
 * The principal type of the deploying identity for its role assignments: the configured one, else detected from the
 * environment the azure-native provider signs in with. ARM_CLIENT_ID is what makes it sign in as an application
 * (OIDC federation, client secret or certificate) or a managed identity, and role assignments call both
 * "ServicePrincipal"; without it the provider uses the Azure CLI's signed-in user.
 */
export function deployerPrincipalTypeOf(
  configured: PrincipalType | undefined,
  env: Readonly<Record<string, string | undefined>>,
): PrincipalType {
  if (configured) return configured;
  return (env.ARM_CLIENT_ID ?? "").trim() !== "" ? "ServicePrincipal" : "User";
}

/** Full role definition id in a subscription. */
export function roleDefinitionId(subscriptionId: string, roleId: string): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`;
}
