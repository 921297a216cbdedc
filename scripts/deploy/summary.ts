import type { OpCounts, StackOutputs, Verb } from "./types.js";
import { SECRET_PLACEHOLDER } from "./redact.js";

export interface ChangeSummary {
  creates: number;
  updates: number;
  replaces: number;
  deletes: number;
  same: number;
}

/** Engine operations that leave a resource as it is (a refresh `read` is not a change either). */
const UNCHANGED_OPS = new Set(["same", "read", "refresh"]);

/**
 * Folds the engine's per-operation counts into the four numbers a reviewer wants. A replacement shows up as
 * `replace` and/or its `create-replacement` / `delete-replaced` halves; it is counted once.
 */
export function summarizeChanges(ops: OpCounts): ChangeSummary {
  const n = (op: string) => ops[op] ?? 0;
  return {
    creates: n("create") + n("import"),
    updates: n("update"),
    replaces: Math.max(
      n("replace"),
      n("create-replacement"),
      n("delete-replaced"),
      n("import-replacement"),
      n("read-replacement"),
    ),
    deletes: n("delete") + n("discard"),
    same: n("same"),
  };
}

/** True when any operation other than "leave it as is" was reported. */
export function hasChanges(ops: OpCounts): boolean {
  return Object.entries(ops).some(([op, count]) => !UNCHANGED_OPS.has(op) && (count ?? 0) > 0);
}

export function formatChangeLine(s: ChangeSummary): string {
  return `${s.creates} to create, ${s.updates} to update, ${s.replaces} to replace, ${s.deletes} to delete, ${s.same} unchanged`;
}

/** `{ name: value }` with every secret output replaced by "[secret]" (the shape of `pulumi stack output --json`). */
export function maskOutputs(outputs: StackOutputs): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(outputs)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, o]) => [name, o.secret ? SECRET_PLACEHOLDER : o.value]),
  );
}

export type Outcome = "succeeded" | "changes-detected" | "failed" | "refused";

export interface SummaryInput {
  verb: Verb;
  stack: string;
  outcome: Outcome;
  exitCode: number;
  changes?: ChangeSummary;
  /** Already masked (see `maskOutputs`). */
  outputs?: Record<string, unknown>;
  policyPacks: string[];
  /** Already redacted. */
  error?: string;
  /** The last lines of the engine's output (already redacted), shown for a failed run. */
  outputTail?: string;
}

const VERB_TITLES: Record<Verb, string> = {
  preview: "Preview",
  up: "Update",
  refresh: "Refresh",
  destroy: "Destroy",
  outputs: "Outputs",
  drift: "Drift check",
};

const OUTCOME_LINES: Record<Outcome, string> = {
  succeeded: "succeeded",
  "changes-detected": "changes detected (no changes were expected)",
  failed: "failed",
  refused: "refused",
};

function markdownCell(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const oneLine = (text ?? "").replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
  return oneLine.length > 120 ? `${oneLine.slice(0, 117)}...` : oneLine;
}

/** A collapsed block of preformatted text (the last 4000 characters; code fences inside are defused). */
function detailsBlock(title: string, text: string): string[] {
  const body = text.length > 4000 ? `...${text.slice(-4000)}` : text;
  return [`<details><summary>${title}</summary>`, "", "```text", body.replace(/```/g, "'''"), "```", "</details>", ""];
}

/** The Markdown a CI job summary (or a pull-request comment) shows for one run. */
export function renderMarkdownSummary(input: SummaryInput): string {
  const lines: string[] = [];
  lines.push(`### ${VERB_TITLES[input.verb]} of stack \`${input.stack}\`: ${OUTCOME_LINES[input.outcome]}`, "");
  lines.push(`Exit code: ${input.exitCode}`);
  if (input.policyPacks.length > 0) {
    lines.push(`Policy packs: ${input.policyPacks.map((p) => `\`${p}\``).join(", ")}`);
  }
  lines.push("");
  if (input.changes) {
    const c = input.changes;
    lines.push("| Create | Update | Replace | Delete | Unchanged |", "| ---: | ---: | ---: | ---: | ---: |");
    lines.push(`| ${c.creates} | ${c.updates} | ${c.replaces} | ${c.deletes} | ${c.same} |`, "");
  }
  if (input.outputs && Object.keys(input.outputs).length > 0) {
    lines.push("| Output | Value |", "| --- | --- |");
    for (const [name, value] of Object.entries(input.outputs)) {
      lines.push(`| \`${name}\` | ${markdownCell(value)} |`);
    }
    lines.push("");
  }
  if (input.error) lines.push(...detailsBlock("Error", input.error));
  if (input.outputTail) lines.push(...detailsBlock("Last lines of the engine output", input.outputTail));
  return lines.join("\n") + "\n";
}
