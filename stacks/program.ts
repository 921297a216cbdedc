import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig, type StackSecrets } from "./config/load";
import { ConfigError } from "./config/errors";
import type { Composition } from "./config/defaults";
import type { StackConfig } from "./config/parse";
import type { StackResult } from "./compose";
import { devStack } from "./dev";
import { prodStack } from "./prod";

/** The compositions, by name. A stack named otherwise chooses one with `startup-infra:composition`. */
export const compositions: Record<Composition, (config: StackConfig, secrets: StackSecrets) => StackResult> = {
  dev: devStack,
  prod: prodStack,
};

/** Parses config once, builds the stack's composition. A config mistake stops with its message and no stack trace. */
export function buildStack(): StackResult {
  let loaded: ReturnType<typeof loadStackConfig>;
  try {
    loaded = loadStackConfig();
  } catch (e) {
    if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
    throw e;
  }
  return compositions[loaded.config.composition](loaded.config, loaded.secrets);
}
