import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";

const PROJECT_DIR = resolve(__dirname, "..", "..", "..");
const found = new Map<string, string>();

/**
 * Runs `scripts/test/<script>` (which finds, or builds once and caches, a binary the tests need) and returns the
 * directory it prints last, passing on what it says about its choice. Fails with the script's own message when the
 * binary cannot be had: tests never skip.
 */
export function ensuredBinDir(script: string, what: string): string {
  const cached = found.get(script);
  if (cached) return cached;
  const r = spawnSync("bash", [join(PROJECT_DIR, "scripts", "test", script)], {
    cwd: PROJECT_DIR,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 3_600_000,
  });
  if (r.status !== 0) {
    throw new Error(`${what} is not available: ${r.stderr?.trim() || r.error?.message || `exit ${r.status}`}`);
  }
  // Which binary the script chose, and why (e.g. "ensure-pulumi: using /usr/bin/pulumi (v3.250.0; ...)").
  if (r.stderr.trim()) process.stderr.write(`${r.stderr.trim()}\n`);
  const dir = r.stdout.trim().split("\n").at(-1)!;
  found.set(script, dir);
  return dir;
}

/** The `registry` binary of distribution v3, the version of the platform's pinned registry image. */
export function distributionV3Bin(): string {
  return join(ensuredBinDir("ensure-distribution.sh", "distribution v3 (the platform's registry)"), "registry");
}
