// The RENDERED prod Nginx configuration on the real nginx 1.22 (listen ports and host paths remapped only), in front
// of Debian's registry running the RENDERED prod registry config (plain HTTP on loopback, as in prod).
import { createServer, type Server } from "node:http";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOST_PATHS, renderProvisionPlan, type ProvisionPlan } from "../../components/registryHost/render/index.js";
import {
  freePort,
  inspectRaw,
  makeCertDir,
  makeServiceTempDir,
  mintCa,
  mintLeafCert,
  pullToOciLayout,
  pushOciLayout,
  removeDir,
  run,
  writeOciImage,
  type RunningRegistry,
} from "./support/index.js";
import { writeHostFiles } from "./support/host-files.js";
import { htpasswdLine, sampleInput } from "./support/host-input.js";
import { startNginx, writeNginxTree, type RunningNginx } from "./support/host-nginx.js";
import { prependPath, writeSkopeoWithNames } from "./support/host-names.js";
import { startRenderedRegistry } from "./support/host-registry.js";

const DOMAIN = "example.test";
const REGISTRY_NAME = `docker.${DOMAIN}`;
const WWW_NAME = `www.${DOMAIN}`;

let work: string;
let caPath: string;
let registry: RunningRegistry | undefined;
let nginx: RunningNginx | undefined;
let app: Server | undefined;
let appSeen: Record<string, string | string[] | undefined> = {};
let ports: { http: number; https: number };
let plan: ProvisionPlan;
let restorePath: (() => void) | undefined;

/** curl with the test name resolved to the nginx port; returns status, raw headers and body. */
async function curl(url: string, extra: string[] = []) {
  const u = new URL(url);
  const port = u.protocol === "https:" ? ports.https : ports.http;
  const r = await run("curl", [
    "--silent", "--show-error", "--max-time", "10", "--cacert", caPath, "--dump-header", "-",
    "--resolve", `${u.hostname}:${port}:127.0.0.1`,
    ...extra,
    url.replace(`${u.hostname}${u.port ? `:${u.port}` : ""}`, `${u.hostname}:${port}`),
  ]); // prettier-ignore
  const [head, ...body] = r.stdout.split(/\r?\n\r?\n/);
  return {
    code: r.code,
    status: Number(/^HTTP\/[\d.]+ (\d+)/.exec(head ?? "")?.[1] ?? 0),
    head: head ?? "",
    body: body.join("\n\n"),
  };
}

function headerValues(head: string, name: string): string[] {
  return head
    .split(/\r?\n/)
    .filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
    .map((l) => l.slice(name.length + 1).trim());
}

/** openssl s_client against nginx; true when the handshake completed. */
async function handshake(args: string[]): Promise<boolean> {
  const r = await run("openssl", ["s_client", "-connect", `127.0.0.1:${ports.https}`, "-CAfile", caPath, ...args], {
    timeoutMs: 15_000,
  });
  return r.code === 0 && /Verify return code: 0 \(ok\)/.test(r.stdout) && !/no peer certificate/.test(r.stdout);
}

