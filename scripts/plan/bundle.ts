import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Plugin } from "esbuild";
import { cachedBuildFile, type CachedFile } from "../../components/buildCache";

const PROJECT_ROOT = resolve(__dirname, "..", "..");
const CACHE_FILE = join(PROJECT_ROOT, "node_modules", ".cache", "startup-infra", "plan-bundle.json");

/**
 * A bundled module keeps the `__dirname` of the file it came from (the program reads its Bash sources beside their
 * modules): each module that names `__dirname` declares it first, as its folder. esbuild renames the declarations
 * apart, as it does any top-level names that collide.
 */
const ownDirname: Plugin = {
  name: "own-dirname-v1",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const source = readFileSync(args.path, "utf8");
      if (!source.includes("__dirname")) return { contents: source, loader: "ts" };
      return { contents: `const __dirname = ${JSON.stringify(dirname(args.path))};\n${source}`, loader: "ts" };
    });
  },
};

/**
 * The plan (main.ts) and the whole program it runs, bundled into one CommonJS file by esbuild, packages left to
 * `require` (the same node_modules files load either way): loading one file instead of ~150 TypeScript modules
 * through the loader saves about a tenth of a plan's run time. Function names are not kept (`keepNames` wraps every
 * function the program creates in a call; nothing reads the names, and errors are reported by message). Rebuilt
 * only when a source changes (../../components/buildCache.ts). Undefined when the cache cannot be written: the
 * caller then loads main.ts itself.
 */
export function planBundle(): Promise<CachedFile | undefined> {
  return cachedBuildFile(
    {
      absWorkingDir: PROJECT_ROOT,
      entryPoints: [join("scripts", "plan", "main.ts")],
      bundle: true,
      packages: "external",
      platform: "node",
      format: "cjs",
      target: `node${process.versions.node}`,
      logLevel: "silent",
      plugins: [ownDirname],
    },
    CACHE_FILE,
  );
}
