import { spawnSync } from "node:child_process";

export interface Measurement {
  wallSeconds: number;
  /** User + system CPU time of the process and the children it waited for (GNU time's %U + %S). */
  cpuSeconds: number;
  peakRssMiB: number;
}

/**
 * Runs a whole process under GNU time: wall time, CPU time (user + system) and peak RSS (max resident set size).
 * CPU time is the steadier figure on a shared machine: other processes stretch the wall time, not the CPU a process
 * spends. Throws if it fails.
 */
export function measure(argv: string[], cwd: string): Measurement {
  const result = spawnSync("/usr/bin/time", ["-f", "__TIME__ %e %U %S %M", ...argv], { cwd, encoding: "utf8" });
  const line = result.stderr.split("\n").find((l) => l.startsWith("__TIME__"));
  if (result.status !== 0 || !line) {
    throw new Error(`${argv.join(" ")} failed (exit ${result.status}): ${result.stderr.slice(-500)}`);
  }
  const [, wall, user, sys, rssKiB] = line.split(" ");
  return {
    wallSeconds: Number(wall),
    cpuSeconds: Number(user) + Number(sys),
    peakRssMiB: Number(rssKiB) / 1024,
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
