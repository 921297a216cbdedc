import { createHash } from "node:crypto";
import { statSync } from "node:fs";

/**
 * How recent a change may be before a stamp stops vouching for the content. The file system's clock ticks coarsely
 * (the kernel's jiffy-based timestamps), so a file written in the same tick as it was stamped could keep the stamp;
 * a change this old or older is certain to have left its mark. Git calls such entries "racy" and treats them the
 * same way.
 */
export const RACY_WINDOW_MS = 2000;

/**
 * One digest of the stat stamps (device, inode, size, modification and change times in nanoseconds; "absent" for
 * a missing path) of `paths` (absolute). Any write to a file, or any name added to, removed from or renamed in a
 * folder, changes its change time (which no program can set back), so while the digest is the same, no listed file
 * or folder has changed since it was taken. Undefined when a path changed less than RACY_WINDOW_MS before `now`: a
 * change in the same clock tick could then go unseen, and only the content can tell.
 */
export function stampDigest(paths: readonly string[], now: number = Date.now()): string | undefined {
  const hash = createHash("sha256");
  const newest = BigInt(now - RACY_WINDOW_MS) * 1_000_000n;
  for (const path of paths) {
    const s = statSync(path, { bigint: true, throwIfNoEntry: false });
    if (s === undefined) {
      hash.update(`${path}\0absent\n`);
      continue;
    }
    if (s.mtimeNs > newest || s.ctimeNs > newest) return undefined;
    hash.update(`${path}\0${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}\n`);
  }
  return hash.digest("hex");
}
