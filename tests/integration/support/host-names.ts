import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Makes `skopeo` (as called by the shared helpers in support/skopeo.ts, through PATH) resolve test names: a wrapper
 * runs the real /usr/bin/skopeo in a private mount namespace with an /etc/hosts that maps `names` to 127.0.0.1
 * (Go clients send no SNI for IP addresses, and skopeo has no --resolve). Returns the directory to put first on PATH.
 */
export async function writeSkopeoWithNames(dir: string, names: readonly string[]): Promise<string> {
  const bin = join(dir, "bin");
  await mkdir(bin, { recursive: true });
  const hosts = join(dir, "hosts");
  const base = await readFile("/etc/hosts", "utf8");
  await writeFile(hosts, `${base.trimEnd()}\n127.0.0.1 ${names.join(" ")}\n`);
  const wrapper = join(bin, "skopeo");
  await writeFile(
    wrapper,
    `#!/bin/bash
exec unshare -m bash -c 'mount --bind "$1" /etc/hosts && shift && exec /usr/bin/skopeo "$@"' skopeo ${JSON.stringify(hosts)} "$@"
`,
  );
  await chmod(wrapper, 0o755);
  return bin;
}

/** Prepends `dir` to this test process's PATH; returns a function that restores it. */
export function prependPath(dir: string): () => void {
  const saved = process.env.PATH;
  process.env.PATH = `${dir}:${saved ?? ""}`;
  return () => {
    process.env.PATH = saved;
  };
}
