import type { ComputedOutputs, CallHandler, Inputs } from "./types";
import { hexOf } from "./values";

/** The identity the mock engine deploys as (GUIDs from the documentation-style all-zero/fixed ranges). */
export const MOCK_AZURE = {
  subscriptionId: "00000000-0000-0000-0000-000000000001",
  tenantId: "00000000-0000-0000-0000-0000000000aa",
  objectId: "00000000-0000-0000-0000-0000000000bb",
  clientId: "00000000-0000-0000-0000-0000000000cc",
} as const;

/** Azure DNS name servers are allocated from numbered pools; four of them per zone. */
function azureNameServers(seed: string): string[] {
  const pool = (parseInt(hexOf(seed, 2), 16) % 9) + 1;
  return [
    `ns1-0${pool}.azure-dns.com.`,
    `ns2-0${pool}.azure-dns.net.`,
    `ns3-0${pool}.azure-dns.org.`,
    `ns4-0${pool}.azure-dns.info.`,
  ];
}

const str = (v: unknown, fallback: string) => (typeof v === "string" ? v : fallback);

/** Computed outputs of the Azure resources the program creates (what the program reads back). */
export const azureOutputs: Record<string, ComputedOutputs> = {
  // The provider autonames a group it is given no name for: `<name><8 hex>`.
  "azure-native:resources:ResourceGroup": (name, inputs) => ({
    name: str(inputs.resourceGroupName, `${name}${hexOf(`rg/${name}`, 8)}`),
    properties: { provisioningState: "Succeeded" },
  }),
  "azure-native:storage:StorageAccount": (name, inputs) => {
    const account = str(inputs.accountName, `${name.replace(/[^a-z0-9]/g, "").slice(0, 16)}${hexOf(name, 8)}`);
    const endpoint = (service: string) => `https://${account}.${service}.core.windows.net/`;
    return {
      name: account,
      primaryEndpoints: {
        blob: endpoint("blob"),
        dfs: endpoint("dfs"),
        file: endpoint("file"),
        queue: endpoint("queue"),
        table: endpoint("table"),
        web: endpoint("z1.web"),
      },
      primaryLocation: inputs.location,
      provisioningState: "Succeeded",
    };
  },
  "azure-native:storage:BlobContainer": (name, inputs) => ({ name: str(inputs.containerName, name) }),
  "azure-native:storage:BlobServiceProperties": () => ({ name: "default" }),
  "azure-native:keyvault:Vault": (name, inputs) => {
    const vault = str(inputs.vaultName, name);
    const properties = (inputs.properties ?? {}) as Inputs;
    return { name: vault, properties: { ...properties, vaultUri: `https://${vault}.vault.azure.net/` } };
  },
  "azure-native:keyvault:Key": (name, inputs) => {
    const key = str(inputs.keyName, name);
    const uri = `https://${str(inputs.vaultName, "vault")}.vault.azure.net/keys/${key}`;
    return { name: key, keyUri: uri, keyUriWithVersion: `${uri}/${hexOf(`key/${name}`, 32)}` };
  },
  // ARM never returns a secret's value: the state holds its attributes and URIs only.
  "azure-native:keyvault:Secret": (name, inputs) => {
    const secret = str(inputs.secretName, name);
    const properties = (inputs.properties ?? {}) as Inputs;
    const uri = `https://${str(inputs.vaultName, "vault")}.vault.azure.net/secrets/${secret}`;
    return {
      name: secret,
      properties: {
        contentType: properties.contentType,
        attributes: properties.attributes,
        secretUri: uri,
        secretUriWithVersion: `${uri}/${hexOf(`secret/${name}`, 32)}`,
      },
    };
  },
  "azure-native:authorization:RoleAssignment": (name) => ({ name: hexGuid(`role/${name}`) }),
  "azure-native:dns:Zone": (name, inputs) => ({
    name: str(inputs.zoneName, name),
    nameServers: azureNameServers(`zone/${name}`),
    numberOfRecordSets: 2,
  }),
  "azure-native:dns:RecordSet": (name, inputs) => {
    const relative = str(inputs.relativeRecordSetName, name);
    const zone = str(inputs.zoneName, "zone");
    return { name: relative, fqdn: relative === "@" ? `${zone}.` : `${relative}.${zone}.` };
  },
};

/** Azure invokes the program makes. */
export const azureCalls: Record<string, CallHandler> = {
  "azure-native:authorization:getClientConfig": () => ({ ...MOCK_AZURE }),
  "azure-native:storage:listStorageAccountKeys": (inputs) => ({
    keys: [
      {
        keyName: "key1",
        permissions: "FULL",
        value: Buffer.from(hexOf(`key1/${String(inputs.accountName)}`, 64), "hex").toString("base64"),
      },
      {
        keyName: "key2",
        permissions: "FULL",
        value: Buffer.from(hexOf(`key2/${String(inputs.accountName)}`, 64), "hex").toString("base64"),
      },
    ],
  }),
};

function hexGuid(seed: string): string {
  const h = hexOf(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
