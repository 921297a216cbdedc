import { pullUser } from "../../../stacks/apps";
import { RegistryClient } from "../../registry-gc/client.js";
import type { StackOutputs } from "../types.js";
import type { RegistryLookup } from "./run.js";

/**
 * The stack's registry through its HTTP API, as its outputs describe it (`registryAddress`, the pull user's
 * password from `registryPasswords`, the dev CA from `registryCaCertificatePem`).
 */
export function registryFromOutputs(outputs: StackOutputs): RegistryLookup {
  const address = outputs.registryAddress?.value;
  const users = (outputs.registryUsers?.value ?? []) as string[];
  const passwords = (outputs.registryPasswords?.value ?? {}) as Record<string, string>;
  if (typeof address !== "string" || users.length === 0) {
    throw new Error("the stack has no registryAddress / registryUsers outputs yet: run `up` once first");
  }
  const user = pullUser(users);
  const ca = outputs.registryCaCertificatePem?.value;
  const client = new RegistryClient({
    baseUrl: `https://${address}`,
    user,
    password: passwords[user],
    ...(typeof ca === "string" ? { caPem: ca } : {}),
    concurrency: 2,
  });
  return {
    digestOf: async (repository, tag) => (await client.getManifest(repository, tag))?.digest,
    has: async (repository, digest) => (await client.getManifest(repository, digest)) !== undefined,
    close: () => client.close(),
  };
}
