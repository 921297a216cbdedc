import { copyFile, mkdir, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ensuredBinDir } from "./ensure.js";
import { run, type RunResult } from "./exec.js";
import { makeTempDir, removeDir } from "./tmp.js";

export const PROJECT_DIR = resolve(__dirname, "..", "..", "..");

/** The test passphrase of the scratch stacks' secrets (a local file backend, deleted after each test file). */
export const TEST_PASSPHRASE = "integration-test-passphrase";

/**
 * The directory holding the real `pulumi` at the version of `@pulumi/pulumi` in package-lock.json: one on PATH,
 * or the one scripts/test/ensure-pulumi.sh built from Go modules (cached; the first build takes minutes). Fails
 * with the script's message when it cannot be had: these tests never skip.
 */
export function pulumiBinDir(): string {
  return ensuredBinDir("ensure-pulumi.sh", "the real Pulumi CLI");
}

/**
 * A throw-away Pulumi world for one test file: its own PULUMI_HOME (no plugins, so no provider can load), a local
 * file backend logged in with `pulumi login file://...`, a passphrase secrets provider, and a work directory with
 * copies of the project files a test names. `dispose()` removes all of it.
 */
export class PulumiSandbox {
  private constructor(
    readonly root: string,
    readonly workDir: string,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  static async create(files: readonly string[] = ["Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml"]) {
    const bin = pulumiBinDir();
    const root = await makeTempDir("pulumi-cli-");
    try {
      const home = join(root, "home");
      const backend = join(root, "backend");
      const workDir = join(root, "project");
      await Promise.all([mkdir(home), mkdir(backend), mkdir(workDir)]);
      for (const f of files) await copyFile(join(PROJECT_DIR, f), join(workDir, f));
      // The CLI checks that the project's `main` exists before it runs anything.
      await symlink(join(PROJECT_DIR, "index.ts"), join(workDir, "index.ts"));
      const env: NodeJS.ProcessEnv = {
        PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
        HOME: root,
        // The suite's private temporary directory: what the CLI (or the adapter) leaves there fails the run.
        TMPDIR: tmpdir(),
        PULUMI_HOME: home,
        PULUMI_CONFIG_PASSPHRASE: TEST_PASSPHRASE,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        // Offline: never try to download a missing plugin (the engine then names it and stops at once).
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_SKIP_CONFIRMATIONS: "true",
        NO_COLOR: "1",
      };
      const sandbox = new PulumiSandbox(root, workDir, env);
      const login = await sandbox.pulumi(["login", `file://${backend}`]);
      if (login.code !== 0) throw new Error(`pulumi login failed: ${login.stderr}`);
      return sandbox;
    } catch (e) {
      await removeDir(root);
      throw e;
    }
  }

  /** Runs the real `pulumi` in the work directory (non-interactive). */
  pulumi(args: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
    // The global flag goes first: after a `--` in `args` it would be read as a value.
    return run("pulumi", ["--non-interactive", ...args], {
      cwd: this.workDir,
      env: this.env,
      input: opts.input,
      timeoutMs: opts.timeoutMs ?? 120_000,
    });
  }

  /** Like `pulumi`, but throws with the CLI's output when it fails. */
  async pulumiOk(args: readonly string[]): Promise<RunResult> {
    const r = await this.pulumi(args);
    if (r.code !== 0)
      throw new Error(`pulumi ${args.join(" ")} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
    return r;
  }

  /** Runs a shell command line as a user would paste it, on the selected stack, with this sandbox's `pulumi`. */
  shell(commandLine: string): Promise<RunResult> {
    return run("bash", ["-c", commandLine], { cwd: this.workDir, env: this.env, timeoutMs: 120_000 });
  }

  async dispose(): Promise<void> {
    await removeDir(this.root);
  }
}
