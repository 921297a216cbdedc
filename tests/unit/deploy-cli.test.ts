// The real CLI entry points, spawned as CI would run them, on a PATH that has node but no `pulumi`.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
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
    // TMPDIR: the suite's private temporary directory, so what a command leaves there fails the run.
    env: { PATH: binDir, HOME: binDir, TMPDIR: tmpdir(), CI: "true" },
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

describe("the deploy CLI's temporary files", () => {
  it("go to a private directory that is removed when the run is interrupted (SIGINT), which it dies of", async () => {
    const dir = mkdtempSync(join(tmpdir(), "deploy-cli-sigint-"));
    try {
      const bin = join(dir, "bin");
      const tmp = join(dir, "tmp");
      mkdirSync(bin);
      mkdirSync(tmp);
      symlinkSync(process.execPath, join(bin, "node"));
      // A Pulumi CLI that never answers: the run is still at `pulumi version` when it is interrupted.
      writeFileSync(join(bin, "pulumi"), "#!/bin/sh\nexec /bin/sleep 4711\n", { mode: 0o755 });
      const child = spawn(
        join(bin, "node"),
        ["--require", "tsx/cjs", "scripts/deploy/cli.ts", "preview", "--stack", "dev"],
        {
          cwd: PROJECT_DIR,
          env: { PATH: bin, HOME: dir, TMPDIR: tmp, CI: "true" },
          stdio: "ignore",
        },
      );
      const ownDir = () => readdirSync(tmp).filter((n) => n.startsWith("startup-infra-cli-"));
      const deadline = Date.now() + 20_000;
      while (ownDir().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(ownDir()).toHaveLength(1);
      const exited = new Promise<NodeJS.Signals | null>((r) => child.on("exit", (_code, signal) => r(signal)));
      child.kill("SIGINT");
      expect(await exited).toBe("SIGINT");
      expect(readdirSync(tmp).filter((n) => !n.startsWith("tsx-"))).toEqual([]);
      // Nor is the stand-in left running (the SDK stops the commands it started when the process exits).
      const running = () => spawnSync("pgrep", ["-f", "^/bin/sleep 4711$"]).status === 0;
      for (let i = 0; i < 40 && running(); i++) await new Promise((r) => setTimeout(r, 50));
      expect(running()).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("an interrupted run", () => {
  it("finishes its registered clean-ups (putting stack config back) before it dies of the signal", async () => {
    const dir = mkdtempSync(join(tmpdir(), "deploy-cli-cleanup-"));
    try {
      const marker = join(dir, "restored");
      const script = join(dir, "main.ts");
      // A command that registers a slow clean-up, then waits (as `up` would) until it is interrupted.
      writeFileSync(
        script,
        [
          `import { writeFileSync } from "node:fs";`,
          `import { cliMain, onInterrupt } from ${JSON.stringify(join(PROJECT_DIR, "scripts/deploy/cli-main.ts"))};`,
          `cliMain(() => ({}), "usage", async () => {`,
          `  onInterrupt(async () => {`,
          `    await new Promise((r) => setTimeout(r, 300));`,
          `    writeFileSync(${JSON.stringify(marker)}, "yes");`,
          `  });`,
          `  process.stdout.write("waiting\\n");`,
          `  return new Promise<number>(() => undefined);`,
          `});`,
        ].join("\n"),
      );
      const child = spawn(join(binDir, "node"), ["--require", "tsx/cjs", script], {
        cwd: PROJECT_DIR,
        env: { PATH: binDir, HOME: dir, TMPDIR: dir },
        stdio: ["ignore", "pipe", "inherit"],
      });
      await new Promise<void>((r) => child.stdout.on("data", (d: Buffer) => d.toString().includes("waiting") && r()));
      const exited = new Promise<NodeJS.Signals | null>((r) => child.on("exit", (_code, signal) => r(signal)));
      child.kill("SIGINT");
      expect(await exited).toBe("SIGINT");
      expect(readdirSync(dir)).toContain("restored");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
