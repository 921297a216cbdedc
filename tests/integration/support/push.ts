import type { Agent } from "undici";

/** Where to push over the registry HTTP API: base URL, optional basic-auth header, a shared keep-alive agent. */
export interface PushTarget {
  readonly url: string;
  readonly agent: Agent;
  /** `Basic ...`; none for an open registry. */
  readonly auth?: string;
}

/** One request; throws unless the status is `want`. Resolves the Location header (upload URL). */
async function call(t: PushTarget, url: URL, method: "POST" | "PUT", want: number, body?: Buffer, type?: string) {
  const headers: Record<string, string> = {};
  if (type) headers["content-type"] = type;
  if (t.auth) headers.authorization = t.auth;
  const res = await t.agent.request({ origin: url.origin, path: url.pathname + url.search, method, body, headers });
  await res.body.dump();
  if (res.statusCode !== want) throw new Error(`${method} ${url.pathname}: HTTP ${res.statusCode}`);
  return typeof res.headers.location === "string" ? new URL(res.headers.location, url) : undefined;
}

/** Uploads one blob (monolithic: POST, then PUT with the digest). */
export async function pushBlob(t: PushTarget, repo: string, digest: string, data: Buffer): Promise<void> {
  const upload = await call(t, new URL(`/v2/${repo}/blobs/uploads/`, t.url), "POST", 202);
  if (!upload) throw new Error(`POST /v2/${repo}/blobs/uploads/: no Location`);
  upload.searchParams.set("digest", digest);
  await call(t, upload, "PUT", 201, data, "application/octet-stream");
}

/** PUTs a manifest (or index) under a tag or its digest. */
export async function putManifest(t: PushTarget, repo: string, ref: string, bytes: Buffer, mediaType: string) {
  await call(t, new URL(`/v2/${repo}/manifests/${ref}`, t.url), "PUT", 201, bytes, mediaType);
}
