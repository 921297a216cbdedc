import { buildSync } from "esbuild";
import { join, resolve } from "node:path";

const PROJECT_ROOT = resolve(__dirname, "..", "..", "..");

/** The Node.js major version the bundle targets; the host runs it on REGISTRY_GC_NODE_IMAGE (a later major). */
export const REGISTRY_GC_BUNDLE_TARGET = "node20";

let cached: string | undefined;

/**
 * registry-gc (scripts/registry-gc/cli.ts) and everything it imports, bundled by esbuild into one CommonJS file that
 * the host runs with `node` inside the pinned Node image: no npm install and no registry access on the host. Built
 * relative to the project root with esbuild pinned in package.json, minified, no source paths: the same sources give
 * the same bytes on every machine, so a second `up` ships nothing. Built once per process (about 1 s).
 */
export function registryGcBundle(): string {
  cached ??= buildSync({
    absWorkingDir: PROJECT_ROOT,
    entryPoints: [join("scripts", "registry-gc", "cli.ts")],
    bundle: true,
    platform: "node",
    target: REGISTRY_GC_BUNDLE_TARGET,
    format: "cjs",
    minify: true,
    legalComments: "eof",
    write: false,
    logLevel: "silent",
    banner: { js: "// registry-gc, bundled from scripts/registry-gc by components/registryHost/gc/bundle.ts" },
  }).outputFiles[0]!.text;
  return cached;
}
