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
    let interrupted = false;
    const die = () => {
      process.removeListener(signal, handler);
      remove();
      process.kill(process.pid, signal); // the default action now: die of the signal, as without this handler
    };
    // Stays registered while clean-ups run: the SDK's child-process clean-up (signal-exit) kills the process itself
    // on a signal nobody else listens to. A second signal meanwhile dies at once.
    const handler = () => {
      if (interrupted || interruptCleanups.size === 0) return die();
      interrupted = true;
      void runInterruptCleanups().finally(die);
    };
    process.on(signal, handler);
  }
}

/** How long an interrupted run waits for its clean-ups before it dies anyway. */
export const INTERRUPT_CLEANUP_MS = 60_000;
const interruptCleanups = new Set<() => Promise<void>>();

/**
 * Registers work to finish before the process dies of SIGINT / SIGTERM (putting stack config back, for one); returns
 * the function that unregisters it. Clean-ups run together, for at most INTERRUPT_CLEANUP_MS; their failures are
 * printed.
 */
export function onInterrupt(cleanup: () => Promise<void>): () => void {
  interruptCleanups.add(cleanup);
  return () => void interruptCleanups.delete(cleanup);
}

async function runInterruptCleanups(): Promise<void> {
  if (interruptCleanups.size === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, INTERRUPT_CLEANUP_MS)));
  const all = Promise.allSettled([...interruptCleanups].map((c) => c())).then((results) => {
    for (const r of results) {
      if (r.status === "rejected") {
        process.stderr.write(`error: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}\n`);
      }
    }
  });
  await Promise.race([all, timeout]);
  clearTimeout(timer);
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
