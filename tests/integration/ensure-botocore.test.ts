// scripts/test/ensure-botocore.sh, which the unit tests' AWS API check depends on: it prints the models' directory
// from its cache, and when botocore cannot be installed it fails with a message naming why (never a silent skip).
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempDir, removeDir, run } from "./support/index.js";

const SCRIPT = resolve(__dirname, "../../scripts/test/ensure-botocore.sh");
let work: string;
beforeAll(async () => {
  work = await makeTempDir("ensure-botocore-");
});
afterAll(() => removeDir(work));

describe("ensure-botocore.sh", () => {
  it("prints the pinned botocore's data directory (installing it into the cache on first use)", async () => {
    const r = await run("bash", [SCRIPT], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    const dataDir = r.stdout.trim().split("\n").at(-1)!;
    expect(dataDir).toMatch(/\/botocore-1\.44\.5\/.*\/botocore\/data$/);
    expect(existsSync(join(dataDir, "dlm"))).toBe(true);
  });

  it("fails with the reason when the virtual environment cannot be created", async () => {
    // A python3 whose venv module is present but broken: the script must stop, say so, and not install via apt.
    const bin = join(work, "bin");
    await mkdir(bin);
    await writeFile(join(bin, "python3"), '#!/bin/sh\n[ "$1" = "-c" ] && exit 0\necho "venv: broken" >&2\nexit 1\n');
    await chmod(join(bin, "python3"), 0o755);
    const r = await run("bash", [SCRIPT], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, STARTUP_INFRA_CACHE: join(work, "cache") },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`ensure-botocore: ERROR: python3 -m venv ${join(work, "cache")}/botocore-1.44.5 failed`);
    expect(r.stdout).toBe("");
  });
});
