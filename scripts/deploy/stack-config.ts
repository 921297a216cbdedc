import { effectiveApps, historiesOf, keptMessage, type AppsSettings } from "./apps/pins.js";
import type { ConfigEntry, DeployStack } from "./types.js";

/** The stack setting that holds every app (`startup-infra:apps`). */
export const APPS_KEY = "apps";

/**
 * Writes the config the environment defines (`env-config.ts`) to the stack and prints its keys, never a value. Like
 * `pulumi config set`, it writes the working copy's stack file: in CI a throwaway checkout.
 */
export async function applyEnvConfig(
  stack: Pick<DeployStack, "setConfig">,
  config: ConfigEntry[],
  print: (text: string) => void,
): Promise<void> {
  if (config.length === 0) return;
  await stack.setConfig(config);
  const listed = config.map((c) => (c.secret ? `${c.key} (secret)` : c.key)).join(", ");
  print(`config from environment: ${listed}\n`);
}

/**
 * Before the program runs: every app whose committed settings a deployed release overrode, and which nobody edited
 * since, gets that release's settings (`apps/pins.ts`), so `up` keeps the release an app verb deployed instead of
 * going back to the committed image. Written to the working copy's stack file like the config from the environment.
 * An `apps` setting holding a secret value is left as it is: rewriting it would store that value in clear text.
 */
export async function keepDeployedReleases(
  stack: Pick<DeployStack, "getConfigObject" | "setConfigObject" | "outputs">,
  print: (text: string) => void,
): Promise<void> {
  const apps = await stack.getConfigObject(APPS_KEY);
  if (!apps || Object.keys(apps.value).length === 0) return;
  const { apps: effective, kept } = effectiveApps(apps.value as AppsSettings, historiesOf(await stack.outputs()));
  if (kept.length === 0) return;
  if (apps.secret) {
    print("note: the apps setting holds a secret value, so it is used as committed (no release kept)\n");
    return;
  }
  for (const k of kept) print(keptMessage(k));
  await stack.setConfigObject(APPS_KEY, effective);
}
