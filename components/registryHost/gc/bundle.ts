import { join, resolve } from "node:path";
import { cachedBuildSync } from "../../buildCache.js";

const PROJECT_ROOT = resolve(__dirname, "..", "..", "..");
/** Where the last build is kept (the usual place for a project's build caches): a plan or `up` reuses it. */
const CACHE_FILE = join(PROJECT_ROOT, "node_modules", ".cache", "startup-infra", "registry-gc-bundle.json");

/** The Node.js major version the bundle targets; the host runs it on REGISTRY_GC_NODE_IMAGE (a later major). */
export const REGISTRY_GC_BUNDLE_TARGET = "node20";

let cached: string | undefined;

/**
 * registry-gc (scripts/registry-gc/cli.ts) and everything it imports, bundled by esbuild into one CommonJS file that
 * the host runs with `node` inside the pinned Node image: no npm install and no registry access on the host. Built
 * relative to the project root with esbuild pinned in package.json, minified, no source paths: the same sources give
 * the same bytes on every machine, so a second `up` ships nothing. Built once per process (about 0.3 s), and reused
 * from the last build while its inputs are unchanged (buildCache.ts): the offline plan and `up` render it every run.
 */
export function registryGcBundle(): string {
  cached ??= cachedBuildSync(
    {
      absWorkingDir: PROJECT_ROOT,
      entryPoints: [join("scripts", "registry-gc", "cli.ts")],
      bundle: true,
      platform: "node",
      target: REGISTRY_GC_BUNDLE_TARGET,
      format: "cjs",
      minify: true,
      legalComments: "eof",
      logLevel: "silent",
      banner: { js: "// registry-gc, bundled from scripts/registry-gc by components/registryHost/gc/bundle.ts" },
    },
    CACHE_FILE,
  );
  return cached;
}
