// The real CLI entry points, spawned as CI would run them, on a PATH that has node but no `pulumi`.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const PROJECT_DIR = resolve(__dirname, "..", "..");
let binDir: string;

beforeAll(() => {
  binDir = mkdtempSync(join(tmpdir(), "deploy-cli-path-"));
  symlinkSync(process.execPath, join(binDir, "node"));
});
afterAll(() => rmSync(binDir, { recursive: true, force: true }));

function runCli(script: string, argv: string[]) {
  // `node --require tsx/cjs` is what `npm run deploy` runs; PATH holds only `node`.
  const result = spawnSync(join(binDir, "node"), ["--require", "tsx/cjs", script, ...argv], {
    cwd: PROJECT_DIR,
    env: { PATH: binDir, HOME: binDir, CI: "true" },
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function expectOneLineNoTrace(stderr: string) {
  const lines = stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
}

describe("the deploy CLI without a Pulumi CLI on PATH", () => {
  it("preview exits 2 with a one-line install hint and no stack trace", () => {
    const { code, stderr } = runCli("scripts/deploy/cli.ts", ["preview", "--stack", "dev"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^error: the Pulumi CLI is required but `pulumi` was not found on PATH; install it: /);
    expect(stderr).toContain("https://www.pulumi.com/docs/install/");
    expectOneLineNoTrace(stderr);
  });

  it("bad usage exits 2 without touching the engine", () => {
    const { code, stderr } = runCli("scripts/deploy/cli.ts", ["explode", "--stack", "dev"]);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown verb "explode"');
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it("up without --yes in CI is refused with exit 2", () => {
    const { code, stderr } = runCli("scripts/deploy/cli.ts", ["up", "--stack", "dev"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/without --yes in a non-interactive run/);
    expectOneLineNoTrace(stderr);
  });

  it("trust-registry-ca --stack exits 2 with the install hint too", () => {
    const { code, stderr } = runCli("scripts/trust-ca/cli.ts", ["--stack", "dev", "--certs-dir", binDir]);
    expect(code).toBe(2);
    expect(stderr).toContain("https://www.pulumi.com/docs/install/");
    expectOneLineNoTrace(stderr);
  });
});
