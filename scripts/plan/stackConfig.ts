import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { PROJECT } from "../../stacks/config/schema";

/** Placeholder values the offline plan uses for secret keys it cannot decrypt (no CLI, no passphrase). */
export const PLAN_SECRET_PLACEHOLDERS: Record<string, string> = {};

export interface LoadedStackFile {
  /** Full keys -> engine string values (objects as JSON). */
  config: Record<string, string>;
  /** Full keys that are secret (`secure:` entries in the file, or added as secrets). */
  secretKeys: string[];
}

/**
 * Reads `Pulumi.<stack>.yaml` (and optionally an override file in the same format whose values replace the stack's,
 * key by key) into the engine's config form. `secure:` values cannot be decrypted offline: they become placeholders
 * from `secretValues` (or a fixed dummy string) and stay marked secret.
 */
export function loadStackFile(
  projectDir: string,
  stack: string,
  overrideFile?: string,
  secretValues: Record<string, string> = PLAN_SECRET_PLACEHOLDERS,
): LoadedStackFile {
  const files = [join(projectDir, `Pulumi.${stack}.yaml`), ...(overrideFile ? [overrideFile] : [])];
  const config: Record<string, string> = {};
  const secretKeys = new Set<string>();
  for (const file of files) {
    const doc = (parse(readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    for (const [rawKey, value] of Object.entries(doc.config ?? {})) {
      const key = rawKey.includes(":") ? rawKey : `${PROJECT}:${rawKey}`;
      if (isSecure(value)) {
        const short = key.split(":")[1]!;
        config[key] = secretValues[short] ?? "offline-plan-placeholder-secret";
        secretKeys.add(key);
      } else {
        config[key] = typeof value === "string" ? value : JSON.stringify(value);
        secretKeys.delete(key);
      }
    }
  }
  return { config, secretKeys: [...secretKeys] };
}

function isSecure(value: unknown): boolean {
  return typeof value === "object" && value !== null && "secure" in value && Object.keys(value).length === 1;
}
