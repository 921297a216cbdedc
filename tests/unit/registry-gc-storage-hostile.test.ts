import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StorageReader, UnsafeStorageFileError } from "../../scripts/registry-gc/index.js";
import { runGcBounded } from "./support/boundedChild.js";
import { StorageLayout } from "./support/storageLayout.js";

// The registry container runs as root with write access to its storage, and the operator runs `registry-gc --storage`
// as root on the host: whatever the container writes there must neither be followed out of the tree nor read without
// bound. Each case is a storage root with one healthy repository (`team/ok`) and one hostile one; the CLI runs in a
// child process under a wall-clock timeout and an RSS watchdog, so a regression fails the test instead of hanging
// the runner (a FIFO blocks a synchronous read for ever) or taking the machine's memory (/dev/zero).
const BOUNDS = { timeoutMs: 30_000, maxRssBytes: 400 * 1024 ** 2, heapMb: 192 };

let base: string;
let outside: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), "gc-hostile-storage-"));
  // Outside every storage root: a file holding a digest, and a directory holding a whole repository.
  outside = join(base, "outside");
  mkdirSync(outside);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

let n = 0;
/** A fresh storage root with the healthy `team/ok` (one image, tag v1) and what `hostile` adds. */
function storage(hostile: (layout: StorageLayout, ok: string) => void): string {
  const layout = new StorageLayout(join(base, `root${n++}`));
  const ok = layout.image("2026-01-01T00:00:00Z", "team/ok");
  layout.tag("team/ok", "v1", ok);
  hostile(layout, ok);
  return layout.root;
}

/** A tag `x` of `team/evil` whose `current/link` is replaced by what `make` puts at that path. */
function evilTag(make: (path: string, ok: string, layout: StorageLayout) => void): string {
  return storage((layout, ok) => {
    layout.link("team/evil", "revision", ok);
    const path = layout.tagLinkPath("team/evil", "x");
    mkdirSync(dirname(path), { recursive: true });
    make(path, ok, layout);
  });
}

const dryRun = (root: string) =>
  runGcBounded(["--registry", "http://127.0.0.1:9", "--storage", root, "--keep", "0", "--json"], BOUNDS);

