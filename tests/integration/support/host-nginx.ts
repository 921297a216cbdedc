import { copyFile, mkdir, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { HostFile } from "../../../components/hostFile.js";
import type { HostLink } from "../../../components/registryHost/render/index.js";
import { startDaemon } from "./daemon.js";
import { portOpen } from "./ports.js";

export interface NginxTestPorts {
  readonly http: number;
  readonly https: number;
}

/**
 * The only rewrites the rendered Nginx files get for a test run: listen ports (80/443 -> loopback high ports),
 * host paths (/etc/nginx, logs, pid, the ACME webroot) into `root`, `user root` (no www-data for files under a 0700 temp dir) and every
 * *_temp_path (the compiled-in /var/lib/nginx ignores -p).
 */
export function remapNginxFile(content: string, root: string, ports: NginxTestPorts): string {
  let out = content
    .replaceAll("/etc/nginx/", `${root}/etc/nginx/`)
    .replaceAll("/var/log/nginx/", `${root}/log/`)
    // ACME http-01 webroot (render/acme): served from the same test root registry-acme writes to.
    .replaceAll("/var/lib/registry-acme/", `${root}/var/lib/registry-acme/`)
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

export interface RunningNginx {
  stop(): Promise<void>;
  logs(): string;
}

/** `nginx -c <conf> -p <root> -e <errlog> -g 'daemon off;'` in the foreground; waits for `waitPort`. */
export async function startNginx(root: string, conf: string, waitPort: number): Promise<RunningNginx> {
  const args = ["-c", conf, "-p", root, "-e", join(root, "log/error.log"), "-g", "daemon off;"];
  const { stop, logs } = await startDaemon(`nginx on ${waitPort}`, "nginx", args, () => portOpen(waitPort));
  return { stop, logs };
}
