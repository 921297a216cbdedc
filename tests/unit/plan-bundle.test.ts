import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_DIR } from "./support/runStack";

const work = mkdtempSync(join(tmpdir(), "plan-bundle-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// Preload that records, at exit, which of the plan's two forms the process loaded.
const probe = join(work, "probe.cjs");
writeFileSync(
  probe,
  `process.on("exit", () => require("node:fs").writeFileSync(process.env.PLAN_PROBE,
    JSON.stringify(Object.keys(require.cache).filter((f) => /plan-bundle\\.json\\.js$|scripts\\/plan\\/main\\.ts$/.test(f)))));\n`,
);

/** Runs `entry` (cli.ts or main.ts) for `stack` into its own directory; the files it loaded of the two forms. */
function plan(entry: string, stack: string): { out: string; loaded: string[]; code: number | null } {
  const out = join(work, `${entry}-${stack}`);
  const record = join(work, `${entry}-${stack}.json`);
  const run = spawnSync(
    process.execPath,
    ["--require", probe, "--require", "tsx/cjs", `scripts/plan/${entry}`, "--stack", stack, "--out", out],
    { cwd: PROJECT_DIR, encoding: "utf8", timeout: 120_000, env: { ...process.env, PLAN_PROBE: record } },
  );
  return { out, loaded: JSON.parse(readFileSync(record, "utf8")) as string[], code: run.status };
}

/** Every file under `root` with its bytes (as hex, so any difference shows). */
function tree(root: string, at = root): Record<string, string> {
  return Object.fromEntries(
    readdirSync(at, { withFileTypes: true }).flatMap((e) => {
      const p = join(at, e.name);
      return e.isDirectory() ? Object.entries(tree(root, p)) : [[relative(root, p), readFileSync(p).toString("hex")]];
    }),
  );
}

describe.each(["dev", "prod"])("the plan run from its bundle (stack %s)", (stack) => {
  it("loads the bundle, not the sources, and writes byte for byte what the sources write", () => {
    const bundled = plan("cli.ts", stack);
    const sources = plan("main.ts", stack);
    expect([bundled.code, sources.code]).toEqual([0, 0]);
    expect(bundled.loaded.map((f) => f.split("/").pop())).toEqual(["plan-bundle.json.js"]);
    expect(sources.loaded.map((f) => f.split("/").pop())).toEqual(["main.ts"]);
    const written = tree(bundled.out);
    expect(Object.keys(written)).toContain(join("host", "usr", "local", "lib", "registry-gc", "registry-gc.cjs"));
    expect(written).toEqual(tree(sources.out));
  });
});
