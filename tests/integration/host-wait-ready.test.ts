// wait-ready, exactly as rendered, run by bash against a stand-in `cloud-init`: `cloud-init status --wait` has no
// limit of its own, so the script bounds it (GNU timeout) and fails with a clear message instead of hanging the
// deploy. The stand-in records its PID, so the test also proves the hung command is killed, not left behind.
import { spawn } from "node:child_process";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { renderProvisionPlan } from "../../components/registryHost/render/index.js";
import { sampleInput } from "./support/host-input.js";
import { makeTempDir, removeDir } from "./support/index.js";

let work: string;
beforeEach(async () => {
  work = await makeTempDir("wait-ready-");
});
afterEach(async () => {
  await removeDir(work);
});

/** A `cloud-init` that writes its PID, then sleeps `seconds` and exits with `rc`. */
async function standIn(seconds: number, rc = 0): Promise<string> {
  const path = join(work, "cloud-init");
  await writeFile(path, `#!/bin/bash\necho $$ >"${work}/cloud-init.pid"\nsleep ${seconds}\nexit ${rc}\n`);
  await chmod(path, 0o755);
  return path;
}

/** Runs the rendered wait-ready script (stdin, like the SSH step) with the test-only options; kills it after 30 s. */
function runWaitReady(readyTimeoutSeconds: number, cloudInit: string) {
  const plan = renderProvisionPlan({ ...sampleInput("dev"), readyTimeoutSeconds });
  const stdin = plan.steps.find((s) => s.name === "wait-ready")!.stdin!;
  return new Promise<{ code: number | null; stdout: string; stderr: string; seconds: number }>((resolve, reject) => {
    const started = Date.now();
    const child = spawn("bash", ["-s", "--", "--root", work, "--cloud-init", cloudInit, "--attempts", "1"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const guard = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr, seconds: (Date.now() - started) / 1000 });
    });
    child.stdin.end(stdin);
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("wait-ready bounds cloud-init status --wait", () => {
  it("renders the limit from readyTimeoutSeconds (default 20 minutes)", () => {
    const script = (input: ReturnType<typeof sampleInput>) =>
      renderProvisionPlan(input).steps.find((s) => s.name === "wait-ready")!.stdin!;
    expect(script(sampleInput("dev"))).toContain("readonly READY_TIMEOUT_SECONDS='1200'");
    expect(script({ ...sampleInput("prod"), readyTimeoutSeconds: 300 })).toContain(
      "readonly READY_TIMEOUT_SECONDS='300'",
    );
  });

  it("a cloud-init that never finishes fails the step after the limit, says why, and is killed", async () => {
    const r = await runWaitReady(2, await standIn(600));
    expect(r.code).toBe(1);
    expect(r.seconds).toBeLessThan(15);
    expect(r.stderr).toContain("wait-ready: ERROR: cloud-init did not finish within 2 s (timed out)");
    expect(r.stderr).toContain("host.provisionTimeoutMinutes");
    expect(r.stdout).not.toContain("ready\n");
    const pid = Number((await readFile(join(work, "cloud-init.pid"), "utf8")).trim());
    expect(alive(pid)).toBe(false);
  });

  it("a cloud-init that finishes in time passes, and its recoverable-errors status (2) too", async () => {
    const done = await runWaitReady(20, await standIn(0, 0));
    expect(done.code).toBe(0);
    expect(done.stdout).toContain("wait-ready: cloud-init done\n");
    expect(done.stdout).toContain("wait-ready: ready\n");
    const recoverable = await runWaitReady(20, await standIn(0, 2));
    expect(recoverable.code).toBe(0);
    expect(recoverable.stdout).toContain("cloud-init done with recoverable errors");
  });

  it("a failed cloud-init still fails with its own exit status", async () => {
    const r = await runWaitReady(20, await standIn(0, 1));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cloud-init failed (exit 1)");
  });
});
