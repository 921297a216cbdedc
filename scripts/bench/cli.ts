// `npm run bench -- <suite...|all>`: runs each benchmark suite (scripts/bench/<suite>.ts) as its own process.
// Suites print a Markdown table and write bench-results/<suite>.json. Benchmarks are not tests: they report.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const HELPERS = new Set(["cli", "measure", "baseline"]);
const suites = readdirSync(__dirname)
  .filter((f) => f.endsWith(".ts") && !HELPERS.has(f.slice(0, -3)))
  .map((f) => f.slice(0, -3))
  .sort();

const asked = process.argv.slice(2);
if (asked.length === 0 || asked.includes("--help")) {
  console.log(`usage: npm run bench -- <${suites.join("|")}|all> ...`);
  process.exit(asked.length === 0 ? 2 : 0);
}
const chosen = asked.includes("all") ? suites : asked;
let failed = 0;
for (const suite of chosen) {
  const file = join(__dirname, `${suite}.ts`);
  if (!existsSync(file) || HELPERS.has(suite)) {
    console.error(`bench: unknown suite "${suite}" (known: ${suites.join(", ")})`);
    process.exit(2);
  }
  console.log(`\n## ${suite}`);
  const result = spawnSync(process.execPath, ["--require", "tsx/cjs", file], { stdio: "inherit" });
  if (result.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
