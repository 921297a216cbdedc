import { dirname } from "node:path";
import type { HostDirectory, HostFile, HostReader } from "../../hostFile";
import { SERVICE_ACCOUNTS } from "./accounts";
import { HOST_PATHS } from "./paths";

const system = (path: string): HostDirectory => ({ path, mode: "0755", owner: "root", group: "root" });

/**
 * Directories an Ubuntu 24.04 host has before provisioning touches it (base system, the nginx and docker.io
 * packages), all root:root 0755. Test trees start from these too (tests/integration/support/host-tree.ts).
 */
export const BASE_DIRECTORIES: readonly HostDirectory[] = [
  "/",
  "/etc",
  "/etc/apt",
  "/etc/apt/apt.conf.d",
  "/etc/nginx",
  "/etc/nginx/sites-available",
  "/etc/nginx/sites-enabled",
  "/etc/systemd",
  "/etc/systemd/system",
  "/opt",
  "/srv",
  "/usr",
  "/usr/local",
  "/usr/local/sbin",
  "/var",
  "/var/lib",
  "/var/www",
].map(system);

/**
 * Directories the provisioning steps create themselves: prepare-data-volume's mount point, data and release-history directories (default
 * umask 022; the file system's root is mkfs's 0755) and install-files' private bookkeeping (umask 077).
 */
export const PROVISIONED_DIRECTORIES: readonly HostDirectory[] = [
  system(HOST_PATHS.dataMount),
  // Mounted read-write into the registry container (registryUnit.ts).
  { ...system(HOST_PATHS.dataDir), readers: [SERVICE_ACCOUNTS.registry] },
  // The apps' release histories: written by their deploys as root, read by the GC timer's retention (root).
  system(HOST_PATHS.releasesDir),
  { path: HOST_PATHS.stateDir, mode: "0700", owner: "root", group: "root" },
];

/** A missing parent directory of a shipped file: install-files makes it root:root 0755 (umask 022 for it). */
export const INSTALLED_PARENT_DIRECTORY = { mode: "0755", owner: "root", group: "root" } as const;

/**
 * Any other directory nobody declares: the tools run under umask 077, so one `mkdir -p` makes for them on the way to a
 * declared directory is 0700 root:root.
 */
export const IMPLICIT_DIRECTORY = { mode: "0700", owner: "root", group: "root" } as const;

export interface AccessProblem {
  path: string;
  service: string;
  user: string;
  /** Which entry on the way refuses it, and why. */
  reason: string;
}

type Entry = Pick<HostDirectory, "mode" | "owner" | "group">;

/** Whether `who` has `bit` (4 read, 1 search) on `entry` by its owner, group and mode (no capability bypass). */
export function modeAllows(entry: Entry, who: HostReader, bit: 4 | 1): boolean {
  const mode = parseInt(entry.mode, 8);
  if (who.user === entry.owner) return ((mode >> 6) & bit) !== 0;
  if (who.group === entry.group) return ((mode >> 3) & bit) !== 0;
  return (mode & bit) !== 0;
}

const describe = (e: Entry) => `${e.mode} ${e.owner}:${e.group}`;

/**
 * Every reader of every file the renderers ship, and of every directory a shipped tool creates (and the files it
 * writes there), that cannot open it: read on the file, search on every directory from / down. Files are root:root
 * (install-files); a file written in a setgid directory takes the directory's group. Empty when all can read.
 */
export function hostAccessProblems(
  files: readonly HostFile[],
  provisioned: readonly HostDirectory[] = PROVISIONED_DIRECTORIES,
): AccessProblem[] {
  const dirs = new Map<string, HostDirectory>();
  for (const f of files) {
    for (let p = dirname(f.path); p !== "/"; p = dirname(p)) dirs.set(p, { path: p, ...INSTALLED_PARENT_DIRECTORY });
  }
  for (const d of [...BASE_DIRECTORIES, ...provisioned, ...files.flatMap((f) => f.creates ?? [])]) dirs.set(d.path, d);
  const dirAt = (path: string): Entry => dirs.get(path) ?? IMPLICIT_DIRECTORY;
  const problems: AccessProblem[] = [];
  const check = (path: string, entry: Entry, readers: readonly HostReader[], bit: 4 | 1) => {
    for (const who of readers) {
      const refusal = (at: string, e: Entry, what: string): AccessProblem => ({
        path,
        service: who.service,
        user: who.user,
        reason: `${at} (${describe(e)}) gives ${who.user} no ${what}`,
      });
      let found: AccessProblem | undefined;
      for (let p = dirname(path); !found; p = dirname(p)) {
        if (!modeAllows(dirAt(p), who, 1)) found = refusal(p, dirAt(p), "search (x) permission");
        if (p === "/") break;
      }
      if (!found && !modeAllows(entry, who, bit))
        found = refusal(path, entry, bit === 4 ? "read permission" : "search");
      if (found) problems.push(found);
    }
  };
  for (const f of files) {
    check(f.path, { mode: f.mode, owner: "root", group: "root" }, f.readers ?? [SERVICE_ACCOUNTS.root], 4);
  }
  for (const d of dirs.values()) {
    if (!d.readers) continue;
    check(d.path, d, d.readers, 1);
    if (d.fileMode) {
      const group = parseInt(d.mode, 8) & 0o2000 ? d.group : "root";
      check(`${d.path}/<written by the tool>`, { mode: d.fileMode, owner: "root", group }, d.readers, 4);
    }
  }
  return problems;
}
