// `npm run plan -- --stack <dev|prod> [--config-file <yaml>] [--out <dir>]`: the offline plan (design.md contract),
// run by cli.ts from its bundle (bundle.ts).
// Exit 0: clean plan. 1: a mandatory policy is violated. 2: invalid config or usage (every problem listed).
// 3: the program itself failed under the mock engine.
// First: the runtime settings the rest of the plan loads under.
import "./runtime";
import { resolve } from "node:path";
import { ConfigError } from "../../stacks/config/errors";
import { CommandLineError, parseCommandLine } from "../lib/commandLine";
import { exitWhenSettled, failIfAbandoned } from "../lib/exitWhenSettled";
import { runPlan } from "./plan";
import { StackFileError } from "./stackConfig";
import { formatSummary } from "./summary";

const USAGE = "usage: npm run plan -- --stack <dev|prod|name> [--config-file <stack-format yaml>] [--out <dir>]";

async function main(): Promise<number> {
  let args;
  try {
    args = parseCommandLine({
      options: {
        stack: { type: "string" },
        "config-file": { type: "string" },
        out: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (e) {
    if (!(e instanceof CommandLineError)) throw e;
    console.error(`plan: ${e.message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (!args.stack) {
    console.error(`plan: --stack is required\n${USAGE}`);
    return 2;
  }
  const projectDir = resolve(__dirname, "../..");
  const outDir = resolve(args.out ?? resolve(projectDir, "plan", args.stack));
  try {
    const report = await runPlan({ projectDir, stack: args.stack, configFile: args["config-file"], outDir });
    console.log(formatSummary(report, outDir));
    return report.violations.some((v) => v.enforcementLevel === "mandatory") ? 1 : 0;
  } catch (e) {
    return failure(e);
  }
}

function failure(e: unknown): number {
  if (e instanceof ConfigError || e instanceof StackFileError) {
    console.error(e.message);
    return 2;
  }
  const err = e as Error;
  // Errors the program raises on purpose (RunError, ResourceError) carry their message; show it without a trace.
  console.error(`plan: the program failed under the mock engine: ${err.message ?? String(e)}`);
  return 3;
}

// Errors thrown inside an `apply` surface as unhandled rejections: report them the same way.
process.on("unhandledRejection", (e) => process.exit(failure(e)));

// The plan is done when main settles: end then, once pending file writes are done (../lib/exitWhenSettled.ts).
failIfAbandoned("plan: the program never finished under the mock engine: it waits on a promise nothing resolves", 3);
main().then(exitWhenSettled, (e) => exitWhenSettled(failure(e)));
