import type { ParseArgsConfig, parseArgs } from "node:util";
import { CommandLineError, parseCommandLine } from "../lib/commandLine.js";
import { UsageError } from "./errors.js";
import { VERBS, type Verb } from "./types.js";

export interface DeployArgs {
  verb: Verb;
  stack: string;
  yes: boolean;
  expectNoChanges: boolean;
  policyPacks: string[];
  summaryFile?: string;
  outputsJsonFile?: string;
  confirm?: string;
}

export const USAGE =
  "usage: npm run deploy -- <preview|up|refresh|destroy|outputs|drift> --stack <name> [--yes] [--expect-no-changes] " +
  "[--policy-pack <dir>]... [--summary <file>] [--outputs-json <file>] [--confirm <stack name>]";

/** Which verbs take which optional flags: a flag a verb would ignore is refused rather than silently dropped. */
const FLAG_VERBS: Record<string, readonly Verb[]> = {
  "--expect-no-changes": ["preview", "up", "refresh", "drift"],
  "--policy-pack": ["preview", "up"],
  "--outputs-json": ["up", "outputs"],
  "--confirm": ["destroy"],
  "--yes": ["up", "refresh", "destroy"],
};

const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*(\/[A-Za-z0-9][A-Za-z0-9_.-]*){0,2}$/;

/** The deploy command's command line: what the person typed wrong, then the usage (a UsageError, exit 2). */
export function parseOrUsage<T extends ParseArgsConfig>(config: T, usage: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseCommandLine(config);
  } catch (err) {
    if (!(err instanceof CommandLineError)) throw err;
    throw new UsageError(`${err.message}\n${usage}`);
  }
}

/** Parses `process.argv.slice(2)`; throws `UsageError` (exit 2) with a one-line reason. `help` is returned as null. */
export function parseDeployArgs(argv: string[]): DeployArgs | null {
  const { values, positionals } = parseOrUsage(
    {
      args: argv,
      allowPositionals: true,
      options: {
        stack: { type: "string", short: "s" },
        yes: { type: "boolean", short: "y", default: false },
        "expect-no-changes": { type: "boolean", default: false },
        "policy-pack": { type: "string", multiple: true, default: [] },
        summary: { type: "string" },
        "outputs-json": { type: "string" },
        confirm: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    },
    USAGE,
  );
  if (values.help) return null;

  if (positionals.length !== 1) {
    throw new UsageError(`expected exactly one verb, got ${positionals.length}\n${USAGE}`);
  }
  const verb = positionals[0] as Verb;
  if (!VERBS.includes(verb)) throw new UsageError(`unknown verb "${positionals[0]}"\n${USAGE}`);

  const stack = values.stack;
  if (!stack) throw new UsageError(`--stack <name> is required\n${USAGE}`);
  if (!STACK_NAME.test(stack)) throw new UsageError(`"${stack}" is not a valid stack name`);

  const given: Record<string, boolean> = {
    "--expect-no-changes": values["expect-no-changes"] === true,
    "--policy-pack": (values["policy-pack"] ?? []).length > 0,
    "--outputs-json": values["outputs-json"] !== undefined,
    "--confirm": values.confirm !== undefined,
    "--yes": values.yes === true,
  };
  for (const [flag, isGiven] of Object.entries(given)) {
    if (isGiven && !FLAG_VERBS[flag].includes(verb)) {
      throw new UsageError(`${flag} does not apply to "${verb}" (only to: ${FLAG_VERBS[flag].join(", ")})`);
    }
  }

  return {
    verb,
    stack,
    yes: values.yes === true,
    expectNoChanges: values["expect-no-changes"] === true,
    policyPacks: values["policy-pack"] ?? [],
    summaryFile: values.summary,
    outputsJsonFile: values["outputs-json"],
    confirm: values.confirm,
  };
}
