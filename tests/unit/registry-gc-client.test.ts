import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { MANIFEST_ACCEPT, RegistryClient, RegistryError } from "../../scripts/registry-gc/index.js";

const ABC = `sha256:${"abc".repeat(21)}a`;
const DEF = `sha256:${"def".repeat(21)}d`;

// A tiny in-process fake registry: enough HTTP to test retries, pagination, concurrency and error mapping.
let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

async function fake(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

describe("RegistryClient", () => {
  it("retries 429 and 5xx with back-off, then succeeds, and counts every request", async () => {
    let calls = 0;
    const url = await fake((_req, res) => {
      calls++;
      if (calls === 1) res.writeHead(429, { "retry-after": "0" }).end();
      else if (calls === 2) res.writeHead(503).end();
      else res.writeHead(200).end("{}");
    });
    const c = new RegistryClient({ baseUrl: url, backoffMs: 1 });
    await c.ping();
    expect(c.stats).toMatchObject({ total: 3, retries: 2, byKind: { ping: 3 } });
    await c.close();
  });

  it("gives up after the retries and reports the last status", async () => {
    const url = await fake((_req, res) => res.writeHead(500).end('{"errors":[{"code":"UNKNOWN","message":"boom"}]}'));
    const c = new RegistryClient({ baseUrl: url, backoffMs: 1, retries: 2 });
    await expect(c.listRepositories()).rejects.toThrow(/HTTP 500 UNKNOWN: boom/);
    expect(c.stats.total).toBe(3);
    await c.close();
  });

  it("follows Link pagination and stops when a registry ignores `last`", async () => {
    const all = ["a", "b", "c", "d", "e"];
    const url = await fake((req, res) => {
      const u = new URL(req.url!, "http://x");
      if (u.pathname === "/v2/_catalog") {
        const n = Number(u.searchParams.get("n"));
        const start = u.searchParams.has("last") ? all.indexOf(u.searchParams.get("last")!) + 1 : 0;
        const page = all.slice(start, start + n);
        const headers: Record<string, string> = {};
        if (start + n < all.length) headers.link = `</v2/_catalog?last=${page.at(-1)}&n=${n}>; rel="next"`;
        res.writeHead(200, headers).end(JSON.stringify({ repositories: page }));
      } else {
        // tags/list ignoring n and last entirely: always the same full page, never a Link.
        res.writeHead(200).end(JSON.stringify({ name: "x", tags: ["1", "2"] }));
      }
    });
    const c = new RegistryClient({ baseUrl: url });
    expect(await c.listRepositories(2)).toEqual(all);
    expect(c.stats.byKind.catalog).toBe(3);
    expect(await c.listTags("x", 2)).toEqual(["1", "2"]);
    expect(c.stats.byKind.tags).toBeLessThanOrEqual(2);
    await c.close();
  });

  it("asks for every manifest type at once and keeps at most `concurrency` requests in flight", async () => {
    let inFlight = 0;
    let peak = 0;
    const accepts: string[] = [];
    const url = await fake((req, res) => {
      accepts.push(String(req.headers.accept));
      inFlight++;
      peak = Math.max(peak, inFlight);
      setTimeout(() => {
        inFlight--;
        res
          .writeHead(200, {
            "docker-content-digest": ABC,
            "content-type": "application/vnd.oci.image.manifest.v1+json",
          })
          .end(JSON.stringify({ schemaVersion: 2, config: { digest: DEF, size: 2 } }));
      }, 10);
    });
    const c = new RegistryClient({ baseUrl: url, concurrency: 3 });
    const got = await Promise.all(Array.from({ length: 12 }, (_, i) => c.getManifest("r", `t${i}`)));
    expect(got[0]).toMatchObject({ digest: ABC, mediaType: "application/vnd.oci.image.manifest.v1+json" });
    expect(peak).toBeLessThanOrEqual(3);
    expect(new Set(accepts)).toEqual(new Set([MANIFEST_ACCEPT]));
    for (const t of [
      "application/vnd.docker.distribution.manifest.v2+json",
      "application/vnd.docker.distribution.manifest.list.v2+json",
      "application/vnd.oci.image.manifest.v1+json",
      "application/vnd.oci.image.index.v1+json",
    ]) {
      expect(MANIFEST_ACCEPT).toContain(t);
    }
    await c.close();
  });

  it("maps 401 to an auth error, 405 on delete to delete-disabled, and sends basic auth", async () => {
    let auth = "";
    const url = await fake((req, res) => {
      auth = String(req.headers.authorization);
      if (req.method === "DELETE") {
        res.writeHead(405).end('{"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported."}]}');
      } else res.writeHead(401, { "www-authenticate": 'Basic realm="r"' }).end();
    });
    const c = new RegistryClient({ baseUrl: url, user: "ci", password: "pw" });
    const ping = await c.ping().catch((e: unknown) => e);
    expect(ping).toBeInstanceOf(RegistryError);
    expect(ping).toMatchObject({ kind: "auth", message: expect.stringMatching(/authentication to .* failed \(401\)/) });
    expect(auth).toBe(`Basic ${Buffer.from("ci:pw").toString("base64")}`);
    const del = await c.deleteManifest("r", ABC).catch((e: unknown) => e);
    expect(del).toMatchObject({
      kind: "delete-disabled",
      message: expect.stringMatching(/storage\.delete\.enabled: true/),
    });
    await c.close();
  });
});

describe("RegistryClient against a hostile or broken registry", () => {
  it("stops at the body cap: a declared Content-Length and an endless chunked body, without buffering them", async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    const url = await fake((req, res) => {
      if (req.url!.startsWith("/v2/_catalog")) {
        res.writeHead(200, { "content-length": String(1.5 * 1024 ** 3) }).write("{");
        return; // never ends: the client must give up on the header alone
      }
      res.writeHead(200, { "content-type": "application/json" });
      const pump = () => {
        while (!res.destroyed && sent < 256 * 1024 * 1024 && res.write(chunk)) sent += chunk.length;
        if (!res.destroyed && sent < 256 * 1024 * 1024) res.once("drain", pump);
        else res.end();
      };
      res.on("close", () => (sent = Infinity));
      pump();
    });
    const c = new RegistryClient({ baseUrl: url, maxBodyBytes: 1024 * 1024 });
    await expect(c.listRepositories()).rejects.toMatchObject({
      kind: "limit",
      message: expect.stringMatching(/GET \/v2\/_catalog: the response is larger than 1048576 bytes/),
    });
    const err = await c.listTags("r").catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "limit" });
    await c.close();
  });

  it("refuses a Link header that loops back, and an endless series of new pages", async () => {
    let requests = 0;
    const url = await fake((req, res) => {
      requests++;
      const u = new URL(req.url!, "http://x");
      if (u.pathname === "/v2/_catalog") {
        // Page 1 -> page 2 -> page 1 again.
        const page = u.searchParams.get("page") ?? "1";
        const next = page === "1" ? "2" : "1";
        res.writeHead(200, { link: `</v2/_catalog?page=${next}&n=2>; rel="next"` });
        res.end(JSON.stringify({ repositories: [`r${page}`] }));
      } else {
        const i = Number(u.searchParams.get("i") ?? 0);
        res.writeHead(200, { link: `</v2/r/tags/list?i=${i + 1}>; rel="next"` });
        res.end(JSON.stringify({ name: "r", tags: [`t${i}`] }));
      }
    });
    const c = new RegistryClient({ baseUrl: url, maxPages: 50 });
    await expect(c.listRepositories()).rejects.toMatchObject({
      kind: "limit",
      message: expect.stringMatching(/Link header loops back to \/v2\/_catalog\?page=2/),
    });
    requests = 0;
    await expect(c.listTags("r")).rejects.toMatchObject({
      kind: "limit",
      message: expect.stringMatching(/still more pages after 50 \(50 names\).*--max-pages/),
    });
    expect(requests).toBe(50);
    await c.close();
  });

  it("refuses to send credentials over plain http:// except to loopback", () => {
    expect(() => new RegistryClient({ baseUrl: "http://203.0.113.7:5000", user: "ci", password: "pw" })).toThrow(
      /refusing to send the password over plain http:\/\/ to 203\.0\.113\.7:5000: use https:\/\//,
    );
    expect(() => new RegistryClient({ baseUrl: "http://registry.example", user: "ci", password: "pw" })).toThrow(
      RegistryError,
    );
    for (const ok of ["http://127.0.0.1:5000", "http://[::1]:5000", "http://localhost", "https://203.0.113.7"]) {
      expect(() => new RegistryClient({ baseUrl: ok, user: "ci", password: "pw" })).not.toThrow();
    }
    expect(() => new RegistryClient({ baseUrl: "http://203.0.113.7:5000" })).not.toThrow(); // anonymous
  });

  it("says so when https:// reaches a plain-HTTP registry", async () => {
    const url = await fake((_req, res) => res.writeHead(200).end("{}"));
    const c = new RegistryClient({ baseUrl: url.replace("http:", "https:"), backoffMs: 1 });
    await expect(c.ping()).rejects.toMatchObject({
      kind: "unreachable",
      message: expect.stringMatching(/answers plain HTTP, not TLS: use --registry http:\/\/127\.0\.0\.1:\d+/),
    });
    await c.close();
  });
});
