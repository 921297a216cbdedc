import type { DeployArgs } from "./args.js";
import { readConfigFromEnv, secretValuesFromEnv } from "./env-config.js";
import { ChangesDetectedError, EXIT, PulumiCliMissingError, UsageError, type ExitCode } from "./errors.js";
import { checkDestroyGuard, protectedResourceUrns } from "./guards.js";
import { makeRedactor } from "./redact.js";
import {
  formatChangeLine,
  hasChanges,
  maskOutputs,
  renderMarkdownSummary,
  summarizeChanges,
  type ChangeSummary,
  type Outcome,
} from "./summary.js";
import type { DeployStack, DeployWorkspace, OpCounts, StackOutputs, Verb } from "./types.js";

/** Everything the command does to the outside world besides the engine: swappable in tests. */
export interface DeployIo {
  stdout(text: string): void;
  stderr(text: string): void;
  writeFile(path: string, content: string): Promise<void>;
  appendFile(path: string, content: string): Promise<void>;
  /** False in CI (`CI` set) or when stdin is not a terminal: then nothing may wait for an answer. */
  interactive: boolean;
  /** Only called when `interactive`. */
  confirm(question: string): Promise<boolean>;
}

export interface DeployDeps {
  workspace: DeployWorkspace;
  io: DeployIo;
  env: NodeJS.ProcessEnv;
}

/** Verbs that change the stack (resources or state) and so need `--yes` or an interactive confirmation. */
const MUTATING: readonly Verb[] = ["up", "refresh", "destroy"];
/** Verbs that may create a missing stack; the others only make sense on an existing one. */
const CREATES_STACK: readonly Verb[] = ["preview", "up"];

/** How many of the engine's last output lines a failure's summary shows. */
const TAIL_LINES = 40;

/**
 * Buffers the engine's stream into whole lines so a secret split across two chunks is still redacted, and keeps
 * the last lines for the summary of a failed run.
 */
function lineWriter(write: (text: string) => void, redact: (text: string) => string) {
  let pending = "";
  let tail: string[] = [];
  const emit = (text: string) => {
    const clean = redact(text);
    write(clean);
    tail = tail.concat(clean.replace(/\n$/, "").split("\n")).slice(-TAIL_LINES);
  };
  return {
    push(chunk: string) {
      pending += chunk;
      const cut = pending.lastIndexOf("\n");
      if (cut >= 0) {
        emit(pending.slice(0, cut + 1));
        pending = pending.slice(cut + 1);
      }
    },
    flush() {
      if (pending) emit(pending + "\n");
      pending = "";
    },
    tail: () => tail.join("\n"),
  };
}

interface VerbResult {
  ops?: OpCounts;
  outputs?: StackOutputs;
}

/**
 * Runs one verb against one stack and returns the exit code: 0 ok, 1 failed, 2 usage / refused / no CLI,
 * 3 changes found with --expect-no-changes. Never throws; every failure reaches the exit code.
 */
