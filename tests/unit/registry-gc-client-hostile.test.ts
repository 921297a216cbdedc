import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  DEFAULT_MAX_NAMES,
  DEFAULT_MAX_RUN_BYTES,
  isDigest,
  isRepositoryName,
  isTagName,
  parseCliArgs,
  RegistryClient,
  RegistryError,
  USAGE,
} from "../../scripts/registry-gc/index.js";
import { runGcBounded } from "./support/boundedChild.js";
import { sha } from "./support/storageLayout.js";

// Hostile stand-in registries: each answer stays under the per-response cap and each listing under --max-pages, but
// together they would make a run read without end. The CLI runs in a child process under a wall-clock timeout and
// an RSS watchdog, so a regression fails the test instead of taking the machine's memory.
const BOUNDS = { timeoutMs: 60_000, maxRssBytes: 512 * 1024 ** 2, heapMb: 256 };

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

async function hostile(handler: (req: IncomingMessage, res: ServerResponse, path: string) => void): Promise<string> {
  server = createServer((req, res) => handler(req, res, new URL(req.url!, "http://x").pathname));
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

/** `count` fresh, valid names of `width` characters, unique per `seed`. */
function freshNames(seed: number, count: number, width: number): string[] {
  return Array.from({ length: count }, (_, i) => `n${seed}x${i}`.padEnd(width, "a"));
}

const dryRun = (url: string, ...more: string[]) => runGcBounded(["--registry", url, "--keep", "1", ...more], BOUNDS);

describe("registry-gc against a hostile registry (bounded child process)", () => {
  it("endless pagination of fresh repository names stops at --max-names (default 100000), exit 2", async () => {
    let pages = 0;
    const url = await hostile((_req, res, path) => {
      if (path !== "/v2/_catalog") return res.writeHead(404).end();
      pages++;
      // 40,000 names of 200 characters (8 MiB) per page whatever `n` says, and always a next page.
      res.writeHead(200, { link: `</v2/_catalog?page=${pages}>; rel="next"`, "content-type": "application/json" });
      return res.end(JSON.stringify({ repositories: freshNames(pages, 40_000, 200) }));
    });
    const run = await dryRun(url);
    expect(run.killedFor, run.stderr.slice(0, 500)).toBeUndefined();
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /registry-gc: GET \/v2\/_catalog: more than 100000 names \(repositories, tags and index entries\) in this run, the limit of --max-names/,
    );
    expect(pages).toBeLessThanOrEqual(3);
    expect(run.peakRssBytes).toBeLessThan(BOUNDS.maxRssBytes);
  });

  it("huge tag lists in many repositories (each one page, each under the body cap) stop at --max-names, exit 2", async () => {
    const repositories = Array.from({ length: 2000 }, (_, i) => `app/r${i}`);
    let lists = 0;
    const url = await hostile((_req, res, path) => {
      if (path === "/v2/_catalog") return res.writeHead(200).end(JSON.stringify({ repositories }));
      if (!path.endsWith("/tags/list")) return res.writeHead(404).end();
      lists++;
      // 30,000 fresh tags of 128 characters (about 4 MiB), no Link: a single, complete page.
      return res.writeHead(200).end(JSON.stringify({ name: path, tags: freshNames(lists, 30_000, 128) }));
    });
    const run = await dryRun(url);
    expect(run.killedFor, run.stderr.slice(0, 500)).toBeUndefined();
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/tags\/list: more than 100000 names .* raise --max-names/);
    expect(lists).toBeLessThan(20); // 4 lists fill the budget; 8 are in flight at a time
    expect(run.peakRssBytes).toBeLessThan(BOUNDS.maxRssBytes);
  });

  it("endless pages padded to just under the body cap stop at --max-bytes, exit 2", async () => {
    const padding = " ".repeat(15 * 1024 * 1024);
    let pages = 0;
    const url = await hostile((_req, res, path) => {
      if (path !== "/v2/_catalog") return res.writeHead(404).end();
      pages++;
      res.writeHead(200, { link: `</v2/_catalog?page=${pages}>; rel="next"` });
      return res.end(`{"repositories":["r${pages}"]${padding}}`);
    });
    // The default (1 GiB) stops the same way after about 70 pages; a smaller cap keeps the test quick.
    const run = await dryRun(url, "--max-bytes", "128M");
    expect(run.killedFor, run.stderr.slice(0, 500)).toBeUndefined();
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /registry-gc: GET \/v2\/_catalog: more than 134217728 response bytes in this run, the limit of --max-bytes/,
    );
    expect(pages).toBeLessThanOrEqual(10);
    expect(run.peakRssBytes).toBeLessThan(BOUNDS.maxRssBytes);
  });

  // `team/../admin` and `team/%2e%2e/admin` match `--repo 'team/**'`, and URL resolution (WHATWG, or a proxy in
  // front of the registry) turns `/v2/team/../admin/...` into `/v2/admin/...`: without the grammar check, a run
  // limited to team/** would delete admin's images.
  it.each(["team/../admin", "team/%2e%2e/admin", "team/%2E%2E/admin", "team/./admin"])(
    "a repository named %s is refused before any request uses it, and admin keeps its images",
    async (evil) => {
      const config = JSON.stringify({ created: "2026-01-01T00:00:00Z" });
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha(config), size: config.length },
        layers: [],
      });
      const requests: string[] = [];
      const url = await hostile((req, res, path) => {
        requests.push(`${req.method} ${path}`);
        if (path === "/v2/") return res.writeHead(200).end("{}");
        if (path === "/v2/_catalog") {
          return res.writeHead(200).end(JSON.stringify({ repositories: ["admin", "team/app", evil] }));
        }
        const m = /^\/v2\/(admin|team\/app)\/(tags\/list|manifests\/.+|blobs\/.+)$/.exec(path);
        if (!m) return res.writeHead(404).end();
        if (m[2] === "tags/list") return res.writeHead(200).end(JSON.stringify({ tags: ["v1"] }));
        if (req.method === "DELETE") return res.writeHead(202).end();
        if (m[2].startsWith("blobs/")) return res.writeHead(200).end(config);
        return res.writeHead(200, { "docker-content-digest": sha(manifest) }).end(manifest);
      });
      const run = await runGcBounded(
        ["--registry", url, "--repo", "team/**", "--keep", "0", "--delete", "--json"],
        BOUNDS,
      );
      expect(run.killedFor).toBeUndefined();
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain(
        `GET /v2/_catalog: repository name ${JSON.stringify(evil)} breaks distribution's name grammar`,
      );
      expect(requests).toEqual(["GET /v2/_catalog"]);
    },
  );
});

