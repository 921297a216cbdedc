import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig, type StackConfig } from "./parse";
import { PROJECT, SECRET_KEYS, type SecretKey } from "./schema";

/** Secret config values, read only as secrets. A key that is not set is undefined. */
export type StackSecrets = Record<SecretKey, pulumi.Output<string> | undefined>;

/**
 * Reads this stack's config from the engine, once: the plain settings validated into a StackConfig, and the secret
 * keys as secret outputs. The only place in the program that reads `pulumi.Config`.
 */
export function loadStackConfig(): { config: StackConfig; secrets: StackSecrets } {
  const prefix = `${PROJECT}:`;
  const all = pulumi.runtime.allConfig();
  const values: Record<string, string> = {};
  const secretKeys = new Set<string>();
  for (const [fullKey, value] of Object.entries(all)) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    values[key] = value;
    if (isConfigSecret(fullKey)) secretKeys.add(key);
  }
  const config = parseStackConfig({ stack: pulumi.getStack(), values, secretKeys });
  const reader = new pulumi.Config(PROJECT);
  const secrets = Object.fromEntries(
    (Object.keys(SECRET_KEYS) as SecretKey[]).map((key) => [key, reader.getSecret(key)]),
  ) as StackSecrets;
  return { config, secrets };
}

/** Whether the engine marked this key as a secret (the SDK's own check, not in its typings). */
function isConfigSecret(fullKey: string): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret?: (k: string) => boolean };
  return runtimeConfig.isConfigSecret?.(fullKey) ?? false;
}
