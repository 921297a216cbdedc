// `npm run trust-registry-ca -- (--stack <name> | --outputs-json <file>) [--certs-dir <dir>]`: installs the
// stack's registry CA for Docker clients (run it before any `docker push` to the dev registry).
import { resolve } from "node:path";
import { AutomationWorkspace } from "../deploy/automation-workspace.js";
import { cliMain } from "../deploy/cli-main.js";
import { parseTrustArgs, runTrustCa, TRUST_USAGE } from "./run.js";

const PROJECT_DIR = resolve(__dirname, "..", "..");

cliMain(parseTrustArgs, TRUST_USAGE, (args) =>
  runTrustCa(args, {
    workspace: () => new AutomationWorkspace(PROJECT_DIR),
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    now: new Date(),
  }),
);
