import { spawn } from "node:child_process";
import { waitFor } from "./ports.js";

export interface RunningDaemon {
  readonly pid: number;
  /** SIGTERM, then SIGKILL after 5 s; resolves when the process has exited. Safe to call twice. */
  stop(): Promise<void>;
  /** The last 64 KiB of its stdout and stderr. */
  logs(): string;
}

/**
 * Spawns a daemon in the foreground and waits until `ready()` says it serves. If it exits or times out first, it is
 * stopped and the error carries its output.
 */
export async function startDaemon(
  what: string,
  command: string,
  args: readonly string[],
  ready: () => Promise<boolean>,
): Promise<RunningDaemon> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const append = (d: Buffer) => {
    log = (log + d.toString()).slice(-65_536);
  };
  child.stdout.on("data", append);
  child.stderr.on("data", append);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let alive = true;
  void exited.then(() => (alive = false));
  const stop = async () => {
    if (!alive) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitFor(what, async () => {
      if (!alive) throw new Error(`${command} exited`);
      return ready();
    });
  } catch (e) {
    await stop();
    throw new Error(`${what}: ${(e as Error).message}\n${log.trim()}`);
  }
  return { pid: child.pid!, stop, logs: () => log };
}
