import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../scripts/registry-gc/cli.js";

// An in-process fake registry with one repository of four images; deleting the oldest one fails (HTTP 400).
const sha = (s: string) => `sha256:${createHash("sha256").update(s).digest("hex")}`;
const images = [1, 2, 3, 4].map((n) => {
  const config = JSON.stringify({ created: `2026-0${n}-01T00:00:00Z`, architecture: "amd64", os: "linux" });
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha(config), size: config.length },
    layers: [],
  });
  return { tag: `t${n}`, config, manifest, digest: sha(manifest), configDigest: sha(config) };
});
const deleted = new Set<string>();
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url!, "http://x").pathname;
    const json = (status: number, body: unknown): void => {
      res.writeHead(status).end(JSON.stringify(body));
    };
    if (path === "/v2/") return json(200, {});
    if (path === "/v2/_catalog") return json(200, { repositories: ["r"] });
    if (path === "/v2/r/tags/list") {
      return json(200, { name: "r", tags: images.filter((i) => !deleted.has(i.digest)).map((i) => i.tag) });
    }
    const m = /^\/v2\/r\/(manifests|blobs)\/(.+)$/.exec(path);
    const img = images.find((i) => i.tag === m?.[2] || i.digest === m?.[2] || i.configDigest === m?.[2]);
    if (!m || !img) return json(404, { errors: [{ code: "MANIFEST_UNKNOWN" }] });
    if (req.method === "DELETE") {
      if (img.tag === "t1") return json(400, { errors: [{ code: "MANIFEST_INVALID", message: "simulated" }] });
      deleted.add(img.digest);
      res.writeHead(202).end();
      return;
    }
    if (m[1] === "blobs") {
      res.writeHead(200).end(img.config);
      return;
    }
    res.writeHead(200, { "docker-content-digest": img.digest, "content-type": JSON.parse(img.manifest).mediaType });
    res.end(img.manifest);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => (out.push(s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => (err.push(s), true)) as typeof process.stderr.write;
  try {
    const code = await fn();
    return { code, out: out.join(""), err: err.join("") };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

describe("registry-gc main against a fake registry", () => {
  it("dry run: table with reasons, exit 0, nothing deleted", async () => {
    const r = await capture(() => main(["--registry", url, "--keep", "1", "--keep-tags-like", "^t2$"], {}));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ {2}t4 +sha256:\S+ +2026-04-01T00:00:00Z +keep +newest 1\/1$/m);
    expect(r.out).toMatch(/^ {2}t2 +sha256:\S+ +2026-02-01T00:00:00Z +keep +matches \/\^t2\$\/$/m);
    expect(r.out).toMatch(/^ {2}t1 +sha256:\S+ +2026-01-01T00:00:00Z +delete +no keep rule matches$/m);
    expect(r.out).toMatch(/registry-gc: dry run .* 4 tags: keep 2, delete 2 \(2 digests\); 10 HTTP requests/);
    expect(deleted.size).toBe(0);
  });

  it("--rank-by tag: no time read (no config GET, no time column), the summary says how it ranked", async () => {
    const r = await capture(() => main(["--registry", url, "--keep", "2", "--rank-by", "tag"], {}));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ {2}TAG +DIGEST +ACTION +WHY$/m);
    expect(r.out).toMatch(/^ {2}t3 +sha256:\S+ +keep +newest 2\/2$/m);
    expect(r.out).toMatch(/^ {2}t2 +sha256:\S+ +delete +no keep rule matches$/m);
    expect(r.out).not.toMatch(/2026-|no creation time/);
    // catalog + tags/list + one manifest per tag: 6, where ranking by creation time takes 10.
    expect(r.out).toMatch(/keep 2, delete 2 \(2 digests\); ranked by tag name \(--rank-by tag\); 6 HTTP requests/);
  });

  it("warns when a --repo glob matches no repository", async () => {
    const r = await capture(() => main(["--registry", url, "--keep", "1", "--repo", "app/*", "--repo", "r"], {}));
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^registry-gc: warning: --repo 'app\/\*' matches none of the 1 repositories \(e\.g\. r\)$/m);
    expect(r.err).not.toMatch(/--repo 'r'/);
  });

  it("says within a second that it is retrying a connection, then exits 2", async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, "127.0.0.1", () => {
        const port = (s.address() as AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const lines: { at: number; line: string }[] = [];
    const t0 = Date.now();
    const r = await capture(async () => {
      const e = process.stderr.write.bind(process.stderr);
      process.stderr.write = ((s: string) => (lines.push({ at: Date.now() - t0, line: s }), e(s))) as typeof e;
      return main(["--registry", `http://127.0.0.1:${closed}`, "--keep", "1"], {});
    });
    expect(r.code).toBe(2);
    expect(lines[0]!.line).toMatch(/ECONNREFUSED; retry 1\/4 in 0\.2 s/);
    expect(lines[0]!.at).toBeLessThan(1000);
    expect(r.err).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
  });

  it("--storage that is not a registry storage root exits 2 naming the setting", async () => {
    const r = await capture(() => main(["--registry", url, "--keep", "1", "--storage", "/nonexistent/registry"], {}));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /^registry-gc: --storage: \/nonexistent\/registry\/docker\/registry\/v2\/repositories does not exist: give the registry's storage root/,
    );
  });

  it("--releases that cannot be read: exit 3, says why, deletes nothing", async () => {
    const r = await capture(() =>
      main(["--registry", url, "--keep", "1", "--delete", "--releases", join(tmpdir(), "no-such-releases-dir")], {}),
    );
    expect(r.code).toBe(3);
    expect(r.err).toMatch(
      /^registry-gc: protected set unavailable, nothing deleted: release history \S+no-such-releases-dir cannot be read \(ENOENT\)$/m,
    );
    expect(r.out).toBe("");
    expect(deleted.size).toBe(0);
  });

  it("--releases: a deployed digest the rules would delete is kept, and the report says why", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gc-run-releases-"));
    try {
      const rel = (seq: number, digest: string, status: string) => ({
        seq,
        digest,
        configHash: "b".repeat(64),
        secretsHash: "c".repeat(64),
        deployedAt: "2026-11-01T00:00:00Z",
        deployedBy: "ci",
        status,
      });
      const history = {
        version: 1,
        app: "shop",
        repository: "r",
        keepReleases: 1,
        releases: [rel(1, images[0]!.digest, "retired"), rel(2, images[1]!.digest, "active")],
      };
      await writeFile(join(dir, "shop.json"), JSON.stringify(history));
      const r = await capture(() => main(["--registry", url, "--keep", "1", "--releases", dir], {}));
      expect(r.code).toBe(0);
      expect(r.out).toMatch(
        /^ {2}t2 +sha256:\S+ +2026-02-01T00:00:00Z +keep +protected: active release of shop #2; protected: rollback target of shop #2 \(last 1 releases\)$/m,
      );
      expect(r.out).toMatch(/^ {2}t1 +sha256:\S+ +\S+ +delete +no keep rule matches$/m);
      expect(r.out).toMatch(/^protected \(kept whatever the rules say\), from \S+shop\.json:$/m);
      expect(r.out).toMatch(/^ {2}sha256:\S+ +r +r:t2 +active release of shop #2/m);
      expect(r.out).toMatch(/keep 2, delete 2 \(2 digests\); 1 tags protected \(1 protected digests\)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a failed deletion exits 1, the other deletions are still done", async () => {
    const r = await capture(() => main(["--registry", url, "--keep", "1", "--delete", "--json"], {}));
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out);
    expect(report.summary).toMatchObject({ digestsToDelete: 3, digestsDeleted: 2, digestsFailed: 1 });
    const failed = report.repositories[0].deletions.filter((d: { status: string }) => d.status === "failed");
    expect(failed).toEqual([
      expect.objectContaining({ tags: ["t1"], error: expect.stringMatching(/HTTP 400 MANIFEST_INVALID: simulated/) }),
    ]);
    expect([...deleted].sort()).toEqual([images[1]!.digest, images[2]!.digest].sort());
    expect(r.err).toMatch(/deleted 2\/3 digests, 1 failed/);
    expect(r.err).toMatch(/^registry-gc: warning: no --releases \/ --running: deployed and running images were kept/m);
  });
});
