import { copyFile, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { HostFile } from "../../../components/hostFile.js";
import { ACME_PATHS, type HostLink } from "../../../components/registryHost/render/index.js";
import { startDaemon } from "./daemon.js";
import { run } from "./exec.js";
import { writeBaseTree } from "./host-tree.js";
import { portOpen, waitFor } from "./ports.js";

export interface NginxTestPorts {
  readonly http: number;
  readonly https: number;
}

/**
 * The only rewrites the rendered Nginx files get for a test run: listen ports (80/443 -> loopback high ports),
 * host paths (/etc/nginx, logs, pid, the ACME webroot) into `root`, and every *_temp_path (the compiled-in
 * /var/lib/nginx ignores -p). Never the `user` directive: the workers run as the account the rendered file names,
 * so `root` must come from makeServiceTempDir (startNginx checks the workers' account).
 */
export function remapNginxFile(content: string, root: string, ports: NginxTestPorts): string {
  let out = content
    .replaceAll("/etc/nginx/", `${root}/etc/nginx/`)
    .replaceAll("/var/log/nginx/", `${root}/log/`)
    // ACME http-01 webroot (render/acme): served from the same test root registry-acme writes to.
    .replaceAll(`${ACME_PATHS.webroot};`, `${root}${ACME_PATHS.webroot};`)
    .replace(/^pid \/run\/nginx\.pid;$/m, `pid ${root}/nginx.pid;`)
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
  await writeBaseTree(root);
  for (const d of ["log", "tmp"]) await mkdir(join(root, d), { recursive: true });
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
  /** The account every worker was seen running as (the rendered `user`). */
  readonly workerUser: string;
}

/**
 * `nginx -c <conf> -p <root> -e <errlog> -g 'daemon off;'` in the foreground; waits for `waitPort`. Throws (and
 * stops it) unless every worker runs as the account the configuration's `user` directive names: a test never runs
 * Nginx's workers with more rights than the host gives them.
 */
export async function startNginx(root: string, conf: string, waitPort: number): Promise<RunningNginx> {
  const args = ["-c", conf, "-p", root, "-e", join(root, "log/error.log"), "-g", "daemon off;"];
  const user = /^user (\S+?);$/m.exec(await readFile(conf, "utf8"))?.[1];
  if (!user || user === "root") throw new Error(`${conf} must name the unprivileged account of Nginx's workers`);
  const { pid, stop, logs } = await startDaemon(`nginx on ${waitPort}`, "nginx", args, () => portOpen(waitPort));
  // The master listens before it forks its workers.
  let workers: string[] = [];
  await waitFor(`nginx workers of ${pid}`, async () => {
    workers = (await run("ps", ["-o", "user=", "--ppid", String(pid)])).stdout.split(/\s+/).filter(Boolean);
    return workers.length > 0;
  }).catch(() => undefined);
  if (workers.length === 0 || workers.some((w) => w !== user)) {
    await stop();
    throw new Error(`nginx workers run as ${workers.join(", ") || "nobody"}, expected ${user}`);
  }
  return { stop, logs, workerUser: user };
}
