import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSync, type Plugin } from "esbuild";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cachedBuildFile, cachedBuildSync, type CachedBuildOptions } from "../../components/buildCache";

let root: string;
let cacheFile: string;
let options: CachedBuildOptions;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "bundle-cache-"));
  mkdirSync(join(root, "src"));
  writeFileSync(join(root, "src", "main.ts"), 'import { word } from "./lib";\nconsole.log(word);\n');
  writeFileSync(join(root, "src", "lib.ts"), 'export const word: string = "first";\n');
  cacheFile = join(root, ".cache", "bundle.json");
  options = { absWorkingDir: root, entryPoints: ["src/main.ts"], bundle: true, platform: "node", format: "cjs" };
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Replaces the cached output (and its digest), keeping the fingerprint: a call that returns it took the cache. */
function plantSentinel(): void {
  const sentinel = "// sentinel from the cache\n";
  const entry = JSON.parse(readFileSync(cacheFile, "utf8")) as Record<string, unknown>;
  writeFileSync(`${cacheFile}.js`, sentinel);
  writeFileSync(cacheFile, JSON.stringify({ ...entry, output: createHash("sha256").update(sentinel).digest("hex") }));
}

describe("the registry-gc bundle's build cache", () => {
  it("builds what esbuild builds, and returns the recorded build while nothing changed", () => {
    const built = cachedBuildSync(options, cacheFile);
    expect(built).toBe(buildSync({ ...options, write: false }).outputFiles[0]!.text);
    expect(built).toContain('"first"');
    plantSentinel();
    expect(cachedBuildSync(options, cacheFile)).toBe("// sentinel from the cache\n");
  });

  it("builds again when an input's bytes change", () => {
    cachedBuildSync(options, cacheFile);
    plantSentinel();
    writeFileSync(join(root, "src", "lib.ts"), 'export const word: string = "second";\n');
    expect(cachedBuildSync(options, cacheFile)).toContain('"second"');
  });

  it("builds again when a new file could win a module resolution (lib.tsx resolves before lib.ts)", () => {
    cachedBuildSync(options, cacheFile);
    plantSentinel();
    writeFileSync(join(root, "src", "lib.tsx"), 'export const word: string = "shadow";\n');
    expect(cachedBuildSync(options, cacheFile)).toContain('"shadow"');
  });

  it("builds again when a tsconfig.json above the inputs changes", () => {
    writeFileSync(join(root, "tsconfig.json"), "{}\n");
    cachedBuildSync(options, cacheFile);
    plantSentinel();
    writeFileSync(join(root, "tsconfig.json"), '{ "compilerOptions": { "useDefineForClassFields": false } }\n');
    expect(cachedBuildSync(options, cacheFile)).toContain('"first"');
  });

  it("builds again when the options change", () => {
    cachedBuildSync(options, cacheFile);
    plantSentinel();
    expect(cachedBuildSync({ ...options, minify: true }, cacheFile)).toContain('"first"');
  });

  it("builds when the cache can be neither read nor written", () => {
    writeFileSync(join(root, ".cache"), "a file where the cache folder would go");
    expect(cachedBuildSync(options, cacheFile)).toContain('"first"');
    expect(cachedBuildSync(options, cacheFile)).toContain('"first"');
  });

  it("with a plugin: keeps the output as a file, and builds again when the plugin's code changes under the same name", async () => {
    const replacing = (word: string): Plugin => ({
      name: "word",
      setup(build) {
        build.onLoad({ filter: /lib\.ts$/ }, () => ({
          contents: `export const word = ${JSON.stringify(word)};`,
          loader: "ts",
        }));
      },
    });
    // Two plugins that differ in their code, not only in a captured value: the key sees the hooks' source text.
    const upper: Plugin = {
      name: "word",
      setup(build) {
        build.onLoad({ filter: /lib\.ts$/ }, () => ({ contents: 'export const word = "UPPER";', loader: "ts" }));
      },
    };
    const kept = await cachedBuildFile({ ...options, plugins: [replacing("plugged")] }, cacheFile);
    expect(kept?.file).toBe(`${cacheFile}.js`);
    const text = readFileSync(kept!.file, "utf8");
    expect(text).toContain('"plugged"');
    expect(kept?.digest).toBe(createHash("sha256").update(text).digest("hex"));
    expect(await cachedBuildFile({ ...options, plugins: [replacing("plugged")] }, cacheFile)).toEqual(kept);
    const again = await cachedBuildFile({ ...options, plugins: [upper] }, cacheFile);
    expect(readFileSync(again!.file, "utf8")).toContain('"UPPER"');
  });

  it("with a plugin: undefined when the cache cannot be written", async () => {
    writeFileSync(join(root, ".cache"), "a file where the cache folder would go");
    expect(await cachedBuildFile(options, cacheFile)).toBeUndefined();
  });
});

describe("the build cache's stamps", () => {
  it("records stamps once the inputs are older than the racy window, and then trusts them without reading", () => {
    cachedBuildSync(options, cacheFile);
    const manifest = () => JSON.parse(readFileSync(cacheFile, "utf8")) as Record<string, unknown>;
    expect(manifest()["stamps"]).toBeUndefined();
    const now = Date.now;
    try {
      Date.now = () => now() + 60_000;
      expect(cachedBuildSync(options, cacheFile)).toContain('"first"');
      expect(manifest()["stamps"]).toMatch(/^[0-9a-f]{64}$/);
      // Only the stamps can vouch now: the recorded fingerprint no longer matches anything.
      writeFileSync(cacheFile, JSON.stringify({ ...manifest(), fingerprint: "stale" }));
      expect(cachedBuildSync(options, cacheFile)).toContain('"first"');
      writeFileSync(join(root, "src", "lib.ts"), 'export const word: string = "other";\n');
      expect(cachedBuildSync(options, cacheFile)).toContain('"other"');
    } finally {
      Date.now = now;
    }
  });
});
