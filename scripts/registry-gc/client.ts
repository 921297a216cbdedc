import { createHash } from "node:crypto";
import { Agent } from "undici";

/** Every manifest type at once: asking for fewer makes some registries 404 or down-convert (new digest). */
export const MANIFEST_ACCEPT = [
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
].join(", ");

export type RegistryErrorKind = "unreachable" | "auth" | "delete-disabled" | "http";

/** A registry failure with a one-line, actionable message. `unreachable`, `auth` and `delete-disabled` are fatal. */
export class RegistryError extends Error {
  override name = "RegistryError";
  constructor(
    readonly kind: RegistryErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface RequestStats {
  /** HTTP requests sent, retries included. */
  total: number;
  /** Requests per kind: catalog, tags, manifest, blob, delete, ping. */
  byKind: Record<string, number>;
  retries: number;
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
}

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

/** Minimal Docker Registry HTTP API v2 client: basic auth, bounded concurrency, retries with back-off, counting. */
export class RegistryClient {
  readonly stats: RequestStats = { total: 0, byKind: {}, retries: 0 };
  private readonly agent: Agent;
  private readonly auth?: string;
  private readonly limit: number;
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly opts: RegistryClientOptions) {
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
    const origin = new URL(this.opts.baseUrl).origin;
    for (let hop = 0; ; hop++) {
      if (hop > 0) {
        this.stats.total++;
        this.stats.byKind.redirect = (this.stats.byKind.redirect ?? 0) + 1;
      }
      const headers: Record<string, string> = {};
      if (accept) headers.accept = accept;
      if (this.auth && url.origin === origin) headers.authorization = this.auth;
      const res = await this.agent.request({ origin: url.origin, path: url.pathname + url.search, method, headers });
      const body = Buffer.from(await res.body.arrayBuffer());
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
          return e as Error;
        }
      });
      const retryable = result instanceof Error || RETRYABLE.has(result.status);
      if (!retryable || attempt >= retries) {
        if (result instanceof Error) {
          throw new RegistryError("unreachable", `cannot reach ${this.opts.baseUrl}: ${causeOf(result)}`);
        }
        return result;
      }
      const retryAfter = result instanceof Error ? NaN : Number(result.headers.get("retry-after"));
      const delay = Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : backoff * 2 ** attempt;
      await new Promise((r) => setTimeout(r, Math.min(delay, 30_000)));
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
    let next: string | undefined = `${firstPath}?n=${pageSize}`;
    while (next && !seen.has(next)) {
      seen.add(next); // a registry that ignores `last` must not loop us forever
      const res = await this.request(kind, "GET", next);
      if (res.status === 404 && field === "tags") break; // repository vanished meanwhile
      if (res.status !== 200) this.fail(`GET ${firstPath}`, res);
      const body = JSON.parse(res.body.toString("utf8")) as Record<string, string[] | null>;
      const page = body[field] ?? [];
      const before = out.size;
      for (const item of page) out.add(item);
      const link = res.headers.get("link")?.match(/<([^>]+)>\s*;\s*rel="?next"?/);
      if (link) next = link[1];
      else if (page.length === pageSize && out.size > before) {
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
    return this.paginate("tags", `/v2/${repository}/tags/list`, pageSize, "tags");
  }

  /** A manifest by tag or digest, with its digest (header, else sha256 of the bytes); undefined when unknown (404). */
  async getManifest(
    repository: string,
    reference: string,
  ): Promise<{ digest: string; mediaType: string; manifest: Record<string, unknown> } | undefined> {
    const res = await this.request("manifest", "GET", `/v2/${repository}/manifests/${reference}`, MANIFEST_ACCEPT);
    if (res.status === 404) return undefined;
    if (res.status !== 200) this.fail(`GET ${repository}:${reference}`, res);
    const digest =
      res.headers.get("docker-content-digest") ?? `sha256:${createHash("sha256").update(res.body).digest("hex")}`;
    const manifest = JSON.parse(res.body.toString("utf8")) as Record<string, unknown>;
    const mediaType =
      (typeof manifest.mediaType === "string" ? manifest.mediaType : undefined) ??
      res.headers.get("content-type")?.split(";")[0] ??
      "";
    return { digest, mediaType, manifest };
  }

  /** A small JSON blob (an image config); undefined when missing or not JSON. */
  async getJsonBlob(repository: string, digest: string): Promise<Record<string, unknown> | undefined> {
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
