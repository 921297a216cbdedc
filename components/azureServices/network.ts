/** The allow list shared by the storage account and the Key Vault. */
export interface AzureNetworkRules {
  /** Traffic matching no rule. */
  defaultAction: "Allow" | "Deny";
  /** IPv4 addresses or CIDR blocks let through when defaultAction is Deny. */
  allowedIpRanges: string[];
}

/** Key Vault `networkAcls`: trusted Azure services bypass (ARM deployments, backup), the rest by address. */
export function keyVaultNetworkAcls(rules: AzureNetworkRules) {
  return {
    bypass: "AzureServices",
    defaultAction: rules.defaultAction,
    ipRules: rules.allowedIpRanges.map((value) => ({ value })),
  };
}

/** Storage `networkRuleSet`. Storage rejects /31 and /32 prefixes: a single address is given bare. */
export function storageNetworkRuleSet(rules: AzureNetworkRules) {
  return {
    bypass: "AzureServices",
    defaultAction: rules.defaultAction,
    ipRules: rules.allowedIpRanges.map((range) => ({
      iPAddressOrRange: range.replace(/\/3[12]$/, ""),
      action: "Allow" as const,
    })),
  };
}
