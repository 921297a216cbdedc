import type * as pulumi from "@pulumi/pulumi";
import type { StackSecrets } from "./config/load";
import type { StackConfig } from "./config/parse";

/** Values from the AWS side that the Azure side stores (Key Vault secrets). */
export interface AzureInputs {
  databasePassword: pulumi.Output<string>;
  registryPasswords: pulumi.Output<Record<string, string>>;
}

/** What the composition needs from the Azure side. */
export interface AzureResult {
  /** Resource group that holds an Azure DNS zone (dns.provider azure). */
  resourceGroupName?: pulumi.Output<string>;
  outputs: Record<string, pulumi.Input<unknown>>;
}

/** Stand-in for the AzureServices component (its own issue). */
export function createAzure(config: StackConfig, _secrets: StackSecrets, _inputs: AzureInputs): AzureResult {
  return {
    outputs: {
      azure: config.azure.enabled ? "not yet built" : "disabled (azure.enabled is false): AWS-only deployment",
    },
  };
}
