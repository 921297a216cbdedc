import { formatDuration } from "../../components/duration.js";
import type { GcReport } from "./gc.js";
import type { ProtectionReport } from "./protection-report.js";
import { describeReason } from "./rules.js";

const TIME_COLUMN = { created: "CREATED", pushed: "PUSHED" } as const;

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => "  " + r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join("  "));
}

/** The per-repository table of kept / deleted tags and why (what a human reads). */
export function formatTextReport(report: GcReport): string {
  const out: string[] = [];
  for (const repo of report.repositories) {
    if (repo.error || !repo.plan) {
      out.push(`${repo.repository}: ERROR ${repo.error ?? "no plan"}`, "");
      continue;
    }
    const plan = repo.plan;
    out.push(`${repo.repository} (${plan.tags.length} tags, ${new Set(plan.tags.map((t) => t.digest)).size} images)`);
    if (plan.tags.length === 0) {
      out.push("  (no tags)", "");
      continue;
    }
    const failed = new Map(repo.deletions.filter((d) => d.status === "failed").map((d) => [d.digest, d.error]));
    // Ranked by tag name, no time was read: no time column, and no per-tag "ranked by tag name" note.
    const byName = report.rankedBy === "tag";
    const rows = [["TAG", "DIGEST", ...(byName ? [] : [TIME_COLUMN[report.rankedBy]]), "ACTION", "WHY"]];
    for (const t of plan.tags) {
      const created = t.created ? t.created.toISOString().replace(/\.\d{3}Z$/, "Z") : "unknown";
      let action: string = t.action;
      let why = t.reasons.map((r) => describeReason(r, formatDuration)).join("; ");
      if (t.action === "delete") {
        action = report.dryRun ? "delete" : failed.has(t.digest) ? "FAILED" : "deleted";
        why = failed.get(t.digest) ?? "no keep rule matches";
      }
      if (t.rankedByTagName && !byName) why += " [no creation time: ranked by tag name]";
      rows.push([t.tag, t.digest.slice(0, 19), ...(byName ? [] : [created]), action, why]);
    }
    out.push(...table(rows), "");
  }
  if (report.protection) out.push(...formatProtection(report.protection), "");
  return out.join("\n");
}

/** The protected set: each digest, where, why, and the tags that point at it. */
function formatProtection(p: ProtectionReport): string[] {
  const out = [`protected (kept whatever the rules say), from ${p.sources.join(", ") || "nothing"}:`];
  if (p.digests.length === 0) return [...out, "  (nothing protected)"];
  const rows = [["DIGEST", "REPOSITORY", "TAGS", "WHY"]];
  for (const d of p.digests) {
    rows.push([d.digest.slice(0, 19), d.repository ?? "(any)", d.tags.join(",") || "(untagged)", d.reasons.join("; ")]);
  }
  return [...out, ...table(rows)];
}

/** The one summary line printed at the end of every run. */
export function formatSummary(report: GcReport): string {
  const s = report.summary;
  const mode = report.dryRun ? "dry run (nothing deleted; --delete acts)" : "delete";
  let line =
    `registry-gc: ${mode}: ${s.repositories} repositories, ${s.tags} tags: keep ${s.keptTags}, ` +
    `delete ${s.deletedTags} (${s.digestsToDelete} digests)`;
  if (!report.dryRun) line += `; deleted ${s.digestsDeleted}/${s.digestsToDelete} digests, ${s.digestsFailed} failed`;
  if (s.repositoryErrors) line += `; ${s.repositoryErrors} repositories skipped on errors`;
  if (report.protection) {
    line += `; ${s.protectedTags} tags protected (${report.protection.digests.length} protected digests)`;
  }
  if (report.rankedBy === "tag") line += "; ranked by tag name (--rank-by tag)";
  else if (s.tagsRankedByName) line += `; ${s.tagsRankedByName} tags without creation time ranked by tag name`;
  if (report.rankedBy === "pushed") line += "; ranked by push time (--storage)";
  line += `; ${report.stats.total} HTTP requests in ${(report.stats.durationMs / 1000).toFixed(2)} s`;
  return line;
}

/** The machine-readable report (`--json`): dates as ISO strings, regexes as their source. */
export function toJson(report: GcReport): string {
  return JSON.stringify(report, (_k, v: unknown) => (v instanceof RegExp ? v.source : v), 2);
}
