// `npm run deploy -- <verb> --stack <name> ...`: parses the arguments, runs `runDeploy` against the real
// Automation API workspace, and exits with its code. All decisions live in run.ts (tested with a test double).
import { resolve } from "node:path";
import { parseDeployArgs, USAGE } from "./args.js";
import { AutomationWorkspace } from "./automation-workspace.js";
import { cliMain } from "./cli-main.js";
import { processIo } from "./io.js";
import { runDeploy } from "./run.js";

/** The Pulumi project directory (holds Pulumi.yaml): two levels above scripts/deploy. */
export const PROJECT_DIR = resolve(__dirname, "..", "..");

cliMain(parseDeployArgs, `${USAGE}\nSee docs/ci.md for verbs, exit codes and environment variables.`, (args) =>
  runDeploy(args, { workspace: new AutomationWorkspace(PROJECT_DIR), io: processIo(), env: process.env }),
);
