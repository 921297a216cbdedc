// scripts/test/ensure-pulumi.sh with stand-in `pulumi` and `go` binaries on a curated PATH: it uses a newer CLI of
// the same major that is on PATH (and says so), passes over older and other-major ones, and, with no CLI that
// qualifies and a Go too old to build one, fails naming both ways out. The real build is exercised by the suite's
// own first run (the cached CLI the other pulumi-cli tests use).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { chmod, mkdir, symlink, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempDir, removeDir } from "./support/tmp";

const PROJECT_DIR = resolve(__dirname, "..", "..");
const SCRIPT = join(PROJECT_DIR, "scripts", "test", "ensure-pulumi.sh");
const LOCK: string = (
  JSON.parse(readFileSync(join(PROJECT_DIR, "package-lock.json"), "utf8")) as {
    packages: Record<string, { version: string }>;
  }
).packages["node_modules/@pulumi/pulumi"]!.version;
const [major, minor] = LOCK.split(".").map(Number) as [number, number];

let root: string;
let tools: string;
beforeAll(async () => {
  root = await makeTempDir("ensure-pulumi-");
  // Only what the script needs besides the stand-ins: node (and tsx through the project), awk, dirname.
  tools = join(root, "tools");
  await mkdir(tools);
  for (const tool of ["awk", "dirname", "env"]) {
    const found = spawnSync("bash", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
    await symlink(found, join(tools, tool));
  }
  await symlink(process.execPath, join(tools, "node"));
});
afterAll(async () => {
  await removeDir(root);
});

/** A directory holding a stand-in `name` that prints `output` for any arguments. */
async function standIn(dir: string, name: string, output: string): Promise<string> {
  const d = join(root, dir);
  await mkdir(d, { recursive: true });
  await writeFile(join(d, name), `#!/bin/sh\necho '${output}'\n`);
  await chmod(join(d, name), 0o755);
  return d;
}

function ensure(pathDirs: string[]) {
  const r = spawnSync("/bin/bash", [SCRIPT], {
    cwd: PROJECT_DIR,
    encoding: "utf8",
    env: {
      PATH: [...pathDirs, tools].join(":"),
      HOME: root,
      TMPDIR: process.env.TMPDIR ?? "/tmp",
      STARTUP_INFRA_CACHE: join(root, "empty-cache"),
    },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("ensure-pulumi.sh picks a CLI on PATH by version", () => {
  it("uses a newer CLI of the lock file's major from PATH, after passing over an older one, and says which", async () => {
    const older = await standIn("older", "pulumi", `v${major}.${minor - 1}.0`);
    const newer = await standIn("newer", "pulumi", `v${major}.${minor + 2}.0`);
    const r = ensure([older, newer]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split("\n").at(-1)).toBe(newer);
    expect(r.stderr).toContain(`${join(older, "pulumi")}: v${major}.${minor - 1}.0 is older than v${LOCK}`);
    expect(r.stderr).toContain(`ensure-pulumi: using ${join(newer, "pulumi")} (v${major}.${minor + 2}.0;`);
  });

  it("with only another major on PATH and Go too old, fails naming both ways out and builds nothing", async () => {
    const next = await standIn("next-major", "pulumi", `v${major + 1}.0.0`);
    const oldGo = await standIn("old-go", "go", "go1.22.4");
    const r = ensure([next, oldGo]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`v${major + 1}.0.0 is another major version than v${LOCK}`);
    expect(r.stderr).toContain("Go is go1.22.4, older than 1.25.0");
    expect(r.stderr).toContain(`install the Pulumi CLI v${LOCK} or a newer ${major}.x`);
    expect(r.stderr).toContain("install Go >= 1.25.0");
    expect(r.stderr).not.toContain("building Pulumi CLI");
  });
});
