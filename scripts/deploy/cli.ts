// `npm run deploy -- <verb> --stack <name> ...`: parses the arguments, runs `runDeploy` against the real
// Automation API workspace, and exits with its code. All decisions live in run.ts (tested with a test double).
import { resolve } from "node:path";
import { parseDeployArgs, USAGE } from "./args.js";
import { AutomationWorkspace } from "./automation-workspace.js";
import { EXIT, UsageError } from "./errors.js";
import { processIo } from "./io.js";
import { runDeploy } from "./run.js";

/** The Pulumi project directory (holds Pulumi.yaml): two levels above scripts/deploy. */
export const PROJECT_DIR = resolve(__dirname, "..", "..");

async function main(): Promise<number> {
  let args;
  try {
    args = parseDeployArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  if (args === null) {
    process.stdout.write(`${USAGE}\nSee docs/ci.md for verbs, exit codes and environment variables.\n`);
    return EXIT.ok;
  }
  return runDeploy(args, { workspace: new AutomationWorkspace(PROJECT_DIR), io: processIo(), env: process.env });
}

main().then(
  // Exit explicitly: a lingering handle in the SDK must not keep a CI job waiting. (stdout/stderr to pipes and
  // files are synchronous on Linux, so nothing printed is lost.)
  (code) => process.exit(code),
  (err: unknown) => {
    // Unreachable by design (runDeploy never throws); still a failure, never exit 0.
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(EXIT.failed);
  },
);