export async function runDeploy(args: DeployArgs, deps: DeployDeps): Promise<ExitCode> {
  const { io, workspace, env } = deps;
  // Credentials are known before anything runs, config secrets as soon as they are parsed.
  let redact = makeRedactor(secretValuesFromEnv(env, []));
  const out = lineWriter(
    (t) => io.stdout(t),
    (t) => redact(t),
  );

  let outcome: Outcome = "succeeded";
  let exitCode: ExitCode = EXIT.ok;
  let changes: ChangeSummary | undefined;
  let maskedOutputs: Record<string, unknown> | undefined;
  let errorText: string | undefined;

  try {
    if (MUTATING.includes(args.verb) && !args.yes && !io.interactive) {
      throw new UsageError(
        `refusing to ${args.verb} stack "${args.stack}" without --yes in a non-interactive run (CI); ` +
          `add --yes to proceed`,
      );
    }

    await workspace.ensureCli();

    const config = readConfigFromEnv(env);
    redact = makeRedactor(secretValuesFromEnv(env, config));

    io.stdout(`==> ${args.verb} stack ${args.stack}\n`);
    const stack = await workspace.openStack(args.stack, { create: CREATES_STACK.includes(args.verb) });

    if (config.length > 0) {
      await stack.setConfig(config);
      // Keys only, never values.
      const listed = config.map((c) => (c.secret ? `${c.key} (secret)` : c.key)).join(", ");
      io.stdout(`config from environment: ${listed}\n`);
    }

    const result = await runVerb(args, stack, deps, (chunk) => out.push(chunk));
    out.flush();

    if (result.ops) {
      changes = summarizeChanges(result.ops);
      io.stdout(`\nChanges: ${formatChangeLine(changes)}\n`);
      if (args.expectNoChanges && hasChanges(result.ops)) {
        throw new ChangesDetectedError(`stack "${args.stack}" has changes but --expect-no-changes was given`);
      }
    }
    if (result.outputs) {
      maskedOutputs = maskOutputs(result.outputs);
      if (args.verb === "outputs") io.stdout(redact(JSON.stringify(maskedOutputs, null, 2)) + "\n");
      if (args.outputsJsonFile) {
        await io.writeFile(args.outputsJsonFile, redact(JSON.stringify(maskedOutputs, null, 2)) + "\n");
        io.stdout(`outputs (secrets masked) written to ${args.outputsJsonFile}\n`);
      }
    }
  } catch (err) {
    out.flush();
    if (err instanceof UsageError || err instanceof PulumiCliMissingError) {
      outcome = "refused";
      exitCode = EXIT.usage;
    } else if (err instanceof ChangesDetectedError) {
      outcome = "changes-detected";
      exitCode = EXIT.changes;
    } else {
      outcome = "failed";
      exitCode = EXIT.failed;
    }
    errorText = redact(err instanceof Error ? err.message : String(err));
    io.stderr(`error: ${errorText}\n`);
  }

  if (args.summaryFile) {
    const markdown = renderMarkdownSummary({
      verb: args.verb,
      stack: args.stack,
      outcome,
      exitCode,
      changes,
      outputs: maskedOutputs,
      policyPacks: args.policyPacks,
      error: errorText,
      outputTail: exitCode === EXIT.failed ? out.tail() : undefined,
    });
    try {
      // Appended: $GITHUB_STEP_SUMMARY is shared by every step of a job.
      await io.appendFile(args.summaryFile, redact(markdown));
    } catch (err) {
      io.stderr(`error: could not write the summary to ${args.summaryFile}: ${(err as Error).message}\n`);
      if (exitCode === EXIT.ok) exitCode = EXIT.failed;
    }
  }
  return exitCode;
}

async function confirmOrRefuse(args: DeployArgs, io: DeployIo, what: string): Promise<void> {
  if (args.yes) return;
  // Non-interactive runs were refused before any work; here a person is at the terminal.
  const ok = await io.confirm(`${what} Proceed? [y/N] `);
  if (!ok) throw new UsageError(`${args.verb} of stack "${args.stack}" cancelled`);
}

async function runVerb(
  args: DeployArgs,
  stack: DeployStack,
  deps: DeployDeps,
  onOutput: (text: string) => void,
): Promise<VerbResult> {
  const { io } = deps;
  const common = { expectNoChanges: args.expectNoChanges, onOutput };
  switch (args.verb) {
    case "preview": {
      // --expect-no-changes is judged here from the counts (exit 3), not by the engine (which would exit 1).
      const r = await stack.preview({ ...common, expectNoChanges: false, policyPacks: args.policyPacks });
      return { ops: r.changes };
    }
    case "drift": {
      const r = await stack.previewRefresh({ ...common, expectNoChanges: false });
      return { ops: r.changes };
    }
    case "up": {
      if (args.expectNoChanges) {
        // The Automation API's `up` skips the engine's own preview, so the engine's check would only fire after
        // the changes were made. Preview first and stop before anything is touched.
        const p = await stack.preview({ ...common, expectNoChanges: false, policyPacks: args.policyPacks });
        if (hasChanges(p.changes)) return { ops: p.changes };
      }
      await confirmOrRefuse(args, io, `This updates the resources of stack "${args.stack}".`);
      const r = await stack.up({ ...common, policyPacks: args.policyPacks });
      return { ops: r.changes, outputs: r.outputs };
    }
    case "refresh": {
      if (args.expectNoChanges) {
        const p = await stack.previewRefresh({ ...common, expectNoChanges: false });
        if (hasChanges(p.changes)) return { ops: p.changes };
      }
      await confirmOrRefuse(args, io, `This rewrites the state of stack "${args.stack}" from the cloud.`);
      const r = await stack.refresh(common);
      return { ops: r.changes };
    }
    case "destroy": {
      const protectedUrns = protectedResourceUrns(await stack.exportState());
      checkDestroyGuard(args.stack, protectedUrns, args.confirm);
      await confirmOrRefuse(args, io, `This DELETES every resource of stack "${args.stack}".`);
      const r = await stack.destroy({ onOutput });
      return { ops: r.changes };
    }
    case "outputs":
      return { outputs: await stack.outputs() };
  }
}
