import { isDeepStrictEqual } from "node:util";
import { type ConfigValue, LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { isMissingConfigKey, translateEngineError } from "./engine-errors.js";
import { cliVersionProblem } from "./cli-version.js";
import { PulumiCliMissingError } from "./errors.js";
import type {
  ConfigEntry,
  ConfigObject,
  DeployStack,
  DeployWorkspace,
  OpCounts,
  OperationOptions,
  OperationResult,
  StackOutputs,
  UpResult,
} from "./types.js";

/** Every engine call goes through here, so a failure is translated (exit 2/3) or rethrown as is (exit 1). */
async function engine<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw translateEngineError(err);
  }
}

/**
 * The change counts of an operation. A missing or empty summary is an engine contract break, never "no changes":
 * every stack has at least its `pulumi:pulumi:Stack` resource, and the SDK returns `{}` for a preview whose
 * summary event it could not parse, which would otherwise pass a drift check silently.
 */
function requireChanges(changes: OpCounts | undefined, verb: string): OpCounts {
  if (!changes || Object.keys(changes).length === 0) {
    throw new Error(`the engine returned no change summary for ${verb}; cannot tell what would change`);
  }
  return changes;
}

/**
 * The line worth showing from a failed `pulumi` call. The SDK's CommandError message is
 * "code: N\n stdout: ...\n stderr: <execa's 'Command failed ...' line>\n<the CLI's stderr>\n err?: ...".
 */
export function cliFailureReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const stderr = /\bstderr:([\s\S]*?)(?:\n err\?:|$)/.exec(message)?.[1] ?? message;
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("Command failed"));
  return lines[0] ?? (stderr.trim().split("\n")[0] || "no output");
}

export class AutomationStack implements DeployStack {
  constructor(private readonly stack: Stack) {}

  get name(): string {
    return this.stack.name;
  }

  async setConfig(entries: ConfigEntry[]): Promise<void> {
    const config = Object.fromEntries(entries.map((e) => [e.key, { value: e.value, secret: e.secret }]));
    await engine(() => this.stack.setAllConfig(config));
  }

  async preview(opts: OperationOptions): Promise<OperationResult> {
    const r = await engine(() =>
      this.stack.preview({
        policyPacks: opts.policyPacks,
        expectNoChanges: opts.expectNoChanges,
        onOutput: opts.onOutput,
        color: "never",
        diff: true,
      }),
    );
    return { changes: requireChanges(r.changeSummary, "preview") };
  }

  async up(opts: OperationOptions): Promise<UpResult> {
    const r = await engine(() =>
      this.stack.up({
        policyPacks: opts.policyPacks,
        expectNoChanges: opts.expectNoChanges,
        onOutput: opts.onOutput,
        color: "never",
        diff: true,
        // Outputs go to the masked outputs JSON, not to the log.
        suppressOutputs: true,
      }),
    );
    return { changes: requireChanges(r.summary?.resourceChanges, "up"), outputs: r.outputs };
  }

  async refresh(opts: Omit<OperationOptions, "policyPacks">): Promise<OperationResult> {
    const r = await engine(() =>
      this.stack.refresh({ expectNoChanges: opts.expectNoChanges, onOutput: opts.onOutput, color: "never" }),
    );
    return { changes: requireChanges(r.summary?.resourceChanges, "refresh") };
  }

  async previewRefresh(opts: Omit<OperationOptions, "policyPacks">): Promise<OperationResult> {
    const r = await engine(() =>
      this.stack.previewRefresh({ expectNoChanges: opts.expectNoChanges, onOutput: opts.onOutput, color: "never" }),
    );
    return { changes: requireChanges(r.changeSummary, "refresh --preview-only") };
  }

  async destroy(opts: Pick<OperationOptions, "onOutput">): Promise<OperationResult> {
    const r = await engine(() => this.stack.destroy({ onOutput: opts.onOutput, color: "never" }));
    // An already-empty stack legitimately destroys nothing: only the summary itself is required.
    if (!r.summary) throw new Error("the engine returned no summary for destroy");
    return { changes: r.summary.resourceChanges ?? {} };
  }

  async outputs(): Promise<StackOutputs> {
    return engine(() => this.stack.outputs());
  }

