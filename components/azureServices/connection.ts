/** What the `storage-connection` Key Vault secret holds, decided by whether shared-key access is allowed. */
export interface StorageConnectionDetails {
  contentType: string;
  value: string;
}

/**
 * With shared-key access off (the default), there is no connection string that works: the secret carries the blob
 * endpoint and how to authenticate (Entra ID). With it on, a classic connection string with the account key.
 */
export function storageConnectionDetails(input: {
  accountName: string;
  blobEndpoint: string;
  /** The account key, only when shared-key access is allowed. */
  accountKey?: string;
}): StorageConnectionDetails {
  if (input.accountKey !== undefined) {
    return {
      contentType: "text/plain; azure-storage-connection-string",
      value:
        `DefaultEndpointsProtocol=https;AccountName=${input.accountName};AccountKey=${input.accountKey};` +
        "EndpointSuffix=core.windows.net",
    };
  }
  return {
    contentType: "application/json",
    value: JSON.stringify({
      accountName: input.accountName,
      blobEndpoint: input.blobEndpoint,
      authentication: "entra-id",
      guidance:
        "Shared-key access is off: connection strings and SAS tokens with the account key do not work. Authenticate " +
        "with Microsoft Entra ID (DefaultAzureCredential: managed identity, workload identity or a service principal) " +
        "and grant that identity 'Storage Blob Data Contributor' (or Reader) on the storage account.",
    }),
  };
}
