import { afterAll, describe, expect, it } from "vitest";
import { RegistryClient, runRegistryGc, type TagSource } from "../../scripts/registry-gc/index.js";
import { selectRepositories } from "../../scripts/registry-gc/gc.js";

// runRegistryGc over a TagSource that is not the registry API: a dry run sends no request, so the client's address
// (the discard port) is never dialled.
const client = new RegistryClient({ baseUrl: "http://127.0.0.1:9" });
afterAll(async () => {
  await client.close();
});

/**
 * Two repositories of three tags each, one image per tag, dated in tag order; app/web's tags are inspected at once,
 * app/worker's each take `delayMs`.
 */
function slowSource(delayMs: number): TagSource {
  return {
    rankBy: "pushed",
    listRepositories: () => Promise.resolve(["app/web", "app/worker"]),
    listTags: () => Promise.resolve(["v1", "v2", "v3"]),
    inspect: async (repository, tag) => {
      if (repository === "app/worker") await new Promise((r) => setTimeout(r, delayMs));
      const n = Number(tag.slice(1));
      return { tag, digest: `sha256:${repository.length}${n}`, created: new Date(Date.UTC(2026, 0, n)) };
    },
  };
}

describe("runRegistryGc over a given source", () => {
  it("reports progress while the run lasts: the phase, the tags inspected and the digests to delete", async () => {
    const lines: string[] = [];
    const report = await runRegistryGc(client, "http://127.0.0.1:9", {
      rules: { keep: 1, keepTagsLike: [] },
      source: slowSource(300),
      onProgress: (line) => lines.push(line),
      progressEveryMs: 20,
    });
    expect(report.summary).toMatchObject({ repositories: 2, tags: 6, keptTags: 2, digestsToDelete: 4 });
    expect(report.repositories.flatMap((r) => r.deletions.map((d) => d.status))).toEqual(Array(4).fill("skipped"));
    expect(report.stats.total).toBe(0);
    expect(lines.length).toBeGreaterThan(0);
    // While app/worker's inspections wait, app/web's are done and its plan (2 digests to delete) is known.
    expect(lines).toContain("registry-gc: inspecting (dry run), inspected 3/6 tags, deleted 0/2 digests (0 s)");
  });

  it("sends no progress line after the run", async () => {
    const lines: string[] = [];
    await runRegistryGc(client, "http://127.0.0.1:9", {
      rules: { keep: 1, keepTagsLike: [] },
      source: slowSource(0),
      onProgress: (line) => lines.push(line),
      progressEveryMs: 5,
    });
    const after = lines.length;
    await new Promise((r) => setTimeout(r, 30));
    expect(lines.length).toBe(after);
  });
});

describe("selectRepositories", () => {
  it("selects by glob, sorted, and warns of a glob that selects nothing", () => {
    expect(selectRepositories(["b/x", "a/y", "c"], ["*/*", "nope/**"])).toEqual({
      repositories: ["a/y", "b/x"],
      warnings: ["--repo 'nope/**' matches none of the 3 repositories (e.g. b/x)"],
    });
    expect(selectRepositories([], ["x"]).warnings).toEqual(["--repo 'x' matches none of the 0 repositories"]);
    expect(selectRepositories(["b", "a"], []).repositories).toEqual(["a", "b"]);
  });
});