describe("RegistryClient checks what it puts into URLs and keeps (in process)", () => {
  it("counts an index's entries against maxNames, and refuses a Docker-Content-Digest that is a path", async () => {
    const entries = Array.from({ length: 2000 }, (_, i) => ({ digest: sha(String(i)), size: 1 }));
    const url = await hostile((_req, res, path) => {
      if (path.endsWith("/manifests/index")) {
        return res.writeHead(200).end(JSON.stringify({ schemaVersion: 2, manifests: entries }));
      }
      return res.writeHead(200, { "docker-content-digest": "../../admin/manifests/sha256:0" }).end("{}");
    });
    const c = new RegistryClient({ baseUrl: url, maxNames: 1000 });
    await expect(c.getManifest("app", "index")).rejects.toMatchObject({
      kind: "limit",
      message: expect.stringMatching(/GET app:index: more than 1000 names .* --max-names/),
    });
    const err = await c.getManifest("app", "v1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err).toMatchObject({
      kind: "invalid",
      message: expect.stringMatching(/Docker-Content-Digest .* is not a digest/),
    });
    // Names given by a caller are checked too, before any request.
    await expect(c.deleteManifest("team/../admin", sha("x"))).rejects.toMatchObject({ kind: "invalid" });
    await expect(c.getManifest("app", "../../x")).rejects.toMatchObject({ kind: "invalid" });
    await c.close();
  });

  it("follows Link headers only on the registry's own server", async () => {
    const url = await hostile((_req, res) =>
      res
        .writeHead(200, { link: '<http://127.0.0.1:1/latest/meta-data?n=1>; rel="next"' })
        .end('{"repositories":["a"]}'),
    );
    const c = new RegistryClient({ baseUrl: url });
    await expect(c.listRepositories()).rejects.toMatchObject({
      kind: "invalid",
      message: expect.stringMatching(
        /GET \/v2\/_catalog: the Link header points at another server \("http:\/\/127\.0\.0\.1:1\//,
      ),
    });
    expect(c.stats.total).toBe(1);
    await c.close();
  });

  it("accepts exactly distribution's grammar for repository names, tags and digests", () => {
    const long = (n: number) =>
      Array.from({ length: Math.ceil(n / 2) }, () => "a")
        .join("/")
        .slice(0, n);
    for (const ok of ["a", "team/app", "a.b_c__d--e/f-g", "0/1", "a---b", long(255)]) {
      expect(isRepositoryName(ok), ok).toBe(true);
    }
    const bad = ["", "../x", "team/../admin", "%2e%2e", "a%2fb", "A", "team/App", "a//b", "/a", "a/", "a..b", "a___b"];
    bad.push("a-", "-a", "_a", "a b", "a:5000/b", "é", "a\nb", "a?b", "a#b", long(257));
    for (const no of bad) expect(isRepositoryName(no), no).toBe(false);
    for (const ok of ["v1.2.3", "_x", "latest", "A-Z_0.9", "x".repeat(128)]) expect(isTagName(ok), ok).toBe(true);
    for (const no of ["", ".x", "-x", "a/b", "a%2e", "..", "x".repeat(129), "a:b"])
      expect(isTagName(no), no).toBe(false);
    expect(isDigest(sha("x"))).toBe(true);
    for (const no of ["sha256:abc", "sha256:../x", `sha256:${"a".repeat(300)}`, "../sha256:0"]) {
      expect(isDigest(no), no).toBe(false);
    }
  });
});

