import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT, UsageError } from "./errors.js";

/**
 * Points TMPDIR at a fresh private directory for this process and everything it starts (the Pulumi CLI included),
 * and removes it on exit, also after SIGINT / SIGTERM. The Automation API removes its event-log directory
 * (`automation-logs-<command>-*`) asynchronously, which an explicit exit cuts short: without this, every preview,
 * refresh or up would leave one behind in the system's temporary directory.
 */
function usePrivateTmpDir(): void {
  const dir = mkdtempSync(join(tmpdir(), "startup-infra-cli-"));
  process.env.TMPDIR = dir;
  const remove = () => rmSync(dir, { recursive: true, force: true });
  process.on("exit", remove);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      remove();
      process.kill(process.pid, signal); // the default action now: die of the signal, as without this handler
    });
  }
}

/**
 * The shell of a CI-facing command: parses argv (a UsageError is exit 2 with its message; `null` means --help, which
 * prints `usage`), runs it, and exits with its code. It exits explicitly: a lingering handle in the SDK must not keep
 * a CI job waiting (stdout/stderr to pipes and files are synchronous on Linux, so nothing printed is lost). Temporary
 * files go to a private directory removed on exit (`usePrivateTmpDir`).
 */
export function cliMain<A>(
  parse: (argv: string[]) => A | null,
  usage: string,
  run: (args: A) => Promise<number>,
): void {
  usePrivateTmpDir();
  const main = async (): Promise<number> => {
    let args;
    try {
      args = parse(process.argv.slice(2));
    } catch (err) {
      if (err instanceof UsageError) {
        process.stderr.write(`error: ${err.message}\n`);
        return EXIT.usage;
      }
      throw err;
    }
    if (args === null) {
      process.stdout.write(`${usage}\n`);
      return EXIT.ok;
    }
    return run(args);
  };
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      // Unreachable by design (the runners report their own failures); still a failure, never exit 0.
      process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(EXIT.failed);
    },
  );
}
