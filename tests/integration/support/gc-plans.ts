import { join } from "node:path";
import type { GcReport } from "../../../scripts/registry-gc/index.js";
import { run, type RunResult } from "./exec.js";

/** A registry-gc report reduced to its decisions, for comparing runs: per repository, tag:action and doomed digests. */
export function decisions(report: GcReport) {
  return report.repositories.map((r) => ({
    repository: r.repository,
    error: r.error,
    tags: (r.plan?.tags ?? []).map((d) => `${d.tag}:${d.action}`).sort(),
    deletions: (r.plan?.deletions ?? []).map((d) => d.digest).sort(),
  }));
}

const ROOT = join(__dirname, "..", "..", "..");

/** `npm run registry-gc -- <args>` as a user runs it (tsx, the project as cwd), the password piped to stdin. */
export function runGcCli(args: readonly string[], password: string): Promise<RunResult> {
  return run(join(ROOT, "node_modules", ".bin", "tsx"), [join(ROOT, "scripts", "registry-gc", "cli.ts"), ...args], {
    input: `${password}\n`,
    cwd: ROOT,
  });
}
