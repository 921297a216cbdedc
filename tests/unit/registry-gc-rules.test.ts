import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decideRetention, naturalCompare, rankImages, type TagInfo } from "../../scripts/registry-gc/index.js";

const NOW = new Date("2026-11-25T12:00:00Z");
const DAY = 86_400_000;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);
const digest = (n: number) => `sha256:${n.toString(16).padStart(64, "0")}`;

function plan(tags: TagInfo[], keep: number, keepTagsLike: RegExp[] = [], keepYoungerThanMs?: number) {
  return decideRetention("app", tags, { keep, keepTagsLike, keepYoungerThanMs }, NOW);
}
const kept = (p: ReturnType<typeof plan>) =>
  p.tags
    .filter((t) => t.action === "keep")
    .map((t) => t.tag)
    .sort();
const deleted = (p: ReturnType<typeof plan>) =>
  p.tags
    .filter((t) => t.action === "delete")
    .map((t) => t.tag)
    .sort();

describe("naturalCompare", () => {
  it("orders digit runs as numbers", () => {
    expect(["v10", "v2", "v1", "1.10.0", "1.9.0", "build-010", "build-9"].sort(naturalCompare)).toEqual([
      "1.9.0",
      "1.10.0",
      "build-9",
      "build-010",
      "v1",
      "v2",
      "v10",
    ]);
  });
  it("is a total order consistent with equality", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        const ab = Math.sign(naturalCompare(a, b));
        expect(ab === -Math.sign(naturalCompare(b, a))).toBe(true);
        expect(ab === 0).toBe(a === b);
      }),
    );
  });
});

describe("decideRetention", () => {
  const tags: TagInfo[] = [
    { tag: "v1", digest: digest(1), created: ago(50) },
    { tag: "v2", digest: digest(2), created: ago(40) },
    { tag: "stable", digest: digest(2), created: ago(40) },
    { tag: "v3", digest: digest(3), created: ago(30) },
    { tag: "v10", digest: digest(4), created: ago(35) }, // higher name, older image
    { tag: "v5", digest: digest(5), created: ago(2) },
    { tag: "latest", digest: digest(5), created: ago(2) },
  ];

  it("keep N keeps the N newest images by creation time, not by tag name", () => {
    const p = plan(tags, 2);
    expect(kept(p)).toEqual(["latest", "v3", "v5"]);
    expect(deleted(p)).toEqual(["stable", "v1", "v10", "v2"]);
    expect(p.deletions.map((d) => d.digest).sort()).toEqual([digest(1), digest(2), digest(4)]);
    expect([...p.deletions.find((d) => d.digest === digest(2))!.tags].sort()).toEqual(["stable", "v2"]);
  });

  it("keep 0 keeps only what other rules keep, and a digest shared with a kept tag survives", () => {
    const p = plan(tags, 0, [/^stable$/]);
    expect(kept(p)).toEqual(["stable", "v2"]);
    expect(p.tags.find((t) => t.tag === "v2")!.reasons).toEqual([{ kind: "shares-digest", withTag: "stable" }]);
    expect(p.deletions.map((d) => d.digest)).not.toContain(digest(2));
  });

  it("keep 0 with no other rule deletes every digest", () => {
    expect(kept(plan(tags, 0))).toEqual([]);
    expect(plan(tags, 0).deletions).toHaveLength(5);
  });

  it("keep-younger-than keeps images younger than the limit, and images of unknown age", () => {
    const p = plan([...tags, { tag: "mystery", digest: digest(9) }], 0, [], 31 * DAY);
    expect(kept(p)).toEqual(["latest", "mystery", "v3", "v5"]);
    expect(p.tags.find((t) => t.tag === "mystery")!.reasons[0]!.kind).toBe("age-unknown");
    expect(p.tags.find((t) => t.tag === "v3")!.reasons[0]).toMatchObject({ kind: "younger", ageMs: 30 * DAY });
  });

  it("ranks images without a creation time after dated ones, by natural tag order, and says so", () => {
    const undated: TagInfo[] = [
      { tag: "build-7", digest: digest(7) },
      { tag: "build-10", digest: digest(10) },
      { tag: "build-9", digest: digest(9) },
    ];
    const p = plan(undated, 2);
    expect(kept(p)).toEqual(["build-10", "build-9"]);
    expect(p.tags.every((t) => t.rankedByTagName)).toBe(true);
    const mixed = plan([...undated, { tag: "build-1", digest: digest(1), created: ago(100) }], 1);
    expect(kept(mixed)).toEqual(["build-1"]);
    expect(mixed.tags.find((t) => t.tag === "build-1")!.rankedByTagName).toBe(false);
  });

  it("protects the platform manifests of a kept index even when they are tagged and old", () => {
    const p = plan(
      [
        { tag: "m2", digest: digest(20), created: ago(1), children: [digest(21), digest(22)] },
        { tag: "m1", digest: digest(10), created: ago(20), children: [digest(11), digest(12)] },
        { tag: "m1-arm64", digest: digest(12), created: ago(21) },
        { tag: "m2-arm64", digest: digest(22), created: ago(25) },
      ],
      1,
    );
    expect(kept(p)).toEqual(["m2", "m2-arm64"]);
    expect(p.tags.find((t) => t.tag === "m2-arm64")!.reasons).toEqual([
      { kind: "child-of-kept-index", indexTag: "m2" },
    ]);
    expect(deleted(p)).toEqual(["m1", "m1-arm64"]);
  });

  it("a keep pattern with the g flag matches every tag it should (no lastIndex state)", () => {
    expect(kept(plan(tags, 0, [/^v\d$/g]))).toEqual(["latest", "stable", "v1", "v2", "v3", "v5"]);
  });

  it("refuses a negative or fractional keep", () => {
    expect(() => plan(tags, -1)).toThrow(/keep must be a whole number/);
    expect(() => plan(tags, 1.5)).toThrow(/keep must be a whole number/);
  });
});