  /**
   * An object setting as a whole (`pulumi config get <key> --json`; Pulumi.yaml's default when the stack file does
   * not set it), or undefined when the stack has no such key. A secret leaf anywhere inside makes `secret` true (the
   * CLI then returns the whole object decrypted).
   */
  async getConfigObject(key: string): Promise<ConfigObject | undefined> {
    let got: ConfigValue;
    try {
      got = await this.stack.getConfig(key);
    } catch (err) {
      if (isMissingConfigKey(err)) return undefined;
      throw translateEngineError(err);
    }
    let value: unknown;
    try {
      value = JSON.parse(got.value);
    } catch {
      value = undefined;
    }
    if (!value || typeof value !== "object" || Array.isArray(value)) {
      throw new Error(`the stack setting ${key} is not an object`);
    }
    return { value: value as Record<string, unknown>, secret: got.secret === true };
  }

  /**
   * Sets the object setting `key` to exactly `value`, plain, read back to make sure. Written whole with `pulumi config
   * set-all --json` (pulumi/pulumi#19427, May 2025, older than this project's minimum CLI): values keep their JSON
   * types (a string "+82" or "12345678901234567890" stays a string, empty objects and lists stay) and the stack file
   * keeps its comments and order. Leaf by leaf, `config set --path` would store number-like strings as numbers ("+4"
   * became 4, pulumi/pulumi#19213) in several calls, a failure between them leaving the setting half written.
   * One CLI quirk remains (v3.248.0): it updates an existing YAML node in place and keeps its quoting, so the number 4
   * written over a quoted "2" comes back as the string "4". Entries that read back otherwise are therefore removed
   * and written afresh (their own comments go with them). Never for secrets: the value is written in clear text.
   */
  async setConfigObject(key: string, value: Record<string, unknown>): Promise<void> {
    await this.writeConfigObject(key, value);
    const stale = await this.entriesStoredOtherwise(key, value);
    if (stale.length === 0) return;
    await this.writeConfigObject(key, Object.fromEntries(Object.entries(value).filter(([k]) => !stale.includes(k))));
    await this.writeConfigObject(key, value);
    const still = await this.entriesStoredOtherwise(key, value);
    if (still.length > 0) {
      throw new Error(`the Pulumi CLI stored ${still.map((k) => `${key}.${k}`).join(", ")} otherwise than written`);
    }
  }

  private async writeConfigObject(key: string, value: Record<string, unknown>): Promise<void> {
    const json = JSON.stringify({ [key]: { value: JSON.stringify(value), objectValue: value, secret: false } });
    await engine(() => this.stack.setAllConfigJson(json));
  }

  /** The top-level entries of `key` whose stored value (types included) is not `value`'s. */
  private async entriesStoredOtherwise(key: string, value: Record<string, unknown>): Promise<string[]> {
    const stored = (await this.getConfigObject(key))?.value ?? {};
    const keys = [...new Set([...Object.keys(stored), ...Object.keys(value)])];
    return keys.filter((k) => !isDeepStrictEqual(stored[k], value[k]));
  }

  async exportState(): Promise<unknown> {
    return engine(() => this.stack.exportStack());
  }
}

/**
 * `DeployWorkspace` over the Automation API: a `LocalWorkspace` on this project's directory (its `Pulumi.yaml`
 * and `Pulumi.<stack>.yaml`), driving the `pulumi` CLI found on PATH. The backend (Pulumi Cloud or a
 * self-managed URL) and credentials come from the process environment, as for the CLI itself.
 */
export class AutomationWorkspace implements DeployWorkspace {
  private command?: PulumiCommand;
  private workspace?: LocalWorkspace;

  constructor(private readonly workDir: string) {}

  async ensureCli(): Promise<void> {
    try {
      // Runs `pulumi version` and checks it against the SDK's minimum.
      this.command = await PulumiCommand.get();
    } catch (err) {
      const translated = translateEngineError(err);
      if (translated instanceof PulumiCliMissingError) throw translated;
      throw new PulumiCliMissingError(`\`pulumi version\` failed (${cliFailureReason(err)})`);
    }
    // Then against this project's own minimum (Pulumi.yaml's `type: object` settings).
    const problem = cliVersionProblem(this.command.version?.version);
    if (problem !== undefined) {
      this.command = undefined;
      throw new PulumiCliMissingError(problem);
    }
  }

  async openStack(name: string, opts: { create: boolean }): Promise<AutomationStack> {
    if (!this.command) await this.ensureCli();
    this.workspace ??= await engine(() =>
      LocalWorkspace.create({ workDir: this.workDir, pulumiCommand: this.command }),
    );
    const workspace = this.workspace;
    const stack = await engine(() =>
      opts.create ? Stack.createOrSelect(name, workspace) : Stack.select(name, workspace),
    );
    return new AutomationStack(stack);
  }
}
