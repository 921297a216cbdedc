import { spawn } from "node:child_process";
import { copyFile, mkdir, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { connect } from "node:net";
import type { HostFile } from "../../../components/hostFile.js";
import type { HostLink } from "../../../components/registryHost/render/index.js";
import { waitFor } from "./ports.js";

export interface NginxTestPorts {
  readonly http: number;
  readonly https: number;
}

/**
 * The only rewrites the rendered Nginx files get for a test run: listen ports (80/443 -> loopback high ports),
 * host paths (/etc/nginx, logs, pid) into `root`, `user root` (no www-data for files under a 0700 temp dir) and every
 * *_temp_path (the compiled-in /var/lib/nginx ignores -p).
 */
export function remapNginxFile(content: string, root: string, ports: NginxTestPorts): string {
  let out = content
    .replaceAll("/etc/nginx/", `${root}/etc/nginx/`)
    .replaceAll("/var/log/nginx/", `${root}/log/`)
    .replace(/^pid \/run\/nginx\.pid;$/m, `pid ${root}/nginx.pid;`)
    .replace(/^user www-data;$/m, "user root;")
    .replace(/^(\s*)listen 80\b/gm, `$1listen 127.0.0.1:${ports.http}`)
    .replace(/^(\s*)listen 443\b/gm, `$1listen 127.0.0.1:${ports.https}`);
  if (/^http \{$/m.test(out)) {
    const temps = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
      .map((t) => `    ${t}_temp_path ${root}/tmp/${t};`)
      .join("\n");
    out = out.replace(/^http \{$/m, `http {\n${temps}`);
  }
  return out;
}

/** Writes the rendered Nginx files (remapped) and links under `root`, plus the package's mime.types. */
export async function writeNginxTree(
  root: string,
  files: readonly HostFile[],
  links: readonly HostLink[],
  ports: NginxTestPorts,
): Promise<string> {
  for (const d of ["log", "tmp", "etc/nginx"]) await mkdir(join(root, d), { recursive: true });
  await copyFile("/etc/nginx/mime.types", join(root, "etc/nginx/mime.types"));
  for (const f of files.filter((x) => x.path.startsWith("/etc/nginx/"))) {
    const dest = join(root, f.path);
    await mkdir(dirname(dest), { recursive: true });
    const text =
      f.path.endsWith(".crt") || f.path.endsWith(".key") ? f.content : remapNginxFile(f.content, root, ports);
    await writeFile(dest, text, { mode: parseInt(f.mode, 8) });
  }
  for (const l of links) {
    const dest = join(root, l.path);
    await mkdir(dirname(dest), { recursive: true });
    await symlink(l.target, dest);
  }
  return join(root, "etc/nginx/nginx.conf");
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

export interface RunningNginx {
  stop(): Promise<void>;
  logs(): string;
}

/** `nginx -c <conf> -p <root> -e <errlog> -g 'daemon off;'` in the foreground; waits for `waitPort`. */
export async function startNginx(root: string, conf: string, waitPort: number): Promise<RunningNginx> {
  const child = spawn("nginx", ["-c", conf, "-p", root, "-e", join(root, "log/error.log"), "-g", "daemon off;"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
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
    await waitFor(`nginx on ${waitPort}`, async () => {
      if (!alive) throw new Error(`nginx exited: ${log}`);
      return portOpen(waitPort);
    });
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}\n${log}`);
  }
  return { stop, logs: () => log };
}
