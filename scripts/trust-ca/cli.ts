// `npm run trust-registry-ca -- (--stack <name> | --outputs-json <file>) [--certs-dir <dir>]`: installs the
// stack's registry CA for Docker clients (run it before any `docker push` to the dev registry).
import { resolve } from "node:path";
import { AutomationWorkspace } from "../deploy/automation-workspace.js";
import { EXIT, UsageError } from "../deploy/errors.js";
import { parseTrustArgs, runTrustCa, TRUST_USAGE } from "./run.js";

const PROJECT_DIR = resolve(__dirname, "..", "..");

async function main(): Promise<number> {
  let args;
  try {
    args = parseTrustArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  if (args === null) {
    process.stdout.write(`${TRUST_USAGE}\n`);
    return EXIT.ok;
  }
  return runTrustCa(args, {
    workspace: () => new AutomationWorkspace(PROJECT_DIR),
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    now: new Date(),
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(EXIT.failed);
  },
);
