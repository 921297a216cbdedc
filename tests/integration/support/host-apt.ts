import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface FakeApt {
  /** Directory to put first on PATH (dpkg-query, apt-get, apt-mark doubles). */
  readonly bin: string;
  /** apt-get / apt-mark calls, one line each; apt-get install lines end with `policy-rc.d=<present|absent>`. */
  calls(): Promise<string[]>;
}

/**
 * apt doubles for install-packages (installing real packages would change this machine): `dpkg-query -W` answers
 * from a state directory that `apt-get install pkg=version` fills; `apt-mark` keeps holds there. apt-get records
 * whether the policy-rc.d under `root` existed while it ran and what it answered for nginx.
 */
export async function writeFakeApt(
  dir: string,
  root: string,
  preinstalled: Record<string, string> = {},
): Promise<FakeApt> {
  const bin = join(dir, "bin");
  const state = join(dir, "state");
  await mkdir(bin, { recursive: true });
  await mkdir(join(state, "installed"), { recursive: true });
  await writeFile(join(state, "calls.log"), "");
  await writeFile(join(state, "holds"), "");
  for (const [p, v] of Object.entries(preinstalled)) await writeFile(join(state, "installed", p), v);
  const s = JSON.stringify(state);
  const policy = JSON.stringify(join(root, "usr/sbin/policy-rc.d"));
  const scripts: Record<string, string> = {
    "dpkg-query": `#!/bin/bash
pkg="\${!#}"
[ -f ${s}/installed/"$pkg" ] || exit 1
printf 'install ok installed %s' "$(cat ${s}/installed/"$pkg")"
`,
    "apt-get": `#!/bin/bash
args=("$@")
if printf '%s\\n' "$@" | grep -qx install; then
  if [ -x ${policy} ]; then p="present nginx:$(${policy} nginx >/dev/null; echo $?) docker:$(${policy} docker >/dev/null; echo $?)"; else p=absent; fi
  echo "apt-get \${args[*]} policy-rc.d=$p" >>${s}/calls.log
  for a in "$@"; do case "$a" in *=*) case "$a" in -*) ;; *) printf '%s' "\${a#*=}" >${s}/installed/"\${a%%=*}" ;; esac ;; esac; done
else
  echo "apt-get \${args[*]}" >>${s}/calls.log
fi
`,
    "apt-mark": `#!/bin/bash
echo "apt-mark $*" >>${s}/calls.log
case "$1" in
  showhold) cat ${s}/holds ;;
  hold) shift; printf '%s\\n' "$@" >>${s}/holds ;;
esac
`,
  };
  for (const [name, body] of Object.entries(scripts)) {
    await writeFile(join(bin, name), body);
    await chmod(join(bin, name), 0o755);
  }
  return {
    bin,
    calls: async () => (await readFile(join(state, "calls.log"), "utf8")).split("\n").filter((l) => l !== ""),
  };
}
