// Which settings an app runs with when the committed stack file lags behind `npm run deploy -- app` / `rollback`
// (scripts/deploy/apps/pins.ts): the active release while the committed settings are the ones it overrode.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Release, ReleaseHistory } from "../../components/apps/releaseHistory";
import {
  effectiveApps,
  historiesOf,
  isUneditedPin,
  keptMessage,
  overridesFor,
  recordedForm,
  settingsHash,
} from "../../scripts/deploy/apps/pins";
import { appsSection } from "../../stacks/config/sections/apps";

const D = (c: string) => `sha256:${c.repeat(64)}`;
/** What the stack file committed in git holds for web. */
const COMMITTED = { image: "web:1.0.0", port: 3000, env: { GREETING: "hello", WORKERS: 4 } };
/** sha256 of its canonical JSON (keys sorted at every level), computed here independently of the code under test. */
const COMMITTED_SHA = createHash("sha256")
  .update('{"env":{"GREETING":"hello","WORKERS":4},"image":"web:1.0.0","port":3000}')
  .digest("hex");
/** What `npm run deploy -- app --image web:1.1.0` wrote in CI's throwaway checkout. */
const PIN = { ...COMMITTED, image: `web:1.1.0@${D("b")}`, deployedBy: "ci run 7", overrides: COMMITTED_SHA };

/** A release as the program records it: the settings as validated, image by digest, never who asked. */
function release(seq: number, status: Release["status"], settings: Record<string, unknown>, digest: string): Release {
  return {
    seq,
    digest,
    configHash: "1".repeat(64),
    secretsHash: "0".repeat(64),
    deployedAt: "2026-12-01T10:00:00Z",
    deployedBy: String(settings.deployedBy ?? "pulumi up"),
    status,
    config: recordedForm(settings),
  };
}
const history = (...releases: Release[]): ReleaseHistory => ({
  version: 1,
  app: "web",
  repository: "web",
  keepReleases: 5,
  releases,
});
const h7 = history(
  release(6, "retired", { ...COMMITTED, image: `web:1.0.0@${D("a")}` }, D("a")),
  release(7, "active", PIN, D("b")),
);

describe("the overrides key", () => {
  it("is the sha256 of the settings' canonical JSON (key order does not matter)", () => {
    expect(settingsHash(COMMITTED)).toBe(COMMITTED_SHA);
    expect(settingsHash({ port: 3000, env: { WORKERS: 4, GREETING: "hello" }, image: "web:1.0.0" })).toBe(
      COMMITTED_SHA,
    );
  });

  it("is accepted by the config schema only as 64 lower-case hex digits", () => {
    expect(appsSection.safeParse({ web: PIN }).success).toBe(true);
    expect(appsSection.safeParse({ web: { ...PIN, overrides: COMMITTED_SHA.toUpperCase() } }).success).toBe(false);
    expect(appsSection.safeParse({ web: { ...PIN, overrides: "abc" } }).success).toBe(false);
  });

  it("is recorded with the release (as recorded config), not who asked", () => {
    expect(recordedForm(PIN)).toMatchObject({ image: `web@${D("b")}`, overrides: COMMITTED_SHA });
    expect(recordedForm(PIN)).not.toHaveProperty("deployedBy");
    expect(recordedForm({ image: "web:latest", port: 3000 })).toBeUndefined();
  });
});

describe("effectiveApps", () => {
  it("committed settings unchanged since the active release overrode them: the active release is kept", () => {
    const worker = { image: "worker:1", port: 9000 };
    const r = effectiveApps({ web: COMMITTED, worker }, { web: h7 });
    expect(r.apps.web).toEqual({ ...recordedForm(PIN), image: `web@${D("b")}`, deployedBy: "ci run 7" });
    expect(r.apps.worker).toBe(worker);
    expect(r.kept.map((k) => [k.app, k.release.seq])).toEqual([["web", 7]]);
    expect(keptMessage(r.kept[0]!)).toBe(
      "apps.web: keeping release 7 (deployed by ci run 7, over the committed settings, which are unchanged since)\n",
    );
  });

  it("committed settings edited since (in git): they win", () => {
    for (const edited of [
      { ...COMMITTED, image: "web:1.2.0" },
      { ...COMMITTED, env: { GREETING: "hello", WORKERS: 8 } },
      { ...COMMITTED, memoryMiB: 512 },
    ]) {
      const r = effectiveApps({ web: edited }, { web: h7 });
      expect(r.apps.web).toBe(edited);
      expect(r.kept).toEqual([]);
    }
  });

  it("an active release that overrode nothing, or no history yet: the committed settings", () => {
    const plain = history(release(3, "active", { ...COMMITTED, image: `web:1.0.0@${D("a")}` }, D("a")));
    expect(effectiveApps({ web: COMMITTED }, { web: plain }).kept).toEqual([]);
    expect(effectiveApps({ web: COMMITTED }, {}).apps.web).toBe(COMMITTED);
    // The release that overrode them failed; the active one is older and overrode nothing.
    const failed = history(release(3, "active", COMMITTED, D("a")), release(4, "failed", PIN, D("b")));
    expect(effectiveApps({ web: COMMITTED }, { web: failed }).kept).toEqual([]);
  });

  it("the stack file already holds the active release's pin (locally, or committed): used as it is", () => {
    const r = effectiveApps({ web: PIN }, { web: h7 });
    expect(r.apps.web).toBe(PIN);
    expect(r.kept).toEqual([]);
  });

  it("an unedited older pin over the same committed settings: the newer active release is kept", () => {
    const pin8 = { ...COMMITTED, image: `web:1.2.0@${D("c")}`, deployedBy: "ci run 8", overrides: COMMITTED_SHA };
    const h8 = history(
      ...h7.releases.map((r) => ({ ...r, status: "retired" as const })),
      release(8, "active", pin8, D("c")),
    );
    const r = effectiveApps({ web: PIN }, { web: h8 });
    expect(r.apps.web).toMatchObject({ image: `web@${D("c")}`, deployedBy: "ci run 8", overrides: COMMITTED_SHA });
    // That pin edited by hand (its overrides left in): the edit wins.
    const editedPin = { ...PIN, memoryMiB: 256 };
    expect(effectiveApps({ web: editedPin }, { web: h8 }).apps.web).toBe(editedPin);
  });
});

describe("overridesFor", () => {
  it("the committed settings' hash; for an unedited pin, what that pin overrode", () => {
    expect(overridesFor(COMMITTED, h7)).toBe(COMMITTED_SHA);
    expect(isUneditedPin(PIN, h7)).toBe(true);
    expect(overridesFor(PIN, h7)).toBe(COMMITTED_SHA);
    const edited = { ...PIN, env: { GREETING: "bye" } };
    expect(isUneditedPin(edited, h7)).toBe(false);
    expect(overridesFor(edited, h7)).toBe(settingsHash(edited));
    expect(overridesFor(PIN, undefined)).toBe(settingsHash(PIN));
  });
});

describe("historiesOf", () => {
  it("reads each app's history from appReleases, leaving out apps without one yet", () => {
    const outputs = { appReleases: { value: { web: { history: h7 }, worker: { history: null } }, secret: false } };
    expect(Object.keys(historiesOf(outputs))).toEqual(["web"]);
    expect(historiesOf({})).toEqual({});
    const broken = { appReleases: { value: { web: { history: { version: 2 } } }, secret: false } };
    expect(() => historiesOf(broken)).toThrow(/appReleases\.web\.history/);
  });
});
