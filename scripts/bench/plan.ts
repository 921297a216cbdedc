// Benchmark: the offline plan of each stack, whole process (wall time, CPU time, peak RSS), against a baseline process
// that only loads the SDK modules the program uses. Targets: plan <= 1.5x the baseline's wall time, <= 250 MB peak
// RSS. The CPU ratio (user + system) is reported beside the wall ratio: on a shared machine it varies less.
// Run: npm run bench -- plan   (writes bench-results/plan.json)
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { measure, median, type Measurement } from "./measure";

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const STACKS = ["dev", "prod"];
const projectDir = resolve(__dirname, "../..");
const out = mkdtempSync(join(tmpdir(), "bench-plan-"));
// The same loader as `npm run plan`: tsx's CommonJS hook only (its ESM hook runs a loader thread that costs ~30 MiB).
const node = [process.execPath, "--require", "tsx/cjs"];
const planArgv = (stack: string) => ["scripts/plan/cli.ts", "--stack", stack, "--out", join(out, stack)];

/** The node_modules files the plans load (both stacks, load order): what the baseline process loads. */
function recordModules(): { list: string; count: number } {
  const seen = new Set<string>();
  for (const stack of STACKS) {
    const record = join(out, `modules-${stack}.json`);
    const run = spawnSync(
      node[0]!,
      [...node.slice(1), "--require", "./scripts/bench/record-modules.ts", ...planArgv(stack)],
      {
        cwd: projectDir,
        env: { ...process.env, BENCH_RECORD_MODULES: record },
        encoding: "utf8",
      },
    );
    if (run.status !== 0)
      throw new Error(`plan --stack ${stack} failed (exit ${run.status}): ${run.stderr.slice(-500)}`);
    for (const file of JSON.parse(readFileSync(record, "utf8")) as string[]) seen.add(file);
  }
  const list = join(out, "modules.json");
  writeFileSync(list, JSON.stringify([...seen]));
  process.stderr.write(`  baseline loads the ${seen.size} node_modules files the plans load\n`);
  return { list, count: seen.size };
}

const modules = recordModules();
const subjects = [
  { label: "baseline (SDK modules only)", argv: [...node, "scripts/bench/baseline.ts"] },
  ...STACKS.map((stack) => ({ label: `plan --stack ${stack}`, argv: [...node, ...planArgv(stack)] })),
].map((s) => ({ ...s, runs: [] as Measurement[] }));
// Rounds interleave the processes, so a slow spell of the machine hits the baseline and the plans alike.
process.env.BENCH_MODULES = modules.list;
for (const s of subjects) measure(s.argv, projectDir); // warm-up: tsx's transform cache and the OS page cache
for (let i = 0; i < RUNS; i++) {
  for (const s of subjects) s.runs.push(measure(s.argv, projectDir));
  process.stderr.write(`  round ${i + 1}/${RUNS}\r`);
}
process.stderr.write("\n");
rmSync(out, { recursive: true, force: true });

const baseWall = median(subjects[0]!.runs.map((r) => r.wallSeconds));
const baseCpu = median(subjects[0]!.runs.map((r) => r.cpuSeconds));
const rows = subjects.map(({ label, runs }) => {
  const wall = median(runs.map((r) => r.wallSeconds));
  const cpu = median(runs.map((r) => r.cpuSeconds));
  const rss = Math.max(...runs.map((r) => r.peakRssMiB));
  return {
    label,
    wallSeconds: wall,
    ratio: wall / baseWall,
    cpuSeconds: cpu,
    cpuRatio: cpu / baseCpu,
    peakRssMiB: rss,
  };
});
const pass = rows.slice(1).every((r) => r.ratio <= 1.5 && r.peakRssMiB * 1.048576 <= 250);

console.log(
  `\nOffline plan benchmark (median of ${RUNS} runs, whole process; ${new Date().toISOString().slice(0, 10)})\n`,
);
console.log("| process | wall time (s) | vs baseline | CPU time (s) | CPU vs baseline | peak RSS (MiB) |");
console.log("|---|---|---|---|---|---|");
for (const r of rows) {
  const wall = `${r.wallSeconds.toFixed(2)} | ${r.ratio.toFixed(2)}x`;
  const cpu = `${r.cpuSeconds.toFixed(2)} | ${r.cpuRatio.toFixed(2)}x`;
  console.log(`| ${r.label} | ${wall} | ${cpu} | ${r.peakRssMiB.toFixed(0)} |`);
}
console.log(
  `\nLoad average at the end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")} (wall time is the target's measure)`,
);
console.log(`\nTargets: plan <= 1.5x baseline, <= 250 MB peak RSS: ${pass ? "met" : "NOT met"}`);
mkdirSync(join(projectDir, "bench-results"), { recursive: true });
writeFileSync(
  join(projectDir, "bench-results", "plan.json"),
  JSON.stringify({ runs: RUNS, baselineModules: modules.count, rows, pass }, null, 2) + "\n",
);