beforeAll(async () => {
  // Nginx's workers run as the rendered user (www-data): the tree must be traversable by it.
  work = await makeServiceTempDir("host-nginx-");
  const ca = await mintCa(join(work, "pki"), "Prod Test CA");
  caPath = ca.certPath;
  const leaf = await mintLeafCert(join(work, "pki"), ca, { dnsSans: [REGISTRY_NAME, WWW_NAME, `admin.${DOMAIN}`] });

  app = createServer((req, res) => {
    appSeen = req.headers;
    res.end("app ok\n");
  });
  const appPort = await freePort();
  await new Promise<void>((resolve) => app!.listen(appPort, "127.0.0.1", resolve));

  const registryPort = await freePort();
  const input = sampleInput("prod", {
    htpasswd: `${htpasswdLine("ci", "ci-secret")}\n`,
    certificatePem: await readFile(leaf.certPath, "utf8"),
    privateKeyPem: await readFile(leaf.keyPath, "utf8"),
    registryPort,
    domain: DOMAIN,
    sites: { docker: "registry", www: appPort, admin: appPort },
  });
  // admin is limited to 127.0.0.1 (curl --interface 127.0.0.2 is the outsider); www stays open.
  plan = renderProvisionPlan({ ...input, nginx: { ...input.nginx!, access: { admin: ["127.0.0.1/32"] } } });
  const root = join(work, "root");
  await writeHostFiles(
    root,
    plan.files.filter((f) => f.path.startsWith("/etc/registry/")),
  );
  registry = await startRenderedRegistry(join(root, HOST_PATHS.registryConfig), {
    addr: `127.0.0.1:${registryPort}`,
    dataDir: join(work, "data"),
    htpasswdPath: join(root, HOST_PATHS.htpasswd),
  });

  ports = { http: await freePort(), https: await freePort() };
  const conf = await writeNginxTree(join(work, "nginx"), plan.files, plan.links ?? [], ports);
  nginx = await startNginx(join(work, "nginx"), conf, ports.https);

  restorePath = prependPath(await writeSkopeoWithNames(join(work, "names"), [REGISTRY_NAME]));
});

afterAll(async () => {
  restorePath?.();
  await nginx?.stop();
  await registry?.stop();
  await new Promise<void>((resolve) => (app ? app.close(() => resolve()) : resolve()));
  await removeDir(work);
});

describe("port 80", () => {
  it("redirects a site name to https (301) and serves nothing else", async () => {
    const r = await curl(`http://${REGISTRY_NAME}/v2/_catalog?n=1`);
    expect(r.status).toBe(301);
    expect(headerValues(r.head, "location")).toEqual([`https://${REGISTRY_NAME}/v2/_catalog?n=1`]);
  });

  it("closes the connection without an answer for unknown names (444)", async () => {
    const r = await run("curl", [
      "--silent",
      "--max-time",
      "10",
      "-H",
      "Host: unknown.invalid",
      `http://127.0.0.1:${ports.http}/`,
    ]);
    expect(r.code).toBe(52); // curl: empty reply from server
  });
});

