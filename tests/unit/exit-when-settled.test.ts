// exitWhenSettled: a finished command ends with its code as soon as its file writes are done, without waiting for
// what else is still open. Run in real child processes.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writesPending } from "../../scripts/lib/exitWhenSettled.js";
import { PROJECT_DIR } from "./support/runStack";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "exit-when-settled-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `body` then `exitWhenSettled(code)` in a fresh process; its exit status and how long it ran. */
function run(body: string, code: number): { status: number | null; ms: number; stderr: string } {
  return node(`${body}\nrequire("./scripts/lib/exitWhenSettled").exitWhenSettled(${code});`);
}

function node(script: string): { status: number | null; ms: number; stderr: string } {
  const started = Date.now();
  const result = spawnSync(process.execPath, ["--require", "tsx/cjs", "-e", script], {
    cwd: PROJECT_DIR,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: result.status, ms: Date.now() - started, stderr: result.stderr };
}

describe("exitWhenSettled", () => {
  it("lets asynchronous file writes finish before the process ends (tsx writes its transform cache so)", () => {
    const files = [0, 1, 2, 3].map((i) => join(dir, `out-${i}`));
    const body = `const fs = require("node:fs");
      for (const f of ${JSON.stringify(files)}) fs.promises.writeFile(f, Buffer.alloc(16 << 20, 120));`;
    const result = run(body, 3);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(3);
    for (const f of files) expect(statSync(f).size).toBe(16 << 20);
  });

  it("does not wait for a timer or anything else left open", () => {
    const result = run("setTimeout(() => console.log('late'), 20000);", 0);
    expect(result.status).toBe(0);
    expect(result.ms).toBeLessThan(15_000);
  });

  it("runs the process's exit listeners", () => {
    const file = join(dir, "at-exit");
    const body = `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(file)}, "ran"));`;
    expect(run(body, 1).status).toBe(1);
    expect(statSync(file).size).toBe(3);
  });
});

describe("failIfAbandoned", () => {
  const guard = `require("./scripts/lib/exitWhenSettled").failIfAbandoned("never settled", 3);`;

  it("reports a run that waits on a promise nothing resolves, instead of exiting 0", () => {
    const result = node(`${guard}\nnew Promise(() => {}).then(() => console.log("unreachable"));`);
    expect(result.status).toBe(3);
    expect(result.stderr.trim()).toBe("never settled");
  });

  it("stays silent when the run settles", () => {
    const result = node(`${guard}\nPromise.resolve(0).then(require("./scripts/lib/exitWhenSettled").exitWhenSettled);`);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });
});

describe("writesPending", () => {
  it.each([
    [["FSReqCallback"], true],
    [["TTYWrap", "FSReqPromise"], true],
    [["FileHandleCloseReq"], true],
    [["WriteWrap"], true],
    [["ShutdownWrap"], true],
    [["Timeout", "PipeConnectWrap", "PipeWrap", "TTYWrap", "Immediate"], false],
    [[], false],
  ])("%j -> %s", (resources, pending) => {
    expect(writesPending(resources)).toBe(pending);
  });
});
