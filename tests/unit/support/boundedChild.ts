import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

const PROJECT_DIR = resolve(__dirname, "../../..");

export interface BoundedRun {
  /** Exit code; null when killed. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Why the watchdog killed the child, if it did. */
  readonly killedFor?: "time" | "memory";
  /** Highest resident set size seen (VmHWM from /proc/<pid>/status, polled), in bytes. */
  readonly peakRssBytes: number;
  readonly ms: number;
}

export interface Bounds {
  /** Wall-clock limit: the child is killed (SIGKILL) past it. */
  readonly timeoutMs: number;
  /** Resident memory limit: the child is killed (SIGKILL) as soon as it is seen above it. */
  readonly maxRssBytes: number;
  /** V8 heap limit given to the child (--max-old-space-size), in MiB. */
  readonly heapMb: number;
}

/** Most output kept from the child: a runaway child must not fill the test's memory either. */
const MAX_OUTPUT = 1024 * 1024;

function rssOf(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
  } catch {
    return undefined; // exited meanwhile
  }
}

/**
 * Runs the registry-gc CLI in a child Node process under a wall-clock timeout, a V8 heap cap and an RSS watchdog
 * (polling /proc every 20 ms; Buffers live outside the V8 heap, so the heap cap alone bounds nothing), so that a
 * test of hostile input cannot hang the test runner or take the machine's memory, whatever the code under test does.
 */
export function runGcBounded(args: readonly string[], bounds: Bounds): Promise<BoundedRun> {
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [`--max-old-space-size=${bounds.heapMb}`, "--require", "tsx/cjs", "scripts/registry-gc/cli.ts", ...args],
    {
      cwd: PROJECT_DIR,
      env: { PATH: process.env.PATH, TMPDIR: process.env.TMPDIR },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout = (stdout + d.toString()).slice(0, MAX_OUTPUT)));
  child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(0, MAX_OUTPUT)));
  let killedFor: BoundedRun["killedFor"];
  let peak = 0;
  const kill = (why: "time" | "memory") => {
    killedFor ??= why;
    child.kill("SIGKILL");
  };
  const poll = setInterval(() => {
    const m = child.pid === undefined ? undefined : rssOf(child.pid);
    if (!m) return;
    peak = Math.max(peak, m.hwm, m.rss);
    if (m.rss > bounds.maxRssBytes) kill("memory");
  }, 20);
  const timer = setTimeout(() => kill("time"), bounds.timeoutMs);
  return new Promise((resolveRun, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr, killedFor, peakRssBytes: peak, ms: Date.now() - started });
    });
  });
}