describe("TLS on 443", () => {
  it("refuses TLS 1.0 and 1.1", async () => {
    expect(await handshake(["-servername", REGISTRY_NAME, "-tls1", "-cipher", "DEFAULT@SECLEVEL=0"])).toBe(false);
    expect(await handshake(["-servername", REGISTRY_NAME, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"])).toBe(false);
  });

  it("accepts TLS 1.2 and 1.3 with the site certificate", async () => {
    expect(await handshake(["-servername", REGISTRY_NAME, "-tls1_2"])).toBe(true);
    expect(await handshake(["-servername", REGISTRY_NAME, "-tls1_3"])).toBe(true);
  });

  it("negotiates only ECDHE AEAD suites on TLS 1.2 (a CBC suite is refused)", async () => {
    expect(await handshake(["-servername", REGISTRY_NAME, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA"])).toBe(false);
  });

  it("refuses a handshake with an unknown SNI or none", async () => {
    expect(await handshake(["-servername", "unknown.example.test", "-tls1_2"])).toBe(false);
    expect(await handshake(["-noservername", "-tls1_2"])).toBe(false);
  });
});

describe("the registry site", () => {
  it("answers 401 without credentials, sends HSTS, no server version, the API-version header exactly once", async () => {
    const r = await curl(`https://${REGISTRY_NAME}/v2/`);
    expect(r.status).toBe(401);
    expect(headerValues(r.head, "strict-transport-security")).toEqual(["max-age=63072000; includeSubDomains"]);
    expect(headerValues(r.head, "server")).toEqual(["nginx"]);
    expect(headerValues(r.head, "docker-distribution-api-version")).toEqual(["registry/2.0"]);
    expect(headerValues(r.head, "www-authenticate")).toEqual(['Basic realm="Registry"']);
  });

  it("answers 200 with the right password and 401 with a wrong one", async () => {
    expect((await curl(`https://${REGISTRY_NAME}/v2/`, ["--user", "ci:ci-secret"])).status).toBe(200);
    expect((await curl(`https://${REGISTRY_NAME}/v2/`, ["--user", "ci:nope"])).status).toBe(401);
  });

  it("serves nothing but /v2/ on the registry name", async () => {
    const r = await curl(`https://${REGISTRY_NAME}/`);
    expect(r.status).toBe(404);
    expect(headerValues(r.head, "strict-transport-security")).toHaveLength(1);
  });

  it("pushes and pulls a hand-built OCI image through Nginx with skopeo, digests identical", async () => {
    const layout = join(work, "oci-src");
    const built = await writeOciImage(
      layout,
      { files: { "hello.txt": "through nginx\n" }, created: "2026-01-01T00:00:00Z" },
      "v1",
    );
    const certDir = await makeCertDir(caPath, join(work, "skopeo-certs"));
    const access = { address: `${REGISTRY_NAME}:${ports.https}`, creds: "ci:ci-secret", certDir };
    await pushOciLayout(layout, "v1", access, "team/hello", "v1");
    const remote = await inspectRaw(access, "team/hello:v1");
    expect(remote.digest).toBe(built.manifest.digest);
    const pulled = join(work, "oci-dst");
    await pullToOciLayout(access, "team/hello:v1", pulled, "v1");
    const index = JSON.parse(await readFile(join(pulled, "index.json"), "utf8"));
    expect(index.manifests[0].digest).toBe(built.manifest.digest);
    // Pulling without credentials is refused.
    await expect(
      pullToOciLayout({ address: access.address, certDir }, "team/hello:v1", join(work, "anon"), "v1"),
    ).rejects.toThrow();
  });
});

describe("an application site", () => {
  it("proxies to its port with the forwarded headers and HSTS", async () => {
    const r = await curl(`https://${WWW_NAME}/hello`);
    expect(r.status).toBe(200);
    expect(r.body).toBe("app ok\n");
    expect(headerValues(r.head, "strict-transport-security")).toEqual(["max-age=63072000; includeSubDomains"]);
    expect(appSeen["x-forwarded-proto"]).toBe("https");
    expect(appSeen["x-real-ip"]).toBe("127.0.0.1");
    expect(appSeen["x-forwarded-for"]).toBe("127.0.0.1");
    expect(appSeen.host).toBe(WWW_NAME);
  });

  it("passes only the real client address in X-Forwarded-For, never a forged one", async () => {
    appSeen = {};
    const r = await curl(`https://${WWW_NAME}/`, [
      "-H",
      "X-Forwarded-For: 6.6.6.6, 7.7.7.7",
      "-H",
      "X-Real-IP: 6.6.6.6",
    ]);
    expect(r.status).toBe(200);
    expect(appSeen["x-forwarded-for"]).toBe("127.0.0.1");
    expect(appSeen["x-real-ip"]).toBe("127.0.0.1");
  });
});

describe("a site limited to source ranges (host.siteAllowedCidrs)", () => {
  const ADMIN_NAME = `admin.${DOMAIN}`;

  it("serves an allowed source", async () => {
    const r = await curl(`https://${ADMIN_NAME}/`, ["--interface", "127.0.0.1"]);
    expect(r.status).toBe(200);
    expect(r.body).toBe("app ok\n");
  });

  it("answers 403 to any other source, without reaching the app; other sites stay open to it", async () => {
    appSeen = {};
    const r = await curl(`https://${ADMIN_NAME}/`, ["--interface", "127.0.0.2"]);
    expect(r.status).toBe(403);
    expect(appSeen).toEqual({});
    const www = await curl(`https://${WWW_NAME}/`, ["--interface", "127.0.0.2"]);
    expect(www.status).toBe(200);
    expect(appSeen["x-forwarded-for"]).toBe("127.0.0.2");
  });
});
