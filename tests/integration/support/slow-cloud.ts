// Stand-ins for the cloud a host meets at boot, failing the way the real services fail while an instance is still
// being wired: the metadata service answers 404 for the role until the instance profile is attached, SSM answers
// AccessDenied while the role's policy propagates and throttles, connections are refused or time out until the
// address is reachable, answers come back empty or cut. Each endpoint takes a queue of faults, one per request.
import { spawn, type ChildProcess } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createInterface } from "node:readline";

export type Fault =
  | "404" // the metadata service while the instance profile attaches
  | "500" // a service error
  | "503" // the metadata service under load
  | "empty" // 200 with an empty body
  | "malformed" // 200 with a body cut short (not the JSON expected)
  | "throttled" // SSM: 400 ThrottlingException
  | "denied" // SSM: 400 AccessDeniedException (the role's policy is not there yet)
  | "reset" // the connection is closed without an answer
  | "hang"; // the request is accepted and never answered

/** Answers the next fault for this request, or returns false (then answer correctly). */
export function answerFault(fault: Fault | undefined, req: IncomingMessage, res: ServerResponse): boolean {
  switch (fault) {
    case undefined:
      return false;
    case "404":
    case "500":
    case "503":
      res.writeHead(Number(fault)).end();
      return true;
    case "empty":
      res.end();
      return true;
    case "malformed":
      res.end('{"Code": "Success", "AccessKeyId": "ASIA');
      return true;
    case "throttled":
      res.writeHead(400).end('{"__type":"ThrottlingException","message":"Rate exceeded"}');
      return true;
    case "denied":
      res
        .writeHead(400)
        .end('{"__type":"AccessDeniedException","message":"not authorized to perform ssm:GetParameter"}');
      return true;
    case "reset":
      req.socket.destroy();
      return true;
    case "hang":
      return true;
  }
}

/**
 * A loopback port that refuses connections (a bound socket that does not listen: the kernel answers RST, and no other
 * program can take the port) for `refuseSeconds`, then forwards every connection to `targetPort`. `refuseSeconds`
 * Infinity refuses for ever. Stop it with `stop()` (the process is killed by its id).
 */
export async function startRefusingGate(
  targetPort: number,
  refuseSeconds: number,
): Promise<{ port: number; stop: () => Promise<void> }> {
  const script = `
import socket, sys, threading, time
target, refuse = int(sys.argv[1]), float(sys.argv[2])
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
if refuse < 0:
    while True:
        time.sleep(3600)
time.sleep(refuse)
s.listen(64)
def pipe(a, b):
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            b.sendall(data)
    except OSError:
        pass
    finally:
        try:
            b.shutdown(socket.SHUT_WR)
        except OSError:
            pass
while True:
    c, _ = s.accept()
    try:
        u = socket.create_connection(("127.0.0.1", target))
    except OSError:
        c.close()
        continue
    threading.Thread(target=pipe, args=(c, u), daemon=True).start()
    threading.Thread(target=pipe, args=(u, c), daemon=True).start()
`;
  const child: ChildProcess = spawn(
    "python3",
    ["-c", script, String(targetPort), Number.isFinite(refuseSeconds) ? String(refuseSeconds) : "-1"],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", (l) => resolve(l));
    child.once("exit", (code) => reject(new Error(`refusing gate exited ${code} before listening`)));
  });
  return {
    port: Number(line),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}