describe("--max-names and --max-bytes", () => {
  const base = ["--registry", "https://x", "--keep", "1"];
  it("default to 100000 names and 1 GiB, and take sizes with binary suffixes", () => {
    expect(parseCliArgs(base, {})).toMatchObject({ maxNames: DEFAULT_MAX_NAMES, maxBytes: DEFAULT_MAX_RUN_BYTES });
    expect([DEFAULT_MAX_NAMES, DEFAULT_MAX_RUN_BYTES]).toEqual([100_000, 1024 ** 3]);
    expect(parseCliArgs([...base, "--max-names", "5000000", "--max-bytes", "4G"], {})).toMatchObject({
      maxNames: 5_000_000,
      maxBytes: 4 * 1024 ** 3,
    });
    expect(parseCliArgs([...base, "--max-bytes", "536870912"], {}).maxBytes).toBe(512 * 1024 ** 2);
    expect(USAGE).toMatch(/--max-names <n> [^\n]*\n[^\n]*\(default: 100000\)/);
    expect(USAGE).toMatch(/--max-bytes <size> .*\(default: 1G\)/);
  });

  it.each([
    [["--max-names", "0"], /^--max-names must be a whole number from 1 to 100000000, got "0"$/],
    [["--max-names", "-5"], /^--max-names must be a whole number, not negative/],
    [["--max-bytes", "1.5G"], /^--max-bytes must be a size of at least 1M, like 512M, 4G or 1073741824, got "1.5G"$/],
    [["--max-bytes", "1000"], /^--max-bytes must be a size of at least 1M/],
    [["--max-bytes", "2P"], /^--max-bytes must be a size/],
  ])("refuses %j", (more, message) => {
    expect(() => parseCliArgs([...base, ...more], {})).toThrow(message);
  });
});
