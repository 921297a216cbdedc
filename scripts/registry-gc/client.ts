import { createHash } from "node:crypto";
import { isIP } from "node:net";
import { Agent, type Dispatcher } from "undici";
import { DEFAULT_MAX_NAMES, DEFAULT_MAX_RUN_BYTES, RunBudget } from "./budget.js";
import { RegistryError } from "./errors.js";
import type { ManifestStore, ReadManifest } from "./inspect.js";
import { assertReference, assertRepositoryName, assertTagName, isDigest, quoteName } from "./names.js";

export { RegistryError, type RegistryErrorKind } from "./errors.js";

/** Every manifest type at once: asking for fewer makes some registries 404 or down-convert (new digest). */
export const MANIFEST_ACCEPT = [
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
].join(", ");

export interface RequestStats {
  /** HTTP requests sent, retries included. */
  total: number;
  /** Requests per kind: catalog, tags, manifest, blob, delete, ping. */
  byKind: Record<string, number>;
  retries: number;
  /** Response bytes read (bodies, after decoding), counted against `maxRunBytes`. */
  bytes: number;
}

export interface RegistryClientOptions {
  /** `https://host:port`, no trailing slash. */
  readonly baseUrl: string;
  readonly user?: string;
  readonly password?: string;
  /** PEM of the CA to trust for this registry (in addition to nothing else: a private CA only). */
  readonly caPem?: string;
  /** Upper bound on requests in flight. Defaults to 8. */
  readonly concurrency?: number;
  /** Retries on 429 / 5xx / network errors. Defaults to 4. */
  readonly retries?: number;
  /** First back-off delay in ms, doubled per retry (Retry-After wins when given). Defaults to 200. */
  readonly backoffMs?: number;
  /**
   * Largest response body read, in bytes; a bigger one stops the run (a broken or hostile registry must not exhaust
   * the memory). Defaults to 16 MiB: a registry refuses manifests over 4 MiB, and a `_catalog` page of 1000 names
   * is far below it.
   */
  readonly maxBodyBytes?: number;
  /** Most pages followed for one `_catalog` or `tags/list` listing. Defaults to 1000 (a million names per page size 1000). */
  readonly maxPages?: number;
  /**
   * Most names (repositories, tags and the entries of index manifests) the whole run reads; more stops it. Defaults
   * to 100,000 (`DEFAULT_MAX_NAMES`): `maxPages` bounds one listing, this bounds their sum.
   */
  readonly maxNames?: number;
  /** Most response bytes the whole run reads; more stops it. Defaults to 1 GiB (`DEFAULT_MAX_RUN_BYTES`). */
  readonly maxRunBytes?: number;
  /** Called before each retry (connection refused, 429, 5xx), so a waiting run can say why. */
  readonly onRetry?: (what: string, attempt: number, of: number, delayMs: number) => void;
}

/** True for 127.0.0.0/8, ::1 and `localhost`: where credentials may travel over plain HTTP (nobody can listen). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h === "::1") return true;
  return isIP(h) === 4 && h.startsWith("127.");
}

/** Default of `RegistryClientOptions.maxBodyBytes`. */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
/** Default of `RegistryClientOptions.maxPages`. */
export const DEFAULT_MAX_PAGES = 1000;

interface RawResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly body: Buffer;
}

const RETRYABLE = new Set([429, 500, 502, 503, 504]);

function errorCode(body: Buffer): string {
  try {
    const j = JSON.parse(body.toString("utf8")) as { errors?: { code?: string; message?: string }[] };
    const e = j.errors?.[0];
    return e ? `${e.code ?? "ERROR"}${e.message ? `: ${e.message}` : ""}` : "";
  } catch {
    return "";
  }
}

function causeOf(e: unknown): string {
  const err = e as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.code && !err.code.startsWith("UND_ERR_") ? err.code : undefined;
  return code ?? err.cause?.code ?? err.message ?? String(e);
}

/** A TLS handshake answered by a plain-HTTP server ("wrong version number" / "packet length too long"). */
function plainHttpAnswer(e: unknown): boolean {
  const err = e as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const text = [err.code, err.message, err.cause?.code, err.cause?.message].join(" ");
  return /WRONG_VERSION_NUMBER|wrong version number|PACKET_LENGTH_TOO_LONG|packet length too long|HTTP_REQUEST/i.test(
    text,
  );
}

