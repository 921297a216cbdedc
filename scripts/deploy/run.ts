import type { DeployArgs } from "./args.js";
import { readConfigFromEnv, secretValuesFromEnv } from "./env-config.js";
import { ChangesDetectedError, EXIT, PulumiCliMissingError, UsageError, type ExitCode } from "./errors.js";
import { checkDestroyGuard, protectedResourceUrns } from "./guards.js";
import { makeRedactor } from "./redact.js";
import { applyEnvConfig, keepDeployedReleases } from "./stack-config.js";
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

/**
 * Verbs that run the program, and so read the stack config. `refresh` and `drift` compare the state with the cloud
 * without running it, as `destroy` (the engine's default without `--run-program`:
 * https://www.pulumi.com/docs/iac/operations/stack-management/run-program/); `outputs` reads the state.
 */
const RUNS_PROGRAM: readonly Verb[] = ["preview", "up"];

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
  const { io, env } = deps;
  // Credentials are known before anything runs, config secrets as soon as they are parsed.
  const secrets: Secrets = { redact: makeRedactor(secretValuesFromEnv(env, [])) };
  const out = lineWriter(
    (t) => io.stdout(t),
    (t) => secrets.redact(t),
  );
  const record: RunRecord = { outcome: "succeeded", exitCode: EXIT.ok };
  try {
    await deploy(args, deps, secrets, out, record);
  } catch (err) {
    out.flush();
    Object.assign(record, outcomeOf(err));
    record.error = secrets.redact(err instanceof Error ? err.message : String(err));
    io.stderr(`error: ${record.error}\n`);
  }
  if (args.summaryFile) await appendSummary(args, args.summaryFile, io, record, out.tail(), secrets.redact);
  return record.exitCode;
}

/** The redaction of the run's secrets, replaced once the config's secrets are known. */
interface Secrets {
  redact: (text: string) => string;
}

/** What the run's summary reports, filled in as the run gets there (a failure keeps what came before it). */
interface RunRecord {
  outcome: Outcome;
  exitCode: ExitCode;
  changes?: ChangeSummary;
  /** Masked (see `maskOutputs`). */
  outputs?: Record<string, unknown>;
  /** Redacted. */
  error?: string;
}

/** The run itself: checks, config, the verb, then its changes and outputs; throws on any failure. */
async function deploy(
  args: DeployArgs,
  deps: DeployDeps,
  secrets: Secrets,
  out: ReturnType<typeof lineWriter>,
  record: RunRecord,
): Promise<void> {
  const { io, workspace, env } = deps;
  refuseUnconfirmedInCi(args, io);
  await workspace.ensureCli();
  const config = readConfigFromEnv(env);
  secrets.redact = makeRedactor(secretValuesFromEnv(env, config));
  io.stdout(`==> ${args.verb} stack ${args.stack}\n`);
  const stack = await workspace.openStack(args.stack, { create: CREATES_STACK.includes(args.verb) });
  await applyEnvConfig(stack, config, (t) => io.stdout(t));
  // The verbs that run the program: an app's deployed release stays while its committed settings are unchanged.
  if (RUNS_PROGRAM.includes(args.verb)) await keepDeployedReleases(stack, (t) => io.stdout(t));
  const result = await runVerb(args, stack, deps, (chunk) => out.push(chunk));
  out.flush();
  if (result.ops) {
    record.changes = summarizeChanges(result.ops);
    io.stdout(`\nChanges: ${formatChangeLine(record.changes)}\n`);
    if (args.expectNoChanges && hasChanges(result.ops)) {
      throw new ChangesDetectedError(`stack "${args.stack}" has changes but --expect-no-changes was given`);
    }
  }
  if (result.outputs) {
    record.outputs = maskOutputs(result.outputs);
    await showOutputs(args, record.outputs, io, secrets.redact);
  }
}

/** A verb that changes the stack needs --yes where nobody can answer a question. */
function refuseUnconfirmedInCi(args: DeployArgs, io: DeployIo): void {
  if (MUTATING.includes(args.verb) && !args.yes && !io.interactive) {
    throw new UsageError(
      `refusing to ${args.verb} stack "${args.stack}" without --yes in a non-interactive run (CI); ` +
        `add --yes to proceed`,
    );
  }
}

/** The masked outputs: printed for `outputs`, written to --outputs-json when given. */
async function showOutputs(
  args: DeployArgs,
  masked: Record<string, unknown>,
  io: DeployIo,
  redact: (text: string) => string,
): Promise<void> {
  if (args.verb === "outputs") io.stdout(redact(JSON.stringify(masked, null, 2)) + "\n");
  if (args.outputsJsonFile) {
    await io.writeFile(args.outputsJsonFile, redact(JSON.stringify(masked, null, 2)) + "\n");
    io.stdout(`outputs (secrets masked) written to ${args.outputsJsonFile}\n`);
  }
}

/** What a failure makes of the run: refused (usage, no CLI), changes found, or failed. */
function outcomeOf(err: unknown): { outcome: Outcome; exitCode: ExitCode } {
  if (err instanceof UsageError || err instanceof PulumiCliMissingError)
    return { outcome: "refused", exitCode: EXIT.usage };
  if (err instanceof ChangesDetectedError) return { outcome: "changes-detected", exitCode: EXIT.changes };
  return { outcome: "failed", exitCode: EXIT.failed };
}

/** Appends the Markdown summary (to $GITHUB_STEP_SUMMARY in CI); a summary that cannot be written fails the run. */
async function appendSummary(
  args: DeployArgs,
  summaryFile: string,
  io: DeployIo,
  record: RunRecord,
  outputTail: string,
  redact: (text: string) => string,
): Promise<void> {
  const markdown = renderMarkdownSummary({
    verb: args.verb,
    stack: args.stack,
    ...record,
    policyPacks: args.policyPacks,
    outputTail: record.exitCode === EXIT.failed ? outputTail : undefined,
  });
  try {
    // Appended: $GITHUB_STEP_SUMMARY is shared by every step of a job.
    await io.appendFile(summaryFile, redact(markdown));
  } catch (err) {
    io.stderr(`error: could not write the summary to ${summaryFile}: ${(err as Error).message}\n`);
    if (record.exitCode === EXIT.ok) record.exitCode = EXIT.failed;
  }
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
