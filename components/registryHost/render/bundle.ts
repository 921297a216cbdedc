import { createHash } from "node:crypto";
import type { HostFile } from "../../hostFile";
import type { HostLink } from "./types";
import { SAFE_PATH } from "./validate";

/**
 * The files bundle install-files reads on stdin, one record a line (fields separated by one space):
 *   F <path> <mode> <sha256 hex> <base64 content>   a regular file, owner root:root
 *   L <path> <target>                                a symbolic link
 *   R <path>                                         a path that must not exist
 * Paths are absolute and limited to [A-Za-z0-9._@+/-] (checked here), so the shell reads them without quoting issues.
 * Secrets (keys, htpasswd) travel only here, on stdin: never on a command line.
 */
export function renderBundle(
  files: readonly HostFile[],
  links: readonly HostLink[] = [],
  removed: readonly string[] = [],
) {
  const seen = new Set<string>();
  const claim = (path: string) => {
    if (!SAFE_PATH.test(path) || path.split("/").includes("..")) {
      throw new Error(`bundle: path "${path}" must be absolute and use only [A-Za-z0-9._@+/-]`);
    }
    if (seen.has(path)) throw new Error(`bundle: path "${path}" appears twice`);
    seen.add(path);
  };
  const lines: string[] = [];
  for (const f of files) {
    claim(f.path);
    if (!/^0?[0-7]{3,4}$/.test(f.mode)) throw new Error(`bundle: mode "${f.mode}" of ${f.path} is not octal`);
    const sha = createHash("sha256").update(f.content, "utf8").digest("hex");
    lines.push(`F ${f.path} ${f.mode} ${sha} ${Buffer.from(f.content, "utf8").toString("base64")}`);
  }
  for (const l of links) {
    claim(l.path);
    if (!/^[A-Za-z0-9._@+/-]+$/.test(l.target)) throw new Error(`bundle: link target "${l.target}" is unsafe`);
    lines.push(`L ${l.path} ${l.target}`);
  }
  for (const r of removed) {
    claim(r);
    lines.push(`R ${r}`);
  }
  return `${lines.join("\n")}\n`;
}
