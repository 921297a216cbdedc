// Which Pulumi CLI the tests use: the decision behind scripts/test/ensure-pulumi.sh, as pure functions.
//
// A CLI qualifies when its version is at least the lock file's @pulumi/pulumi version with the same major: the
// tests check what a user's CLI does with this program's config, and a newer 3.x reads what 3.248 writes (one
// major, one config format), while a 4.x may not. Only when no CLI qualifies is one built from Go modules, which
// needs Go >= MIN_GO.
import semver from "semver";

/**
 * The Go release that builds the CLI: github.com/pulumi/pulumi/pkg/v3@v3.248.0's go.mod says `go 1.25.11`, which a
 * Go 1.25.x fetches by itself (ensure-pulumi.sh builds with GOTOOLCHAIN=auto).
 */
export const MIN_GO = "1.25.0";

/** A `pulumi` binary found, and what `pulumi version` printed (e.g. `v3.250.0`; empty when it did not run). */
export interface PulumiCandidate {
  readonly path: string;
  readonly reported: string;
}

/** Why a candidate does or does not qualify against the lock file's version `lock` (`3.248.0`). */
export function judge(candidate: PulumiCandidate, lock: string): { ok: boolean; why: string } {
  const version = semver.valid(semver.clean(candidate.reported) ?? "");
  if (!version) return { ok: false, why: `does not report a version (${JSON.stringify(candidate.reported)})` };
  if (semver.major(version) !== semver.major(lock)) {
    return { ok: false, why: `v${version} is another major version than v${lock}` };
  }
  if (semver.lt(version, lock)) return { ok: false, why: `v${version} is older than v${lock}` };
  return { ok: true, why: `v${version} >= v${lock} (same major)` };
}

/** The first qualifying candidate, in the order given (PATH order, then the cached build). */
export function choosePulumi(candidates: readonly PulumiCandidate[], lock: string): PulumiCandidate | undefined {
  return candidates.find((c) => judge(c, lock).ok);
}

/** Whether `go env GOVERSION` (`go1.26.8`, `go1.25rc1`) is at least MIN_GO. */
export function goQualifies(goVersion: string): boolean {
  const m = /^go(\d+)\.(\d+)(?:\.(\d+))?/.exec(goVersion.trim());
  if (!m) return false;
  return semver.gte(`${m[1]}.${m[2]}.${m[3] ?? "0"}`, MIN_GO);
}

/** The failure when no CLI qualifies and Go cannot build one: both ways out, and what was found. */
export function noWayOutMessage(lock: string, candidates: readonly PulumiCandidate[], goVersion: string): string {
  const major = semver.major(lock);
  const found = candidates.length
    ? candidates.map((c) => `${c.path}: ${judge(c, lock).why}`).join("; ")
    : "no pulumi on PATH";
  const go = goVersion ? `Go is ${goVersion}, older than ${MIN_GO}` : "Go is not installed";
  return (
    `no Pulumi CLI >= v${lock} (major ${major}) found (${found}), and ${go}, so none can be built. Either:\n` +
    `  1. install the Pulumi CLI v${lock} or a newer ${major}.x (https://www.pulumi.com/docs/install/) and put it on PATH, or\n` +
    `  2. install Go >= ${MIN_GO} (https://go.dev/doc/install): the tests then build pulumi v${lock} from Go modules once.`
  );
}

/** `node --require tsx/cjs pulumiChoice.ts choose <lock> [<path>=<reported>...]`, `go-ok <goversion>`, `no-way ...`. */
function main(argv: string[]): number {
  const [command, ...rest] = argv;
  const candidatesOf = (args: string[]) =>
    args.map((a) => ({ path: a.slice(0, a.lastIndexOf("=")), reported: a.slice(a.lastIndexOf("=") + 1) }));
  if (command === "choose") {
    const [lock, ...found] = rest;
    const candidates = candidatesOf(found);
    for (const c of candidates) process.stderr.write(`ensure-pulumi: ${c.path}: ${judge(c, lock!).why}\n`);
    const chosen = choosePulumi(candidates, lock!);
    if (!chosen) return 1;
    process.stdout.write(`${chosen.path}\n`);
    return 0;
  }
  if (command === "go-ok") return goQualifies(rest[0] ?? "") ? 0 : 1;
  if (command === "no-way") {
    const [lock, goVersion, ...found] = rest;
    process.stdout.write(`${noWayOutMessage(lock!, candidatesOf(found), goVersion ?? "")}\n`);
    return 0;
  }
  process.stderr.write(
    "usage: pulumiChoice.ts choose <lock> [<path>=<version>...] | go-ok <go version> | no-way ...\n",
  );
  return 2;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
