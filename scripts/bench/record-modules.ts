// Preload for the plan benchmark: when the process exits, writes the files it loaded from node_modules (in load
// order) to the JSON file named by BENCH_RECORD_MODULES. The baseline process then loads exactly those files, so it
// is "a process that only loads the SDK modules the program uses", lazily loaded provider submodules included.
import { writeFileSync } from "node:fs";

const target = process.env.BENCH_RECORD_MODULES;
// The loader itself (tsx and its esbuild) is preloaded by both processes alike; it is not a module the program uses.
const loader = /\/node_modules\/(tsx|esbuild|@esbuild|get-tsconfig|resolve-pkg-maps)\//;

if (target) {
  process.on("exit", () => {
    // The project's own build outputs kept under node_modules/.cache (the plan's bundle) are the program, not the SDK.
    const files = Object.keys(require.cache).filter(
      (f) => f.includes("/node_modules/") && !f.includes("/node_modules/.cache/") && !loader.test(f),
    );
    writeFileSync(target, JSON.stringify(files));
  });
}
