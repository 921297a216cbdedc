import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Release, ReleaseHistory } from "../../components/apps/releaseHistory.js";
import {
  decideRetention,
  describeProtection,
  loadProtectedSet,
  parseRunningImages,
  protectedByHistory,
  protectionOf,
  ProtectionError,
  type ProtectedSet,
  type TagInfo,
} from "../../scripts/registry-gc/index.js";

const NOW = new Date("2026-11-25T12:00:00Z");
const DAY = 86_400_000;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);
const digest = (n: number) => `sha256:${n.toString(16).padStart(64, "0")}`;
const HEX = "a".repeat(64);

function release(seq: number, d: number, status: Release["status"], extra: Partial<Release> = {}): Release {
  return {
    seq,
    digest: digest(d),
    configHash: HEX,
    secretsHash: HEX,
    deployedAt: new Date(NOW.getTime() - (100 - seq) * DAY).toISOString(),
    deployedBy: "ci",
    status,
    ...extra,
  };
}

function history(releases: Release[], keepReleases = 2, app = "web", repository = "web"): ReleaseHistory {
  return { version: 1, app, repository, keepReleases, releases };
}

const kinds = (set: ProtectedSet, repo: string, d: number) => protectionOf(set, repo, digest(d)).map((r) => r.kind);

describe("protectedByHistory: what an app's release history protects", () => {
  it("protects active and deploying releases and the last keepReleases releases that did not fail", () => {
    const h = history([
      release(1, 1, "retired"),
      release(2, 2, "retired"),
      release(3, 3, "retired"),
      release(4, 4, "failed"),
      release(5, 5, "active"),
      release(6, 6, "deploying"),
      release(7, 7, "failed"),
    ]);
    const set: ProtectedSet = { digests: protectedByHistory(h), sources: [] };
    expect(kinds(set, "web", 1)).toEqual([]);
    expect(kinds(set, "web", 2)).toEqual([]);
    expect(kinds(set, "web", 3)).toEqual([]); // third from last non-failed: beyond keepReleases 2
    expect(kinds(set, "web", 4)).toEqual([]); // failed
    expect(kinds(set, "web", 5)).toEqual(["active", "rollback-target"]);
    expect(kinds(set, "web", 6)).toEqual(["deploying", "rollback-target"]);
    expect(kinds(set, "web", 7)).toEqual([]);
    // Scoped to the history's repository.
    expect(kinds(set, "api", 5)).toEqual([]);
  });

  it("keeps the rollback target of a rollback entry (the re-applied digest and the one rolled back from)", () => {
    const h = history([release(1, 1, "retired"), release(2, 2, "retired"), release(3, 1, "active", { rollbackOf: 1 })]);
    const set: ProtectedSet = { digests: protectedByHistory(h), sources: [] };
    expect(kinds(set, "web", 1)).toEqual(["active", "rollback-target"]);
    expect(kinds(set, "web", 2)).toEqual(["rollback-target"]);
  });
});

describe("parseRunningImages", () => {
  it("reads one name@sha256 per line; the digest is protected in every repository", () => {
    const set: ProtectedSet = {
      digests: parseRunningImages(`203.0.113.7:5000/web@${digest(9)}\n\n127.0.0.1:5000/web@${digest(9)}\n`, "f"),
      sources: [],
    };
    expect(set.digests).toHaveLength(1);
    expect(kinds(set, "anything", 9)).toEqual(["running", "running"]);
    expect(describeProtection(protectionOf(set, "x", digest(9))[0]!)).toBe(
      "running (203.0.113.7:5000/web@sha256:000000000000…)",
    );
  });

  it("refuses a line without a digest (a running image would go unprotected)", () => {
    expect(() => parseRunningImages("web:latest\n", "running.txt")).toThrow(ProtectionError);
    expect(() => parseRunningImages("web:latest\n", "running.txt")).toThrow(/running.txt: line 1 .*web:latest/);
  });
});