// Random repositories: tag names from a small pool so digests are shared, optional times, optional children.
const arbTags = fc
  .uniqueArray(
    fc.record({
      tag: fc.stringMatching(/^[a-z]{1,3}[0-9]{0,2}$/),
      digestN: fc.integer({ min: 0, max: 12 }),
      createdDaysAgo: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
      childrenN: fc.option(fc.uniqueArray(fc.integer({ min: 0, max: 12 }), { maxLength: 3 }), { nil: undefined }),
    }),
    { selector: (t) => t.tag, maxLength: 25 },
  )
  .map((raw) => {
    // One image per digest: the same digest always has the same time and children.
    const first = new Map<number, (typeof raw)[number]>();
    for (const r of raw) if (!first.has(r.digestN)) first.set(r.digestN, r);
    return raw.map((r): TagInfo => {
      const img = first.get(r.digestN)!;
      return {
        tag: r.tag,
        digest: digest(r.digestN),
        created: img.createdDaysAgo === undefined ? undefined : ago(img.createdDaysAgo),
        children: img.childrenN?.filter((c) => c !== r.digestN).map(digest),
      };
    });
  });
const arbRules = fc.record({
  keep: fc.integer({ min: 0, max: 8 }),
  keepTagsLike: fc.array(fc.constantFrom(/^a/, /1$/, /b/, /^zz$/), { maxLength: 2 }),
  keepYoungerThanMs: fc.option(
    fc.integer({ min: 0, max: 60 }).map((d) => d * DAY),
    { nil: undefined },
  ),
});

describe("decideRetention properties", () => {
  it("never deletes a digest that a kept tag points at, nor a child of a kept index", () => {
    fc.assert(
      fc.property(arbTags, arbRules, (tags, rules) => {
        const p = decideRetention("r", tags, rules, NOW);
        const keptTags = p.tags.filter((t) => t.action === "keep");
        const protectedDigests = new Set(keptTags.map((t) => t.digest));
        for (const t of tags)
          if (keptTags.some((k) => k.tag === t.tag)) t.children?.forEach((c) => protectedDigests.add(c));
        // Kept is closed: a tag pointing at a protected digest is itself kept.
        for (const t of p.tags) if (protectedDigests.has(t.digest)) expect(t.action).toBe("keep");
        for (const d of p.deletions) expect(protectedDigests.has(d.digest)).toBe(false);
      }),
    );
  });

  it("every tag gets exactly one decision, and deletions are exactly the deleted tags grouped by digest", () => {
    fc.assert(
      fc.property(arbTags, arbRules, (tags, rules) => {
        const p = decideRetention("r", tags, rules, NOW);
        expect(p.tags.map((t) => t.tag).sort()).toEqual(tags.map((t) => t.tag).sort());
        const del = p.tags.filter((t) => t.action === "delete");
        expect(p.deletions.flatMap((d) => d.tags).sort()).toEqual(del.map((t) => t.tag).sort());
        expect(new Set(p.deletions.map((d) => d.digest)).size).toBe(p.deletions.length);
        for (const t of p.tags) expect(t.action === "keep").toBe(t.reasons.length > 0);
      }),
    );
  });

  it("keep N (alone) keeps exactly the N newest images, with all their tags", () => {
    fc.assert(
      fc.property(arbTags, fc.integer({ min: 0, max: 8 }), (tags, keep) => {
        const noChildren = tags.map((t) => ({ ...t, children: undefined }));
        const p = decideRetention("r", noChildren, { keep, keepTagsLike: [] }, NOW);
        const ranked = rankImages(noChildren);
        const newest = new Set(ranked.slice(0, keep).map((i) => i.digest));
        expect(new Set(p.tags.filter((t) => t.action === "keep").map((t) => t.digest))).toEqual(newest);
        // No deleted image is newer than a kept one (when both have times).
        const keptTimes = p.tags.filter((t) => t.action === "keep" && t.created).map((t) => t.created!.getTime());
        for (const t of p.tags.filter((x) => x.action === "delete" && x.created)) {
          for (const k of keptTimes) expect(t.created!.getTime()).toBeLessThanOrEqual(k);
        }
      }),
    );
  });

  it("is monotonic: adding a rule never deletes a tag that was kept", () => {
    fc.assert(
      fc.property(arbTags, arbRules, fc.constantFrom(/^a/, /2/), (tags, rules, extra) => {
        const base = decideRetention("r", tags, rules, NOW);
        const more = decideRetention(
          "r",
          tags,
          { ...rules, keep: rules.keep + 1, keepTagsLike: [...rules.keepTagsLike, extra] },
          NOW,
        );
        const keptBase = base.tags.filter((t) => t.action === "keep").map((t) => t.tag);
        const keptMore = new Set(more.tags.filter((t) => t.action === "keep").map((t) => t.tag));
        for (const t of keptBase) expect(keptMore.has(t)).toBe(true);
      }),
    );
  });

  it("is deterministic regardless of input order", () => {
    fc.assert(
      fc.property(arbTags, arbRules, (tags, rules) => {
        const a = decideRetention("r", tags, rules, NOW);
        const b = decideRetention("r", [...tags].reverse(), rules, NOW);
        expect(b.tags).toEqual(a.tags);
      }),
    );
  });
});
