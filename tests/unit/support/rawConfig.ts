import { expect } from "vitest";
import { ConfigError } from "../../../stacks/config/errors";
import { parseStackConfig, type RawStackConfig } from "../../../stacks/config/parse";

/** A stack's raw config as `pulumi config` hands it over: objects as JSON strings, secret keys named. */
export function raw(stack: string, values: Record<string, unknown>, secretKeys: string[] = []): RawStackConfig {
  return {
    stack,
    values: Object.fromEntries(
      Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
    ),
    secretKeys: new Set(secretKeys),
  };
}

/** The problems of an invalid config (key, message, fix command); fails the test if the config is accepted. */
export function problems(input: RawStackConfig): { key: string; message: string; fix: string }[] {
  try {
    parseStackConfig(input);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error("expected the config to be rejected");
}
