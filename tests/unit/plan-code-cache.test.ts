import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PROJECT_DIR } from "./support/runStack";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "plan-code-cache-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const digestOf = (text: string) => createHash("sha256").update(text).digest("hex");

/** Writes a bundle that prints `word` (and what it sees as a module), returning its path and digest. */
function bundle(word: string): { file: string; digest: string } {
  const file = join(dir, "bundle.js");
  const text =
    `const dep = require("./dep.js");\n` +
    `function say() { return ${JSON.stringify(word)} + dep; }\n` +
    `console.log(JSON.stringify({ said: say(), file: __filename, dir: __dirname, ` +
    `cached: require.cache[__filename] === module, exportsThis: this === module.exports }));\n`;
  writeFileSync(file, text);
  writeFileSync(join(dir, "dep.js"), 'module.exports = "!";\n');
  return { file, digest: digestOf(text) };
}

/** Runs runBundle on `b` in a fresh process (the code cache is written at exit); what the bundle printed. */
function run(b: { file: string; digest: string }): Record<string, unknown> {
  const code = `require("./scripts/plan/runBundle").runBundle(${JSON.stringify(b)});`;
  const result = spawnSync(process.execPath, ["--require", "tsx/cjs", "-e", code], {
    cwd: PROJECT_DIR,
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

const stamp = (file: string) => {
  const s = statSync(file, { bigint: true });
  return `${s.ino}:${s.mtimeNs}:${s.ctimeNs}`;
};

describe("the plan bundle's code cache (scripts/plan/runBundle.ts)", () => {
  it("runs the bundle as a CommonJS module, as require would", () => {
    const b = bundle("first");
    expect(run(b)).toEqual({ said: "first!", file: b.file, dir, cached: true, exportsThis: true });
  });

  it("writes the code cache at exit, headed by the bundle's digest, and the next run keeps it (V8 took it)", () => {
    const b = bundle("first");
    run(b);
    const cache = readFileSync(`${b.file}.v8`);
    expect(cache.subarray(0, 65).toString()).toBe(`${b.digest}\n`);
    expect(cache.length).toBeGreaterThan(65);
    const before = stamp(`${b.file}.v8`);
    expect(run(b).said).toBe("first!");
    expect(stamp(`${b.file}.v8`)).toBe(before);
  });

  it("never runs the cache of another bundle of the same length (V8 alone would: it checks lengths, not bytes)", () => {
    run(bundle("first"));
    const other = bundle("other"); // same length, other code
    expect(run(other).said).toBe("other!");
    expect(readFileSync(`${other.file}.v8`).subarray(0, 65).toString()).toBe(`${other.digest}\n`);
  });

  it("runs from source, and makes the cache anew, when V8 refuses it", () => {
    const b = bundle("first");
    writeFileSync(`${b.file}.v8`, Buffer.concat([Buffer.from(`${b.digest}\n`), Buffer.alloc(4096, 7)]));
    expect(run(b).said).toBe("first!");
    expect(readFileSync(`${b.file}.v8`).subarray(65).equals(Buffer.alloc(4096, 7))).toBe(false);
  });

  it("runs when the cache can be neither read nor written", () => {
    const b = bundle("first");
    mkdirSync(`${b.file}.v8`);
    expect(run(b).said).toBe("first!");
    expect(statSync(`${b.file}.v8`).isDirectory()).toBe(true);
  });
});
