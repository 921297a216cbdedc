// `npm run deploy -- <verb> --stack <name> ...`: parses the arguments, runs `runDeploy` (or, for the app verbs,
// `runApps`) against the real Automation API workspace, and exits with its code. All decisions live in run.ts and
// apps/run.ts (tested with test doubles).
import { resolve } from "node:path";
import { parseDeployArgs, USAGE } from "./args.js";
import { APP_VERBS, APPS_USAGE, parseAppsArgs, runApps } from "./apps/run.js";
import { registryFromOutputs } from "./apps/registry.js";
import { AutomationWorkspace } from "./automation-workspace.js";
import { cliMain, onInterrupt } from "./cli-main.js";
import { processIo } from "./io.js";
import { runDeploy } from "./run.js";

/** The Pulumi project directory (holds Pulumi.yaml): two levels above scripts/deploy. */
export const PROJECT_DIR = resolve(__dirname, "..", "..");

if ((APP_VERBS as readonly string[]).includes(process.argv[2] ?? "")) {
  cliMain(parseAppsArgs, `${APPS_USAGE}\nSee docs/apps.md.`, (args) =>
    runApps(args, {
      workspace: new AutomationWorkspace(PROJECT_DIR),
      io: processIo(),
      env: process.env,
      registry: registryFromOutputs,
      onInterrupt,
    }),
  );
} else {
  cliMain(parseDeployArgs, `${USAGE}\nSee docs/ci.md for verbs, exit codes and environment variables.`, (args) =>
    runDeploy(args, { workspace: new AutomationWorkspace(PROJECT_DIR), io: processIo(), env: process.env }),
  );
}