/** Minimal Docker Registry HTTP API v2 client: basic auth, bounded concurrency, retries with back-off, counting. */
export class RegistryClient implements ManifestStore {
  readonly stats: RequestStats = { total: 0, byKind: {}, retries: 0, bytes: 0 };
  /** What the run has read so far, against `maxNames` and `maxRunBytes`. */
  readonly budget: RunBudget;
  private readonly agent: Agent;
  private readonly origin: string;
  private readonly auth?: string;
  private readonly limit: number;
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly opts: RegistryClientOptions) {
    const base = new URL(opts.baseUrl);
    if (opts.user !== undefined && base.protocol === "http:" && !isLoopbackHost(base.hostname)) {
      // Basic auth is the password itself, readable by anyone on the path: only TLS or loopback may carry it.
      throw new RegistryError(
        "auth",
        `refusing to send the password over plain http:// to ${base.host}: use https:// ` +
          "(plain HTTP is allowed to a loopback address only)",
      );
    }
    this.origin = base.origin;
    this.budget = new RunBudget(opts.maxNames ?? DEFAULT_MAX_NAMES, opts.maxRunBytes ?? DEFAULT_MAX_RUN_BYTES);
    this.limit = opts.concurrency ?? 8;
    this.agent = new Agent({
      connections: this.limit,
      keepAliveTimeout: 30_000,
      connect: opts.caPem ? { ca: opts.caPem } : {},
    });
    if (opts.user !== undefined) {
      this.auth = `Basic ${Buffer.from(`${opts.user}:${opts.password ?? ""}`).toString("base64")}`;
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async slot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  /**
   * One HTTP exchange through the agent (undici's dispatcher API: far less CPU per request than fetch), following
   * up to 3 redirects (e.g. blob storage on S3) without sending the credentials to another origin.
   */
  private async send(method: string, url: URL, accept?: string): Promise<RawResponse> {
    const origin = this.origin;
    for (let hop = 0; ; hop++) {
      if (hop > 0) {
        this.stats.total++;
        this.stats.byKind.redirect = (this.stats.byKind.redirect ?? 0) + 1;
      }
      const headers: Record<string, string> = {};
      if (accept) headers.accept = accept;
      if (this.auth && url.origin === origin) headers.authorization = this.auth;
      const res = await this.agent.request({ origin: url.origin, path: url.pathname + url.search, method, headers });
      const body = await this.readCapped(res, `${method} ${url.pathname}`);
      const raw = res.headers;
      const get = (name: string): string | null => {
        const v = raw[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
      };
      const location = get("location");
      if ([301, 302, 303, 307, 308].includes(res.statusCode) && location && hop < 3 && method === "GET") {
        url = new URL(location, url);
        continue;
      }
      return { status: res.statusCode, headers: { get }, body };
    }
  }

  /**
   * Reads a whole body, but never more than `maxBodyBytes`: a bigger Content-Length or stream stops the run with
   * a `limit` error before the memory fills (the connection is dropped, not drained).
   */
  private async readCapped(res: Dispatcher.ResponseData, what: string): Promise<Buffer> {
    const max = this.opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    const tooBig = () => {
      res.body.destroy();
      return new RegistryError(
        "limit",
        `${what}: the response is larger than ${max} bytes, the limit for one response: the registry is ` +
          "broken or hostile (a smaller --page-size helps only if it honours page sizes)",
      );
    };
    const declared = Number(res.headers["content-length"]);
    if (Number.isFinite(declared) && declared > max) throw tooBig();
    const budget = this.budget;
    if (Number.isFinite(declared) && budget.bytes + declared > budget.maxBytes) {
      res.body.destroy();
      budget.addBytes(declared, what); // throws: the run's byte cap, before reading a byte of it
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > max) throw tooBig();
      this.stats.bytes += chunk.length;
      try {
        budget.addBytes(chunk.length, what);
      } catch (e) {
        res.body.destroy();
        throw e;
      }
      chunks.push(chunk);
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
  }

  /** One request with retries; the body is always read so keep-alive connections are reused. */
  async request(kind: string, method: string, pathOrUrl: string, accept?: string): Promise<RawResponse> {
    const url = new URL(pathOrUrl, this.opts.baseUrl);
    const retries = this.opts.retries ?? 4;
    const backoff = this.opts.backoffMs ?? 200;
    for (let attempt = 0; ; attempt++) {
      const result = await this.slot(async () => {
        this.stats.total++;
        this.stats.byKind[kind] = (this.stats.byKind[kind] ?? 0) + 1;
        if (attempt > 0) this.stats.retries++;
        try {
          return await this.send(method, url, accept);
        } catch (e) {
          if (e instanceof RegistryError) throw e;
          return e as Error;
        }
      });
      if (result instanceof Error && url.protocol === "https:" && plainHttpAnswer(result)) {
        throw new RegistryError(
          "unreachable",
          `${this.opts.baseUrl} answers plain HTTP, not TLS: use --registry http://${url.host} ` +
            "(or put TLS in front of the registry)",
        );
      }
      const retryable = result instanceof Error || RETRYABLE.has(result.status);
      if (!retryable || attempt >= retries) {
        if (result instanceof Error) {
          throw new RegistryError("unreachable", `cannot reach ${this.opts.baseUrl}: ${causeOf(result)}`);
        }
        return result;
      }
      const retryAfter = result instanceof Error ? NaN : Number(result.headers.get("retry-after"));
      const delay = Math.min(
        Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : backoff * 2 ** attempt,
        30_000,
      );
      this.opts.onRetry?.(
        `${method} ${url.pathname}: ${result instanceof Error ? causeOf(result) : `HTTP ${result.status}`}`,
        attempt + 1,
        retries,
        delay,
      );
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  private fail(what: string, res: RawResponse): never {
    if (res.status === 401) {
      const challenge = res.headers.get("www-authenticate") ?? "";
      if (/^bearer/i.test(challenge)) {
        throw new RegistryError(
          "auth",
          `${this.opts.baseUrl} wants bearer-token auth, which registry-gc does not support`,
          401,
        );
      }
      throw new RegistryError(
        "auth",
        this.auth
          ? `authentication to ${this.opts.baseUrl} failed (401): check --user and the password`
          : `${this.opts.baseUrl} requires authentication (401): give --user and --password-stdin`,
        401,
      );
    }
    if (res.status === 403) throw new RegistryError("auth", `${what}: forbidden (403) for this user`, 403);
    const code = errorCode(res.body);
    throw new RegistryError("http", `${what}: HTTP ${res.status}${code ? ` ${code}` : ""}`, res.status);
  }

  /** GET /v2/: checks that the registry answers and accepts the credentials. */
  async ping(): Promise<void> {
    const res = await this.request("ping", "GET", "/v2/");
    if (res.status !== 200) this.fail(`GET ${this.opts.baseUrl}/v2/`, res);
  }

  /** Follows `Link: <...>; rel="next"` (and `last` when a full page comes without a link) until the end. */
  private async paginate(kind: string, firstPath: string, pageSize: number, field: "repositories" | "tags") {
    const out = new Set<string>();
    const seen = new Set<string>();
    const maxPages = this.opts.maxPages ?? DEFAULT_MAX_PAGES;
    let next: string | undefined = `${firstPath}?n=${pageSize}`;
    while (next) {
      if (seen.has(next)) {
        // A Link back to a page already read: the listing never ends, and a partial tag list is unsafe (an unlisted
        // tag may share a digest with a doomed one).
        throw new RegistryError("limit", `GET ${firstPath}: the registry's Link header loops back to ${next}`);
      }
      if (seen.size >= maxPages) {
        throw new RegistryError(
          "limit",
          `GET ${firstPath}: still more pages after ${maxPages} (${out.size} names): the registry keeps sending ` +
            "Link headers; raise --max-pages (or --page-size) only if it really holds that many",
        );
      }
      seen.add(next);
      const res = await this.request(kind, "GET", next);
      if (res.status === 404 && field === "tags") break; // repository vanished meanwhile
      if (res.status !== 200) this.fail(`GET ${firstPath}`, res);
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(res.body.toString("utf8")) as Record<string, unknown>;
      } catch {
        throw new RegistryError("http", `GET ${firstPath}: the answer is not JSON`, res.status);
      }
      const raw = body[field] ?? [];
      if (!Array.isArray(raw) || raw.some((x) => typeof x !== "string")) {
        throw new RegistryError("http", `GET ${firstPath}: "${field}" is not a list of names`, res.status);
      }
      const page = raw as string[];
      const before = out.size;
      for (const item of page) {
        if (out.has(item)) continue;
        // Checked before the name reaches a URL, a --repo match or the memory of the run.
        if (field === "repositories") assertRepositoryName(item, `GET ${firstPath}`);
        else assertTagName(item, `GET ${firstPath}`);
        this.budget.addNames(1, `GET ${firstPath}`);
        out.add(item);
      }
      const link = res.headers.get("link")?.match(/<([^>]+)>\s*;\s*rel="?next"?/);
      if (link) {
        next = link[1]!;
        if (new URL(next, this.opts.baseUrl).origin !== this.origin) {
          // The next page is the registry's own: a Link elsewhere would make the run fetch what the registry chooses.
          throw new RegistryError(
            "invalid",
            `GET ${firstPath}: the Link header points at another server (${quoteName(next)}): the registry is broken or hostile`,
          );
        }
      } else if (page.length === pageSize && out.size > before) {
        // Exactly a full page and no Link: some registries paginate by `last` only; ask for what follows.
        next = `${firstPath}?n=${pageSize}&last=${encodeURIComponent(page[page.length - 1]!)}`;
      } else next = undefined;
    }
    return [...out];
  }

  listRepositories(pageSize = 1000): Promise<string[]> {
    return this.paginate("catalog", "/v2/_catalog", pageSize, "repositories");
  }

  listTags(repository: string, pageSize = 1000): Promise<string[]> {
    assertRepositoryName(repository, "tags/list");
    return this.paginate("tags", `/v2/${repository}/tags/list`, pageSize, "tags");
  }

  /** A manifest by tag or digest, with its digest (header, else sha256 of the bytes); undefined when unknown (404). */
  async getManifest(repository: string, reference: string): Promise<ReadManifest | undefined> {
    assertRepositoryName(repository, `GET manifest ${quoteName(reference)}`);
    assertReference(reference, `GET ${repository} manifest`);
    const res = await this.request("manifest", "GET", `/v2/${repository}/manifests/${reference}`, MANIFEST_ACCEPT);
    if (res.status === 404) return undefined;
    if (res.status !== 200) this.fail(`GET ${repository}:${reference}`, res);
    const digest =
      res.headers.get("docker-content-digest") ?? `sha256:${createHash("sha256").update(res.body).digest("hex")}`;
    if (!isDigest(digest)) {
      // The digest goes into a DELETE URL: it must be one, not a path.
      throw new RegistryError(
        "invalid",
        `GET ${repository}:${reference}: Docker-Content-Digest ${quoteName(digest)} is not a digest: the registry ` +
          "is broken or hostile",
      );
    }
    const manifest = JSON.parse(res.body.toString("utf8")) as Record<string, unknown>;
    // An index's entries are kept for the whole run (they protect their platform images): they count as names.
    if (Array.isArray(manifest.manifests)) {
      this.budget.addNames(manifest.manifests.length, `GET ${repository}:${reference}`);
    }
    const mediaType =
      (typeof manifest.mediaType === "string" ? manifest.mediaType : undefined) ??
      res.headers.get("content-type")?.split(";")[0] ??
      "";
    return { digest, mediaType, manifest };
  }

  /** A small JSON blob (an image config); undefined when missing or not JSON. */
  async getJsonBlob(repository: string, digest: string): Promise<Record<string, unknown> | undefined> {
    assertRepositoryName(repository, `GET blob ${quoteName(digest)}`);
    if (!isDigest(digest))
      throw new RegistryError("invalid", `GET ${repository} blob: ${quoteName(digest)} is not a digest`);
    const res = await this.request("blob", "GET", `/v2/${repository}/blobs/${digest}`);
    if (res.status === 404) return undefined;
    if (res.status !== 200) this.fail(`GET blob ${repository}@${digest}`, res);
    try {
      return JSON.parse(res.body.toString("utf8")) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }

  /**
   * DELETE a manifest by digest. Resolves "deleted" (202) or "gone" (404: already deleted, e.g. by a retried
   * request). Throws a fatal `delete-disabled` error when the registry refuses deletes (405 / UNSUPPORTED).
   */
  async deleteManifest(repository: string, digest: string): Promise<"deleted" | "gone"> {
    assertRepositoryName(repository, `DELETE ${quoteName(digest)}`);
    if (!isDigest(digest))
      throw new RegistryError("invalid", `DELETE ${repository}: ${quoteName(digest)} is not a digest`);
    const res = await this.request("delete", "DELETE", `/v2/${repository}/manifests/${digest}`);
    if (res.status === 202 || res.status === 200) return "deleted";
    if (res.status === 404) return "gone";
    if (res.status === 405 || /UNSUPPORTED/.test(errorCode(res.body))) {
      throw new RegistryError(
        "delete-disabled",
        `${this.opts.baseUrl} refuses deletes (HTTP ${res.status} UNSUPPORTED): enable them in the registry config ` +
          `(storage.delete.enabled: true, or REGISTRY_STORAGE_DELETE_ENABLED=true) and restart it`,
        res.status,
      );
    }
    return this.fail(`DELETE ${repository}@${digest}`, res);
  }
}
