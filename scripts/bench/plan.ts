// Benchmark: the offline plan of each stack, whole process (wall time, peak RSS), against a baseline process that
// only loads the SDK modules the program uses. Targets (issue): plan <= 1.5x the baseline's time, <= 250 MB peak RSS.
// Run: npm run bench -- plan   (writes bench-results/plan.json)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { measure, median, type Measurement } from "./measure";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const projectDir = resolve(__dirname, "../..");
const out = mkdtempSync(join(tmpdir(), "bench-plan-"));
// The same loader as `npm run plan`: tsx's CommonJS hook only (its ESM hook runs a loader thread that costs ~30 MiB).
const node = [process.execPath, "--require", "tsx/cjs"];

function series(label: string, argv: string[]): { label: string; runs: Measurement[] } {
  const runs: Measurement[] = [];
  measure(argv, projectDir); // warm-up: tsx's transform cache and the OS page cache
  for (let i = 0; i < RUNS; i++) {
    runs.push(measure(argv, projectDir));
    process.stderr.write(`  ${label}: run ${i + 1}/${RUNS}\r`);
  }
  process.stderr.write("\n");
  return { label, runs };
}

const baseline = series("baseline (SDK modules only)", [...node, "scripts/bench/baseline.ts"]);
const plans = ["dev", "prod"].map((stack) =>
  series(`plan --stack ${stack}`, [...node, "scripts/plan/cli.ts", "--stack", stack, "--out", join(out, stack)]),
);
rmSync(out, { recursive: true, force: true });

const baseWall = median(baseline.runs.map((r) => r.wallSeconds));
const rows = [baseline, ...plans].map(({ label, runs }) => {
  const wall = median(runs.map((r) => r.wallSeconds));
  const rss = Math.max(...runs.map((r) => r.peakRssMiB));
  return { label, wallSeconds: wall, ratio: wall / baseWall, peakRssMiB: rss };
});
const pass = rows.slice(1).every((r) => r.ratio <= 1.5 && r.peakRssMiB * 1.048576 <= 250);

console.log(
  `\nOffline plan benchmark (median of ${RUNS} runs, whole process; ${new Date().toISOString().slice(0, 10)})\n`,
);
console.log("| process | wall time (s) | vs baseline | peak RSS (MiB) |");
console.log("|---|---|---|---|");
for (const r of rows) {
  console.log(`| ${r.label} | ${r.wallSeconds.toFixed(2)} | ${r.ratio.toFixed(2)}x | ${r.peakRssMiB.toFixed(0)} |`);
}
console.log(`\nTargets: plan <= 1.5x baseline, <= 250 MB peak RSS: ${pass ? "met" : "NOT met"}`);
mkdirSync(join(projectDir, "bench-results"), { recursive: true });
writeFileSync(
  join(projectDir, "bench-results", "plan.json"),
  JSON.stringify({ runs: RUNS, rows, pass }, null, 2) + "\n",
);
