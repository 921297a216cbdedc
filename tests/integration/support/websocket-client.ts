import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import type { ProbeOptions, WsEvent } from "./ws-probe.js";

export type { WsEvent } from "./ws-probe.js";

const PROJECT_DIR = resolve(__dirname, "..", "..", "..");
const PROBE = resolve(__dirname, "ws-probe.ts");

/** One websocket held by a probe process (ws-probe.ts) in the test's network namespace. */
export interface WsProbe {
  /** Date.now() when the socket opened; rejects when the probe closed, failed or exited first. */
  readonly opened: Promise<number>;
  /** Everything the probe saw, once it has exited (after the socket closed); rejects if it exited abnormally. */
  readonly done: Promise<WsEvent[]>;
  /** What the probe has seen so far. */
  events(): readonly WsEvent[];
  /** Asks the probe to close the socket normally (1000). */
  close(): void;
  /** Ends the probe if it still runs (SIGKILL); resolves once it has exited. For clean-ups. */
  kill(): Promise<void>;
}

/**
 * Starts a probe: `[command, args]` is how to run a program in the namespace (DockerEngine.nsArgs), so the probe is
 * `nsenter --net=<ns> node --require tsx/cjs ws-probe.ts <options>`: nsenter execs node, one process to end.
 */
export function startWsProbe(
  inNamespace: (cmd: string, args: readonly string[]) => [string, string[]],
  opts: ProbeOptions,
): WsProbe {
  const [cmd, args] = inNamespace(process.execPath, ["--require", "tsx/cjs", PROBE, JSON.stringify(opts)]);
  const child = spawn(cmd, args, { cwd: PROJECT_DIR, stdio: ["pipe", "pipe", "pipe"] });
  const seen: WsEvent[] = [];
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8192)));
  child.stdin.on("error", () => undefined); // the probe may have exited already
  const exited = new Promise<number>((res) => child.once("close", (code, signal) => res(code ?? (signal ? 128 : 1))));
  let onOpen: (t: number) => void = () => undefined;
  const opened = new Promise<number>((res, rej) => {
    onOpen = res;
    void exited.then(() => rej(new Error(`the websocket to ${opts.url} never opened: ${describe(seen, stderr)}`)));
  });
  opened.catch(() => undefined); // a caller that never awaits `opened` must not see an unhandled rejection
  createInterface({ input: child.stdout }).on("line", (line) => {
    const e = JSON.parse(line) as WsEvent;
    seen.push(e);
    if (e.event === "open") onOpen(e.t);
  });
  const done = exited.then((code) => {
    if (code !== 0) throw new Error(`the websocket probe exited ${code}: ${describe(seen, stderr)}`);
    return [...seen];
  });
  done.catch(() => undefined);
  return {
    opened,
    done,
    events: () => seen,
    close: () => child.stdin.write("close\n"),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

function describe(seen: readonly WsEvent[], stderr: string): string {
  return `${JSON.stringify(seen)} ${stderr.trim()}`.trim();
}
