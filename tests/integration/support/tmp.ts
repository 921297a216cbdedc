import { chmod, lstat, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** A fresh directory under os.tmpdir(); remove it with `removeDir` in afterAll. */
export function makeTempDir(prefix = "it-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Ancestors whose mode makeServiceTempDir widened (search only), per directory it made: restored by removeDir. */
const widened = new Map<string, { path: string; mode: number }[]>();

/**
 * A fresh directory under os.tmpdir() that the host's unprivileged service accounts (Nginx's workers run as
 * www-data) can traverse, as on a real host: it is 0711, and each ancestor that denies others search (the suite's
 * private TMPDIR is 0700) gets o+x only (no read, no write) until removeDir puts its mode back.
 */
export async function makeServiceTempDir(prefix = "it-"): Promise<string> {
  const dir = await makeTempDir(prefix);
  await chmod(dir, 0o711);
  const changed: { path: string; mode: number }[] = [];
  for (let p = dirname(dir); ; p = dirname(p)) {
    const mode = (await stat(p)).mode & 0o7777;
    if (!(mode & 0o001)) {
      await chmod(p, mode | 0o001);
      changed.push({ path: p, mode });
    }
    if (p === "/") break;
  }
  widened.set(dir, changed);
  return dir;
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (!dir) return;
  await rm(dir, { recursive: true, force: true });
  for (const { path, mode } of widened.get(dir) ?? []) await chmod(path, mode).catch(() => undefined);
  widened.delete(dir);
}

/** Total size in bytes of the files under `dir` (like `du -sb`, apparent sizes). */
export async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else total += (await lstat(p)).size;
    }
  };
  await walk(dir);
  return total;
}