describe("decideRetention with a protected set", () => {
  const tags: TagInfo[] = [
    { tag: "v1", digest: digest(1), created: ago(60) },
    { tag: "rollback", digest: digest(1), created: ago(60) },
    { tag: "v2", digest: digest(2), created: ago(30) },
    { tag: "v3", digest: digest(3), created: ago(20) },
    { tag: "v4", digest: digest(4), created: ago(1) },
    { tag: "multi", digest: digest(5), created: ago(90), children: [digest(6)] },
    { tag: "multi-amd64", digest: digest(6), created: ago(90) },
  ];
  const set: ProtectedSet = {
    digests: [
      { digest: digest(1), repository: "app", reasons: [{ kind: "active", app: "app", seq: 7 }] },
      { digest: digest(5), reasons: [{ kind: "running", reference: `h/app@${digest(5)}` }] },
    ],
    sources: [],
  };
  const plan = (s?: ProtectedSet) =>
    decideRetention("app", tags, { keep: 1, keepTagsLike: [] }, NOW, (d) => protectionOf(s, "app", d));
  const action = (p: ReturnType<typeof plan>, tag: string) => p.tags.find((t) => t.tag === tag)!.action;

  it("keeps a deployed digest the rules would delete, with every tag that shares it", () => {
    expect(action(plan(), "v1")).toBe("delete");
    expect(action(plan(), "rollback")).toBe("delete");
    const p = plan(set);
    expect(action(p, "v1")).toBe("keep");
    expect(action(p, "rollback")).toBe("keep");
    expect(p.tags.find((t) => t.tag === "v1")!.reasons).toEqual([
      { kind: "protected", why: { kind: "active", app: "app", seq: 7 } },
    ]);
    expect(p.deletions.map((d) => d.digest)).not.toContain(digest(1));
  });

  it("keeps a running index and the platform images it lists", () => {
    const p = plan(set);
    expect(action(p, "multi")).toBe("keep");
    expect(action(p, "multi-amd64")).toBe("keep");
    expect(p.tags.find((t) => t.tag === "multi-amd64")!.reasons.map((r) => r.kind)).toEqual(["child-of-kept-index"]);
    expect(p.deletions.map((d) => d.digest).sort()).toEqual([digest(2), digest(3)]);
  });
});

describe("loadProtectedSet", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gc-protected-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads every <app>.json of a directory (skipping other names) and the running list", async () => {
    const releases = join(dir, "releases");
    await mkdir(releases);
    await writeFile(join(releases, "web.json"), JSON.stringify(history([release(1, 1, "active")])));
    await writeFile(join(releases, "api.json"), JSON.stringify(history([release(1, 2, "active")], 1, "api", "api")));
    await writeFile(join(releases, ".web.json.tmp"), "{ half written");
    await writeFile(join(dir, "running"), `r/x@${digest(3)}\n`);
    const set = await loadProtectedSet({ releases, running: join(dir, "running") });
    expect(set.sources).toEqual([join(releases, "api.json"), join(releases, "web.json"), join(dir, "running")]);
    expect(kinds(set, "web", 1)).toEqual(["active", "rollback-target"]);
    expect(kinds(set, "api", 2)).toEqual(["active", "rollback-target"]);
    expect(kinds(set, "web", 3)).toEqual(["running"]);
  });

  it("reads a file holding a history, an array or an object of histories (as saved from a stack output)", async () => {
    const file = join(dir, "out.json");
    await writeFile(file, JSON.stringify({ web: history([release(1, 1, "active")]) }));
    expect(kinds(await loadProtectedSet({ releases: file }), "web", 1)).toContain("active");
    await writeFile(file, JSON.stringify([history([release(1, 4, "active")])]));
    expect(kinds(await loadProtectedSet({ releases: file }), "web", 4)).toContain("active");
  });

  it("reads the stack output appReleases as saved by `pulumi stack output --json appReleases`", async () => {
    const file = join(dir, "app-releases.json");
    const deploys = { image: "web@" + digest(9), configHash: HEX, secretsHash: HEX, deployedBy: "ci" };
    await writeFile(
      file,
      JSON.stringify({
        web: { deploys, history: history([release(1, 5, "retired"), release(2, 6, "active")]) },
        // Declared but not deployed yet: no history, nothing of it to protect.
        api: { deploys, history: null },
      }),
    );
    const set = await loadProtectedSet({ releases: file });
    expect(kinds(set, "web", 6)).toEqual(["active", "rollback-target"]);
    expect(kinds(set, "web", 5)).toEqual(["rollback-target"]);
    // Anything else in that shape is still refused, never read as "nothing to protect".
    await writeFile(file, JSON.stringify({ web: { deploys, history: { version: 1 } } }));
    await expect(loadProtectedSet({ releases: file })).rejects.toThrow(ProtectionError);
  });

  it("fails (ProtectionError) when the history is missing, unreadable or invalid", async () => {
    await expect(loadProtectedSet({ releases: join(dir, "absent") })).rejects.toThrow(
      /release history .*absent cannot be read \(ENOENT\)/,
    );
    const bad = join(dir, "bad");
    await mkdir(bad);
    await writeFile(join(bad, "web.json"), JSON.stringify({ ...history([]), version: 2 }));
    await expect(loadProtectedSet({ releases: bad })).rejects.toThrow(ProtectionError);
    await writeFile(join(bad, "web.json"), "{ not json");
    await expect(loadProtectedSet({ releases: bad })).rejects.toThrow(/web.json: not JSON/);
    await expect(loadProtectedSet({ running: join(dir, "no-such-list") })).rejects.toThrow(/ENOENT/);
  });
});
