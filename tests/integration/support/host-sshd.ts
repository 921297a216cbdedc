import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { run, runOk, type RunResult } from "./exec.js";
import { startDaemon } from "./daemon.js";
import { freePort, portOpen } from "./ports.js";

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
  /** An existing private host key file to serve (e.g. one a boot script installed). Defaults to a fresh ED25519 key. */
  readonly hostKeyFile?: string;
  /** The `<type> <key data>` the client pins in known_hosts. Defaults to the served key's public half. */
  readonly pinnedHostKey?: string;
}

/**
 * A real OpenSSH server on a free loopback port: own host key, own AuthorizedKeysFile, StrictModes no (keys under
 * /tmp), UsePAM no, key-only root login; `/usr/sbin/sshd -f <config> -D -e`. The client pins the host key.
 */
export async function startSshd(dir: string, opts: SshdOptions = {}): Promise<RunningSshd> {
  await mkdir(dir, { recursive: true });
  await mkdir("/run/sshd", { recursive: true, mode: 0o755 });
  const hostKey = opts.hostKeyFile ?? join(dir, "host_ed25519");
  const clientKey = join(dir, "client_ed25519");
  if (!opts.hostKeyFile) await runOk("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hostKey]);
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
  const pinned = opts.pinnedHostKey ?? (await runOk("ssh-keygen", ["-y", "-f", hostKey])).stdout.trim();
  await writeFile(knownHosts, `[127.0.0.1]:${port} ${pinned}\n`);
  await chmod(clientKey, 0o600);

  const sshd = ["-f", config, "-D", "-e"];
  const { stop, logs } = await startDaemon(`sshd on ${port}`, "/usr/sbin/sshd", sshd, () => portOpen(port));
  const sshArgs = [
    "-i", clientKey, "-p", String(port),
    "-o", `UserKnownHostsFile=${knownHosts}`, "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
    "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR",
  ]; // prettier-ignore
  return {
    port,
    ssh: (command, input) => run("ssh", [...sshArgs, "root@127.0.0.1", command], { input: input ?? "" }),
    stop,
    logs,
  };
}
