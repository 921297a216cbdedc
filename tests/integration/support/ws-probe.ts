// A websocket client for the apps tests, run as its own process inside the test's network namespace (where Nginx
// listens; the test runner is outside it): `node --require tsx/cjs ws-probe.ts '<ProbeOptions as JSON>'`.
// It opens one socket with undici's WebSocket, sends `m1`, `m2`, ... every `everyMs` while it is open, and prints
// one JSON line per event (`WsEvent`) as it happens. A `close` line on stdin (or stdin's end: the test went away)
// closes the socket normally (1000); `maxSeconds` bounds its life. It exits once the socket has closed.
import type { LookupFunction } from "node:net";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { Agent, WebSocket } from "undici";

export interface ProbeOptions {
  /** `wss://<site>:<port><path>`. */
  readonly url: string;
  /** The address the site's name resolves to (the namespace has no DNS for it), like curl's --resolve. */
  readonly address: string;
  /** PEM file of the CA that signed the site's certificate. */
  readonly caPath: string;
  readonly everyMs: number;
  readonly maxSeconds: number;
}

export interface WsEvent {
  /** Date.now() when it happened. */
  readonly t: number;
  readonly event: "open" | "message" | "close" | "error";
  readonly data?: string;
  readonly code?: number;
  readonly clean?: boolean;
}

/** Every name resolves to `address` (IPv4). net.connect asks with `all: true` when it may try several addresses. */
function lookupTo(address: string): LookupFunction {
  return (_host, opts, cb) => {
    if (opts.all) (cb as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family: 4 }]);
    else cb(null, address, 4);
  };
}

function main(opts: ProbeOptions): void {
  const say = (e: Omit<WsEvent, "t">) => process.stdout.write(`${JSON.stringify({ t: Date.now(), ...e })}\n`);
  // undici's WebSocket takes a dispatcher; the Agent's `connect` options go to tls.connect (undici lib/core/connect.js).
  const dispatcher = new Agent({ connect: { ca: readFileSync(opts.caPath, "utf8"), lookup: lookupTo(opts.address) } });
  const ws = new WebSocket(opts.url, { dispatcher });
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  const closeNormally = () => {
    if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) ws.close(1000, "done");
  };
  ws.onopen = () => {
    say({ event: "open" });
    timer = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send(`m${++sent}`), opts.everyMs);
  };
  ws.onmessage = (e) => say({ event: "message", data: String(e.data) });
  // undici's ErrorEvent: `message` is often empty; `error` carries the cause (a non-101 answer, a TLS failure).
  ws.onerror = (e) => {
    const { message, error } = e as unknown as { message?: string; error?: { message?: string } };
    say({ event: "error", data: message || error?.message || e.type });
  };
  ws.onclose = (e) => {
    clearInterval(timer);
    say({ event: "close", code: e.code, clean: e.wasClean });
    process.exit(0);
  };
  createInterface({ input: process.stdin })
    .on("line", (line) => line.trim() === "close" && closeNormally())
    .on("close", closeNormally);
  setTimeout(closeNormally, opts.maxSeconds * 1000).unref();
  // A close handshake that never completes must not keep the probe alive.
  setTimeout(() => process.exit(2), (opts.maxSeconds + 10) * 1000).unref();
}

if (require.main === module) main(JSON.parse(process.argv[2] ?? "{}") as ProbeOptions);
