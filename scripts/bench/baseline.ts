// Baseline for the plan benchmark: a process that only loads the SDK modules the program uses, then exits. The list
// is what the plans themselves loaded from node_modules (recorded by record-modules.ts, in load order), so the
// provider submodules that load lazily when a resource class is first used are counted here, not in the plan.
// Run by scripts/bench/plan.ts with BENCH_MODULES=<json list>.
import { readFileSync } from "node:fs";

const list = process.env.BENCH_MODULES;
if (!list) {
  console.error("baseline: set BENCH_MODULES to the JSON list of modules to load (npm run bench -- plan does this)");
  process.exit(2);
}
const files = JSON.parse(readFileSync(list, "utf8")) as string[];
// eslint-disable-next-line @typescript-eslint/no-require-imports -- loading a recorded list of files is the point
for (const file of files) require(file);
console.log(`loaded ${files.length} modules`);
