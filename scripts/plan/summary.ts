import type { PlanReport } from "./plan";

/** The readable summary the plan prints: what would be created, outputs, host files, violations, notes. */
export function formatSummary(report: PlanReport, outDir: string): string {
  const lines: string[] = [];
  const custom = report.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));
  const providers = report.resources.filter((r) => r.type.startsWith("pulumi:providers:")).length;
  const groups = report.resources.filter((r) => !r.custom).length;
  lines.push(
    `Offline plan of stack "${report.stack}" (composition ${report.composition}): ${plural(custom.length, "cloud resource")}` +
      ` (plan.json lists ${report.resources.length}: these, ${plural(providers, "provider")}` +
      ` and ${plural(groups, "component")} that only group them)`,
  );
  const counts = new Map<string, number>();
  for (const r of custom) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  for (const [type, n] of [...counts.entries()].sort()) lines.push(`  ${String(n).padStart(3)}  ${type}`);
  const components = report.resources.filter((r) => r.type.startsWith("startup:"));
  lines.push(`Components: ${components.map((c) => `${c.type.split(":").pop()}(${c.name})`).join(", ")}`);
  lines.push("Outputs:");
  for (const [k, v] of Object.entries(report.outputs)) {
    if (v === undefined) continue;
    lines.push(`  ${k}: ${outputLine(v)}`);
  }
  lines.push(
    `Host files: ${report.hostFiles.length}${report.hostFiles.some((f) => f.secret) ? " (secret ones withheld)" : ""}`,
  );
  for (const f of report.hostFiles) lines.push(`  ${f.mode} ${f.path}${f.secret ? "  [secret]" : ""}`);
  lines.push(...appLines(report));
  const mandatory = report.violations.filter((v) => v.enforcementLevel === "mandatory").length;
  const advisory = report.violations.length - mandatory;
  if (report.violations.length === 0) {
    lines.push("Policy: passes, no violations.");
  } else {
    lines.push(
      mandatory === 0
        ? `Policy: passes, with ${plural(advisory, "advisory", "advisories")}:`
        : `Policy: FAILS: ${plural(mandatory, "mandatory violation")}${advisory > 0 ? `, ${plural(advisory, "advisory", "advisories")}` : ""}:`,
    );
    for (const v of report.violations) {
      lines.push(`  [${v.enforcementLevel}] ${v.policy}: ${v.message}${v.urn ? `\n      at ${v.urn}` : ""}`);
    }
  }
  for (const note of report.notes) lines.push(`Note: ${note}`);
  lines.push(
    `Wrote ${outDir}/plan.json, host/, ${report.appFiles.length ? "apps/, " : ""}traffic.mmd, architecture.mmd`,
  );
  return lines.join("\n");
}

/** `1 advisory`, `2 advisories`, `0 providers`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * One output as one short line. A PEM block (a CA certificate) is named, not printed: a fragment of base64 helps no
 * one, and the whole value is in plan.json. Multi-line text shows its first line.
 */
export function outputLine(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const pem = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text);
  if (pem) {
    const blocks = text.match(/-----BEGIN [A-Z0-9 ]+-----/g)!.length;
    return `[PEM ${pem[1]!.toLowerCase()}${blocks > 1 ? ` + ${blocks - 1} more` : ""}, ${text.length} characters: see outputs in plan.json]`;
  }
  const firstLine = text.split("\n")[0]!;
  const shown = firstLine.length > 100 ? `${firstLine.slice(0, 97)}...` : firstLine;
  return firstLine === text || shown.endsWith("...") ? shown : `${shown} ...`;
}

/** Each app: the release its deploy would put into service, and the files that deploy renders (under apps/). */
function appLines(report: PlanReport): string[] {
  const releases = (report.outputs.appReleases ?? {}) as Record<string, { deploys?: Record<string, string> }>;
  const names = Object.keys(releases);
  if (names.length === 0) return [];
  const lines = [`Apps: ${names.length}`];
  for (const name of names) {
    const d = releases[name]?.deploys ?? {};
    lines.push(
      `  ${name}: deploys ${d.image} (config ${String(d.configHash).slice(0, 12)}, secrets ${String(d.secretsHash).slice(0, 12)})`,
    );
    for (const f of report.appFiles.filter((x) => x.path.startsWith(`${name}/`))) lines.push(`    apps/${f.path}`);
  }
  return lines;
}
