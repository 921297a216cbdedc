import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { HostFile } from "../../../components/hostFile.js";

/** The rendered file at `path` (throws when the plan has none: a test must not silently use nothing). */
export function fileAt(files: readonly HostFile[], path: string): HostFile {
  const f = files.find((x) => x.path === path);
  if (!f) throw new Error(`no rendered file ${path} (have: ${files.map((x) => x.path).join(", ")})`);
  return f;
}

/** Writes rendered files under `root` at their host paths, with their modes; returns the written paths. */
export async function writeHostFiles(root: string, files: readonly HostFile[]): Promise<string[]> {
  const out: string[] = [];
  for (const f of files) {
    const dest = join(root, f.path);
    await mkdir(dirname(dest), { recursive: true });
    await writeFile(dest, f.content, { mode: parseInt(f.mode, 8) });
    out.push(dest);
  }
  return out;
}
