import { EXIT, UsageError } from "./errors.js";

/**
 * The shell of a CI-facing command: parses argv (a UsageError is exit 2 with its message; `null` means --help, which
 * prints `usage`), runs it, and exits with its code. It exits explicitly: a lingering handle in the SDK must not keep
 * a CI job waiting (stdout/stderr to pipes and files are synchronous on Linux, so nothing printed is lost).
 */
export function cliMain<A>(
  parse: (argv: string[]) => A | null,
  usage: string,
  run: (args: A) => Promise<number>,
): void {
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
