import type { PlanReport } from "./plan";

/** The readable summary the plan prints: what would be created, outputs, host files, violations, notes. */
export function formatSummary(report: PlanReport, outDir: string): string {
  const lines: string[] = [];
  const custom = report.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));
  lines.push(`Offline plan of stack "${report.stack}" (composition ${report.composition}): ${custom.length} resources`);
  const counts = new Map<string, number>();
  for (const r of custom) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  for (const [type, n] of [...counts.entries()].sort()) lines.push(`  ${String(n).padStart(3)}  ${type}`);
  const components = report.resources.filter((r) => r.type.startsWith("startup:"));
  lines.push(`Components: ${components.map((c) => `${c.type.split(":").pop()}(${c.name})`).join(", ")}`);
  lines.push("Outputs:");
  for (const [k, v] of Object.entries(report.outputs)) {
    if (v === undefined) continue;
    const text = typeof v === "string" ? v : JSON.stringify(v);
    lines.push(`  ${k}: ${text.length > 100 ? `${text.slice(0, 97)}...` : text}`);
  }
  lines.push(
    `Host files: ${report.hostFiles.length}${report.hostFiles.some((f) => f.secret) ? " (secret ones withheld)" : ""}`,
  );
  for (const f of report.hostFiles) lines.push(`  ${f.mode} ${f.path}${f.secret ? "  [secret]" : ""}`);
  if (report.violations.length === 0) {
    lines.push("Policy: no violations.");
  } else {
    lines.push(`Policy: ${report.violations.length} violation(s):`);
    for (const v of report.violations) {
      lines.push(`  [${v.enforcementLevel}] ${v.policy}: ${v.message}${v.urn ? `\n      at ${v.urn}` : ""}`);
    }
  }
  for (const note of report.notes) lines.push(`Note: ${note}`);
  lines.push(`Wrote ${outDir}/plan.json, host/, architecture.mmd`);
  return lines.join("\n");
}
