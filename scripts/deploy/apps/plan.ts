import type { Release, ReleaseHistory } from "../../../components/apps/releaseHistory";
import { UsageError } from "../errors.js";

/** The release a rollback re-applies: `--to N`, or else the newest good release before the active one. */
export function rollbackTarget(history: ReleaseHistory, to?: number): Release {
  const active = history.releases.filter((r) => r.status === "active").at(-1);
  if (to !== undefined) {
    const entry = history.releases.find((r) => r.seq === to);
    if (!entry) {
      throw new UsageError(
        `${history.app} has no release ${to} (releases: ${history.releases.map((r) => r.seq).join(", ") || "none"})`,
      );
    }
    if (entry.status === "failed")
      throw new UsageError(`release ${to} of ${history.app} failed: it cannot be re-applied`);
    if (!entry.config) throw new UsageError(`release ${to} of ${history.app} recorded no config to re-apply`);
    return entry;
  }
  const earlier = history.releases.filter(
    (r) =>
      r.status !== "failed" &&
      (!active || r.seq < active.seq) &&
      r.config !== undefined &&
      (!active || r.digest !== active.digest || r.configHash !== active.configHash),
  );
  const target = earlier.at(-1);
  if (!target) throw new UsageError(`${history.app} has no earlier release to roll back to`);
  return target;
}

/** The `apps.<app>` settings that re-apply `entry`: its recorded config, its image by digest, who asked. */
export function appConfigOf(entry: Release, repository: string, deployedBy: string): Record<string, unknown> {
  const { image: _image, ...rest } = entry.config ?? {};
  return { ...rest, image: `${repository}@${entry.digest}`, deployedBy };
}

/** Top-level settings that differ between the app's current config and `next` (deep values compared as JSON). */
export function configDiff(
  current: Record<string, unknown> | undefined,
  next: Record<string, unknown>,
): { key: string; from: unknown; to: unknown }[] {
  const keys = [...new Set([...Object.keys(current ?? {}), ...Object.keys(next)])].filter((k) => k !== "deployedBy");
  return keys
    .sort()
    .filter((k) => JSON.stringify(current?.[k]) !== JSON.stringify(next[k]))
    .map((k) => ({ key: k, from: current?.[k], to: next[k] }));
}

/** `web:1.5.0` pinned: `web:1.5.0@sha256:...` (an existing digest is replaced by the registry's). */
export function pinnedImage(image: string, digest: string): string {
  return `${image.split("@")[0]}@${digest}`;
}
