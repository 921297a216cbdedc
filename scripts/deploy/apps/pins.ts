import { releaseConfig } from "../../../components/apps/release";
import { parseReleaseHistory, type Release, type ReleaseHistory } from "../../../components/apps/releaseHistory";
import { canonicalHash, canonicalJson } from "../../../components/apps/render/deploy";
import { appSchema, parseAppImage } from "../../../stacks/config/sections/apps";
import { UsageError } from "../errors.js";
import type { StackOutputs } from "../types.js";
import { appConfigOf } from "./plan.js";

/**
 * Which settings an app runs with when the committed stack file was not updated after `npm run deploy -- app` or
 * `rollback` (their pin lives in a throwaway CI checkout). Those verbs record in the release's settings `overrides`:
 * the sha256 of the committed settings they replaced. While the committed settings are still exactly those, the
 * active release stays; once someone edits them, they win.
 */

export type AppsSettings = Record<string, Record<string, unknown>>;

/** The sha256 the app verbs record as `overrides`: of the settings object exactly as the stack file holds it. */
export function settingsHash(settings: Record<string, unknown>): string {
  return canonicalHash(settings);
}

/** The active release of a history (the newest, if several say so). */
export function activeRelease(history: ReleaseHistory): Release | undefined {
  return history.releases.filter((r) => r.status === "active").at(-1);
}

/**
 * `settings` as a release records them (`releaseConfig` of the validated settings: defaults written out, the image
 * by digest when it has one, no `deployedBy`), or undefined when they are not valid app settings.
 */
export function recordedForm(settings: Record<string, unknown>): Record<string, unknown> | undefined {
  const parsed = appSchema.safeParse(settings);
  if (!parsed.success) return undefined;
  const { image, deployedBy: _deployedBy, ...rest } = parsed.data;
  const ref = parseAppImage(image);
  return ref ? releaseConfig({ ...ref, ...rest }) : undefined;
}

/**
 * Settings an app verb wrote, unchanged: they carry `overrides` and are, as recorded, the config of one of the app's
 * releases that did not fail. Such settings stand for the committed ones they overrode (a pin written locally and
 * committed, or not), so a later pin records the same `overrides`.
 */
export function isUneditedPin(settings: Record<string, unknown>, history: ReleaseHistory | undefined): boolean {
  if (typeof settings.overrides !== "string" || !history) return false;
  const form = recordedForm(settings);
  if (!form) return false;
  const text = canonicalJson(form);
  return history.releases.some((r) => r.status !== "failed" && r.config && canonicalJson(r.config) === text);
}

/** The `overrides` an app verb records when it replaces `committed`: whose committed settings the new ones override. */
export function overridesFor(committed: Record<string, unknown>, history: ReleaseHistory | undefined): string {
  return isUneditedPin(committed, history) ? (committed.overrides as string) : settingsHash(committed);
}

/** One app whose active release is kept over the committed settings. */
export interface KeptRelease {
  app: string;
  release: Release;
}

/**
 * The settings one app runs with: its active release's recorded config (image by digest, who deployed it) when that
 * release overrode exactly the committed settings (their hash, or an unedited pin over the same ones); otherwise
 * the committed settings. Undefined when they already are what the active release recorded.
 */
export function keptRelease(
  committed: Record<string, unknown>,
  history: ReleaseHistory | undefined,
): Record<string, unknown> | undefined {
  const active = history && activeRelease(history);
  const overridden = active?.config?.overrides;
  if (!history || !active || typeof overridden !== "string") return undefined;
  const form = recordedForm(committed);
  if (form && canonicalJson(form) === canonicalJson(active.config)) return undefined;
  const unchanged =
    settingsHash(committed) === overridden || (committed.overrides === overridden && isUneditedPin(committed, history));
  return unchanged ? appConfigOf(active, history.repository, active.deployedBy) : undefined;
}

/** Every app's effective settings, and the apps whose active release is kept (see `keptRelease`). */
export function effectiveApps(
  committed: AppsSettings,
  histories: Record<string, ReleaseHistory>,
): { apps: AppsSettings; kept: KeptRelease[] } {
  const apps: AppsSettings = { ...committed };
  const kept: KeptRelease[] = [];
  for (const [app, settings] of Object.entries(committed)) {
    const history = histories[app];
    const keep = keptRelease(settings, history);
    if (!keep) continue;
    apps[app] = keep;
    kept.push({ app, release: activeRelease(history!)! });
  }
  return { apps, kept };
}

/** The line that says a release is kept. */
export function keptMessage(k: KeptRelease): string {
  return (
    `apps.${k.app}: keeping release ${k.release.seq} (deployed by ${k.release.deployedBy}, over the committed ` +
    `settings, which are unchanged since)\n`
  );
}

/** Every app's release history in the stack output `appReleases` (apps without one yet are left out). */
export function historiesOf(outputs: StackOutputs): Record<string, ReleaseHistory> {
  const releases = (outputs.appReleases?.value ?? {}) as Record<string, { history?: unknown } | null>;
  const found: Record<string, ReleaseHistory> = {};
  for (const [app, entry] of Object.entries(releases)) {
    if (entry?.history) found[app] = parseReleaseHistory(JSON.stringify(entry.history), `appReleases.${app}.history`);
  }
  return found;
}

/** One app's release history; refused when it has none yet. */
export function historyOf(outputs: StackOutputs, app: string): ReleaseHistory {
  const history = historiesOf(outputs)[app];
  if (!history) throw new UsageError(`stack output appReleases has no release history for ${app} yet`);
  return history;
}
