import { chmod, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface FakeApt {
  /** Directory to put first on PATH (dpkg-query, apt-get, apt-mark doubles). */
  readonly bin: string;
  /** apt-get / apt-mark calls, one line each; apt-get install lines end with `policy-rc.d=<present|absent>`. */
  calls(): Promise<string[]>;
  /** Installed package -> version. */
  installed(): Promise<Record<string, string>>;
  /** Held packages. */
  holds(): Promise<string[]>;
}

/**
 * What Ubuntu 24.04 (noble) serves today, as the double's archive: each package's candidate (newest in
 * noble/noble-updates/noble-security) and older builds still in the release pocket. `nginx` depends on
 * `nginx-common (= its own version)`, as noble's package does.
 */
export const NOBLE_ARCHIVE: Record<string, { candidate: string; older: string[] }> = {
  "docker.io": { candidate: "26.1.3-0ubuntu1~24.04.1", older: ["24.0.7-0ubuntu4"] },
  nginx: { candidate: "1.24.0-2ubuntu7.5", older: ["1.24.0-2ubuntu7"] },
  "nginx-common": { candidate: "1.24.0-2ubuntu7.5", older: ["1.24.0-2ubuntu7"] },
  "unattended-upgrades": { candidate: "2.9.1+nmu4ubuntu1", older: [] },
};

/**
 * apt doubles for install-packages (installing real packages would change this machine). `apt-get install` resolves
 * like apt against NOBLE_ARCHIVE: `pkg` takes the candidate, `pkg=version` that version (if the archive has it);
 * installing nginx pulls nginx-common at the candidate unless pinned too, and fails with apt's "unmet dependencies"
 * (exit 100) when nginx-common's version differs from nginx's. Held packages are not changed unless
 * --allow-change-held-packages is given. `dpkg-query -W` answers from the state; `apt-mark` keeps holds there.
 * apt-get records whether the policy-rc.d under `root` existed while it ran and what it answered for nginx.
 */
export async function writeFakeApt(
  dir: string,
  root: string,
  preinstalled: Record<string, string> = {},
  preheld: string[] = [],
): Promise<FakeApt> {
  const bin = join(dir, "bin");
  const state = join(dir, "state");
  await mkdir(bin, { recursive: true });
  await mkdir(join(state, "installed"), { recursive: true });
  await writeFile(join(state, "calls.log"), "");
  await writeFile(join(state, "holds"), preheld.map((p) => `${p}\n`).join(""));
  await writeFile(join(state, "archive.json"), JSON.stringify(NOBLE_ARCHIVE));
  for (const [p, v] of Object.entries(preinstalled)) await writeFile(join(state, "installed", p), v);
  const s = JSON.stringify(state);
  const policy = JSON.stringify(join(root, "usr/sbin/policy-rc.d"));
  const resolver = join(dir, "resolve.py");
  await writeFile(
    resolver,
    `import json, os, subprocess, sys
state, args = sys.argv[1], sys.argv[2:]
archive = json.load(open(os.path.join(state, "archive.json")))
holds = open(os.path.join(state, "holds")).read().split()
installed_dir = os.path.join(state, "installed")
installed = {p: open(os.path.join(installed_dir, p)).read() for p in os.listdir(installed_dir)}
wanted = {}
skip = False
for a in args:
    if skip or a == "-o":
        skip = not skip
        continue
    if a.startswith("-") or a == "install":
        continue
    name, _, version = a.partition("=")
    if name not in archive:
        sys.exit(f"E: Unable to locate package {name}")
    if version and version != archive[name]["candidate"] and version not in archive[name]["older"]:
        sys.exit(f"E: Version '{version}' for '{name}' was not found")
    wanted[name] = version or archive[name]["candidate"]
if "nginx" in wanted and "nginx-common" not in wanted:
    wanted["nginx-common"] = archive["nginx-common"]["candidate"]
if "nginx" in wanted and wanted["nginx-common"] != wanted["nginx"]:
    print("The following packages have unmet dependencies:", file=sys.stderr)
    print(f" nginx : Depends: nginx-common (= {wanted['nginx']}) but {wanted['nginx-common']} is to be installed", file=sys.stderr)
    print("E: Unable to correct problems, you have held broken packages.", file=sys.stderr)
    sys.exit(100)
for name, version in wanted.items():
    if name in holds and installed.get(name) != version and "--allow-change-held-packages" not in args:
        sys.exit(f"E: Held packages were changed and -y was used without --allow-change-held-packages.")
    older = name in installed and subprocess.run(["dpkg", "--compare-versions", version, "lt", installed[name]]).returncode == 0
    if older and "--allow-downgrades" not in args:
        sys.exit(f"E: Packages were downgraded and -y was used without --allow-downgrades.")
for name, version in wanted.items():
    open(os.path.join(installed_dir, name), "w").write(version)
`,
  );
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
  exec python3 ${JSON.stringify(resolver)} ${s} "$@"
else
  echo "apt-get \${args[*]}" >>${s}/calls.log
fi
`,
    "apt-mark": `#!/bin/bash
echo "apt-mark $*" >>${s}/calls.log
case "$1" in
  showhold) cat ${s}/holds ;;
  hold) shift; printf '%s\\n' "$@" >>${s}/holds ;;
  unhold) shift; for p in "$@"; do grep -vxF "$p" ${s}/holds >${s}/holds.new || true; mv ${s}/holds.new ${s}/holds; done ;;
esac
`,
  };
  for (const [name, body] of Object.entries(scripts)) {
    await writeFile(join(bin, name), body);
    await chmod(join(bin, name), 0o755);
  }
  const installedDir = join(state, "installed");
  return {
    bin,
    calls: async () => (await readFile(join(state, "calls.log"), "utf8")).split("\n").filter((l) => l !== ""),
    installed: async () => {
      const out: Record<string, string> = {};
      for (const p of await readdir(installedDir)) out[p] = await readFile(join(installedDir, p), "utf8");
      return out;
    },
    holds: async () => (await readFile(join(state, "holds"), "utf8")).split("\n").filter((l) => l !== ""),
  };
}
