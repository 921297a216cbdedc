import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

async function script(path: string, body: string): Promise<string> {
  await writeFile(path, body);
  await chmod(path, 0o755);
  return path;
}

/** `sudo` for a root test session: drops `-n` and runs the rest (the step command stays byte-identical). */
export async function writeFakeSudo(binDir: string): Promise<string> {
  await mkdir(binDir, { recursive: true });
  return script(join(binDir, "sudo"), '#!/bin/sh\nif [ "$1" = -n ]; then shift; fi\nexec "$@"\n');
}

export interface FakeSystemctl {
  readonly path: string;
  /** Every call, one line each (`restart registry.service`, ...). */
  calls(): Promise<string[]>;
}

/**
 * A service manager double (PID 1 is not systemd here): logs each call and keeps enabled/active state as marker
 * files, so `is-enabled` / `is-active` answer like systemd after `enable` / `start`.
 */
export async function writeFakeSystemctl(dir: string): Promise<FakeSystemctl> {
  await mkdir(join(dir, "enabled"), { recursive: true });
  await mkdir(join(dir, "active"), { recursive: true });
  const logFile = join(dir, "calls.log");
  await writeFile(logFile, "");
  const path = await script(
    join(dir, "systemctl"),
    `#!/bin/bash
set -euo pipefail
state=${JSON.stringify(dir)}
echo "$*" >>"$state/calls.log"
now=0
args=()
for a in "$@"; do
  case "$a" in --now) now=1 ;; --quiet | -q) ;; *) args+=("$a") ;; esac
done
verb="\${args[0]}"
unit="\${args[1]:-}"
case "$verb" in
  is-enabled) [ -e "$state/enabled/$unit" ] ;;
  is-active) [ -e "$state/active/$unit" ] ;;
  enable) touch "$state/enabled/$unit"; if [ "$now" = 1 ]; then touch "$state/active/$unit"; fi ;;
  disable) rm -f "$state/enabled/$unit"; if [ "$now" = 1 ]; then rm -f "$state/active/$unit"; fi ;;
  start | restart) touch "$state/active/$unit" ;;
  stop) rm -f "$state/active/$unit" ;;
  reload) [ -e "$state/active/$unit" ] ;;
  daemon-reload) ;;
  *) echo "fake systemctl: unsupported: $*" >&2; exit 2 ;;
esac
`,
  );
  return {
    path,
    calls: async () => (await readFile(logFile, "utf8")).split("\n").filter((l) => l !== ""),
  };
}

/**
 * `nginx` for apply-config under a test root: the REAL nginx binary in a private mount namespace where the test
 * root's /etc/nginx is bind-mounted over /etc/nginx (and a scratch dir over /var/log/nginx), so `nginx -t` checks the
 * installed files at their real paths, unmodified.
 */
export async function writeNginxInRoot(dir: string, root: string): Promise<string> {
  await mkdir(join(dir, "nginx-log"), { recursive: true });
  return script(
    join(dir, "nginx"),
    `#!/bin/bash
set -euo pipefail
exec unshare -m bash -c 'mount --bind "$1/etc/nginx" /etc/nginx && mount --bind "$2" /var/log/nginx && shift 2 && exec /usr/sbin/nginx "$@"' \\
  nginx ${JSON.stringify(root)} ${JSON.stringify(join(dir, "nginx-log"))} "$@"
`,
  );
}
