import { spawn } from "node:child_process";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { connect } from "node:net";
import { run, runOk, type RunResult } from "./exec.js";
import { freePort, waitFor } from "./ports.js";

export interface RunningSshd {
  readonly port: number;
  /** `ssh root@127.0.0.1 <command>` with the client key and a pinned known_hosts file; `input` goes to stdin. */
  ssh(command: string, input?: string): Promise<RunResult>;
  stop(): Promise<void>;
  logs(): string;
}

export interface SshdOptions {
  /** Directories put first on the session's PATH (fake `sudo`, test doubles). */
  readonly pathPrefix?: readonly string[];
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on("error", () => resolve(false));
  });
}

/**
 * A real OpenSSH server on a free loopback port: own host key, own AuthorizedKeysFile, StrictModes no (keys under
 * /tmp), UsePAM no, key-only root login; `/usr/sbin/sshd -f <config> -D -e`. The client pins the host key.
 */
export async function startSshd(dir: string, opts: SshdOptions = {}): Promise<RunningSshd> {
  await mkdir(dir, { recursive: true });
  await mkdir("/run/sshd", { recursive: true, mode: 0o755 });
  const hostKey = join(dir, "host_ed25519");
  const clientKey = join(dir, "client_ed25519");
  await runOk("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hostKey]);
  await runOk("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", clientKey]);
  const authorized = join(dir, "authorized_keys");
  await writeFile(authorized, await readFile(`${clientKey}.pub`), { mode: 0o600 });
  const port = await freePort();
  const path = [
    ...(opts.pathPrefix ?? []),
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
  ];
  const config = join(dir, "sshd_config");
  await writeFile(
    config,
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${authorized}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      "StrictModes no",
      "UsePAM no",
      "PermitRootLogin prohibit-password",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      `SetEnv PATH=${path.join(":")}`,
      "LogLevel ERROR",
      "",
    ].join("\n"),
  );
  const knownHosts = join(dir, "known_hosts");
  await writeFile(knownHosts, `[127.0.0.1]:${port} ${(await readFile(`${hostKey}.pub`, "utf8")).trim()}\n`);
  await chmod(clientKey, 0o600);

  const child = spawn("/usr/sbin/sshd", ["-f", config, "-D", "-e"], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr.on("data", (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let alive = true;
  void exited.then(() => (alive = false));
  const stop = async () => {
    if (!alive) return;
    child.kill("SIGTERM");
    const t = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(t);
  };
  try {
    await waitFor(`sshd on ${port}`, async () => {
      if (!alive) throw new Error(`sshd exited: ${log}`);
      return portOpen(port);
    });
  } catch (e) {
    await stop();
    throw e;
  }
  const sshArgs = [
    "-i", clientKey, "-p", String(port),
    "-o", `UserKnownHostsFile=${knownHosts}`, "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
    "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR",
  ]; // prettier-ignore
  return {
    port,
    ssh: (command, input) => run("ssh", [...sshArgs, "root@127.0.0.1", command], { input: input ?? "" }),
    stop,
    logs: () => log,
  };
}
