// The host access check on real files: each declared reader (HostFile.readers, HostFile.creates) opens what it must
// under a test root as its own account, with setpriv (util-linux): its uid and gid, no supplementary groups, and no
// capabilities, even for root (the registry container runs with --cap-drop=ALL). Ancestors of the root must be
// traversable (makeServiceTempDir), as / is on a host.
import { join } from "node:path";
import type { HostFile, HostReader } from "../../../components/hostFile.js";
import { SERVICE_ACCOUNTS } from "../../../components/registryHost/render/accounts.js";
import { run } from "./exec.js";

/**
 * An account this machine lacks (cwagent comes with the CloudWatch agent's package) is stood in for by an unused
 * uid and gid: every path is root-owned with a root or declared group, so only the "others" bits apply to it, exactly
 * as to the real account. A declared group this machine lacks would make that untrue: refused.
 */
const STAND_IN_ID = "64999";

async function ids(who: HostReader): Promise<{ uid: string; gid: string }> {
  const passwd = await run("getent", ["passwd", who.user]);
  if (passwd.code === 0) {
    const [, , uid, gid] = passwd.stdout.trim().split(":");
    return { uid: uid!, gid: gid! };
  }
  for (const db of ["passwd", "group"]) {
    if ((await run("getent", [db, STAND_IN_ID])).code === 0) throw new Error(`stand-in id ${STAND_IN_ID} is taken`);
  }
  return { uid: STAND_IN_ID, gid: STAND_IN_ID };
}

/** `test <flag> <path>` as `who` without privileges: true when it may. */
export async function accountMay(who: HostReader, flag: "-r" | "-x", path: string): Promise<boolean> {
  const { uid, gid } = await ids(who);
  const r = await run("setpriv", [`--reuid=${uid}`, `--regid=${gid}`, "--clear-groups", "--bounding-set=-all",
    "--inh-caps=-all", "--", "test", flag, path]); // prettier-ignore
  if (r.code > 1) throw new Error(`setpriv failed: ${r.stderr}`);
  return r.code === 0;
}

/**
 * Every (reader, path) of `files` under `root` the reader cannot open: each file by its readers (root when none is
 * declared), each directory a tool created (when `created`) by its readers. Lists "service (user): path".
 */
export async function unreachable(root: string, files: readonly HostFile[], created = false): Promise<string[]> {
  const out: string[] = [];
  for (const f of files) {
    for (const who of f.readers ?? [SERVICE_ACCOUNTS.root]) {
      if (!(await accountMay(who, "-r", join(root, f.path)))) out.push(`${who.service} (${who.user}): ${f.path}`);
    }
    if (!created) continue;
    for (const d of f.creates ?? []) {
      for (const who of d.readers ?? []) {
        if (!(await accountMay(who, "-x", join(root, d.path)))) out.push(`${who.service} (${who.user}): ${d.path}/`);
      }
    }
  }
  return out;
}
