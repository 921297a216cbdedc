import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";

const PROJECT_DIR = resolve(__dirname, "..", "..", "..");
const found = new Map<string, string>();

/**
 * Runs `scripts/test/<script>` (which finds, or builds once and caches, a binary the tests need) and returns the
 * directory it prints last. Fails with the script's own message when the binary cannot be had: tests never skip.
 */
export function ensuredBinDir(script: string, what: string): string {
  const cached = found.get(script);
  if (cached) return cached;
  try {
    const out = execFileSync("bash", [join(PROJECT_DIR, "scripts", "test", script)], {
      cwd: PROJECT_DIR,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 3_600_000,
    });
    const dir = out.trim().split("\n").at(-1)!;
    found.set(script, dir);
    return dir;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${what} is not available: ${err.stderr?.trim() || err.message}`);
  }
}

/** The `registry` binary of distribution v3, the version of the platform's pinned registry image. */
export function distributionV3Bin(): string {
  return join(ensuredBinDir("ensure-distribution.sh", "distribution v3 (the platform's registry)"), "registry");
}