describe("registry-gc --storage on a hostile storage tree (bounded child process)", () => {
  const refusedTag: [string, () => string, RegExp][] = [
    [
      "a tag link that is a symbolic link to /dev/zero",
      () => evilTag((path) => symlinkSync("/dev/zero", path)),
      /refusing \S+\/team\/evil\/_manifests\/tags\/x\/current\/link: a symbolic link, not a regular file \(the registry writes only/,
    ],
    [
      "a tag link that is a symbolic link to a file outside the tree",
      () =>
        evilTag((path, ok) => {
          writeFileSync(join(outside, "digest"), ok); // a valid digest: following the link would "work"
          symlinkSync(join(outside, "digest"), path);
        }),
      /refusing \S+\/team\/evil\/_manifests\/tags\/x\/current\/link: a symbolic link/,
    ],
    [
      "a FIFO as the tag link (a blocking read would hang the run)",
      () => evilTag((path) => execFileSync("mkfifo", [path])),
      /refusing \S+\/tags\/x\/current\/link: a FIFO, not a regular file/,
    ],
    [
      "an oversized tag link (1.5 GiB, sparse)",
      () =>
        evilTag((path, ok) => {
          writeFileSync(path, ok);
          truncateSync(path, 1.5 * 1024 ** 3);
        }),
      /refusing \S+\/tags\/x\/current\/link: 1610612736 bytes, more than the 512 that a link file may hold/,
    ],
  ];

  it.each(refusedTag)("%s: refused by name, only that repository is left alone (exit 1)", async (_, make, why) => {
    const run = await dryRun(make());
    expect(run.killedFor, run.stderr).toBeUndefined();
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/registry-gc: team\/evil: could not inspect every tag, nothing deleted/);
    expect(run.stderr).toMatch(why);
    // The healthy repository was still planned (dry run, keep 0: its tag would go).
    const report = JSON.parse(run.stdout) as { repositories: { repository: string; plan?: unknown }[] };
    expect(report.repositories.find((r) => r.repository === "team/ok")?.plan).toBeDefined();
    expect(run.peakRssBytes).toBeLessThan(BOUNDS.maxRssBytes);
  });

  const refusedListing: [string, () => string, RegExp][] = [
    [
      "a symbolic link to a directory in the repositories tree",
      () =>
        storage((layout, ok) => {
          const elsewhere = new StorageLayout(join(outside, `tree${n}`));
          elsewhere.link("app", "revision", ok);
          elsewhere.tag("app", "x", ok);
          symlinkSync(join(elsewhere.v2, "repositories", "app"), join(layout.v2, "repositories", "team", "linked"));
        }),
      /refusing \S+\/repositories\/team\/linked: a symbolic link in the repositories tree/,
    ],
    [
      "a tags directory that is a symbolic link to another tree",
      () =>
        storage((layout, ok) => {
          const elsewhere = new StorageLayout(join(outside, `tree${n}`));
          elsewhere.tag("team/evil", "x", ok);
          mkdirSync(join(layout.v2, "repositories", "team", "evil", "_manifests"), { recursive: true });
          symlinkSync(
            join(elsewhere.v2, "repositories", "team", "evil", "_manifests", "tags"),
            join(layout.v2, "repositories", "team", "evil", "_manifests", "tags"),
          );
        }),
      /refusing \S+\/team\/evil\/_manifests\/tags: a symbolic link where a directory belongs/,
    ],
  ];

  it.each(refusedListing)("%s: stops the run before anything is read through it (exit 2)", async (_, make, why) => {
    const run = await dryRun(make());
    expect(run.killedFor, run.stderr).toBeUndefined();
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(why);
    expect(run.stdout).toBe("");
  });

  it("a tags directory of more entries than --max-names stops the run while listing it (exit 2)", async () => {
    const root = storage((layout) => {
      const tags = join(layout.v2, "repositories", "team", "many", "_manifests", "tags");
      for (let i = 0; i < 300; i++) mkdirSync(join(tags, `t${i}`), { recursive: true });
    });
    const run = await runGcBounded(
      ["--registry", "http://127.0.0.1:9", "--storage", root, "--keep", "0", "--max-names", "200"],
      BOUNDS,
    );
    expect(run.killedFor, run.stderr).toBeUndefined();
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(
      /--storage: more than 200 entries \(repositories, tags and their directories\) listed, the limit of --max-names, while reading \S+\/team\/many\/_manifests\/tags/,
    );
  });

  it("a symbolic link on the way to a blob is refused, and the storage root itself may be one (the operator's path)", async () => {
    const root = storage((layout) => {
      const big = join(outside, `blobs${n}`);
      mkdirSync(big);
      // Every manifest of team/evil lives in a blob directory linked elsewhere.
      const manifest = layout.image("2026-02-01T00:00:00Z", "team/evil");
      layout.tag("team/evil", "x", manifest);
      const dir = dirname(layout.blobPath(manifest));
      execFileSync("mv", [dir, join(big, "moved")]);
      symlinkSync(join(big, "moved"), dir);
    });
    const viaLink = join(base, `root-link${n}`);
    symlinkSync(root, viaLink);
    const reader = new StorageReader(viaLink, "tag");
    try {
      await reader.check();
      expect(await reader.listRepositories()).toEqual(["team/evil", "team/ok"]);
      expect(await reader.inspect("team/ok", "v1")).toMatchObject({ tag: "v1" });
      const err = await reader.inspect("team/evil", "x").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnsafeStorageFileError);
      expect(err).toMatchObject({
        path: expect.stringMatching(/\/blobs\/sha256\/[0-9a-f]{2}\/[0-9a-f]{64}$/),
        reason: expect.stringMatching(/^a symbolic link where a directory belongs/),
      });
    } finally {
      reader.close();
    }
  });
});
