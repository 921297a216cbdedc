// ACME over http-01 on real software, all on loopback: Pebble (Let's Encrypt's test CA) validates by fetching the
// token from the RENDERED Nginx port-80 server (names resolved to 127.0.0.1 by pebble-challtestsrv), Debian's lego is
// driven by the RENDERED registry-acme and configuration, in front of Debian's registry on the rendered prod config.
import { createServer, type Server } from "node:http";
import { request } from "node:https";
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import type { TLSSocket } from "node:tls";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVICE_ACCOUNTS } from "../../components/registryHost/render/accounts.js";
import {
  ACME_PATHS,
  HOST_PATHS,
  renderProvisionPlan,
  type HostRenderInput,
  type ProvisionPlan,
} from "../../components/registryHost/render/index.js";
import {
  freePort,
  inspectRaw,
  makeCertDir,
  makeServiceTempDir,
  pullToOciLayout,
  pushOciLayout,
  removeDir,
  run,
  writeOciImage,
  type RunningRegistry,
} from "./support/index.js";
import { acmeHost, verifiedSerial, type AcmeHost } from "./support/acme-host.js";
import { accountMay, unreachable } from "./support/host-access.js";
import { writeFakeSystemctl } from "./support/host-fakes.js";
import { fileAt, writeHostFiles } from "./support/host-files.js";
import { htpasswdLine, sampleInput } from "./support/host-input.js";
import { prependPath, writeSkopeoWithNames } from "./support/host-names.js";
import { startNginx, writeNginxTree, type RunningNginx } from "./support/host-nginx.js";
import { startRenderedRegistry } from "./support/host-registry.js";
import { startPebble, type RunningPebble } from "./support/pebble.js";

const DOMAIN = "example.test";
/** Debian's and Ubuntu's fixed gid of www-data (base-passwd). */
const WWW_DATA_GID = 33;
const REGISTRY_NAME = `docker.${DOMAIN}`;
const WWW_NAME = `www.${DOMAIN}`;

let work: string;
let root: string;
let ports: { http: number; https: number };
let pebble: RunningPebble | undefined;
let nginx: RunningNginx | undefined;
let registry: RunningRegistry | undefined;
let app: Server | undefined;
let host: AcmeHost;
let plan: ProvisionPlan;
let rootPath: string;
let restorePath: (() => void) | undefined;

/** One HTTPS request on a fresh connection (no keep-alive): status and the served certificate's serial. */
function probe(name = REGISTRY_NAME): Promise<{ status: number; serial: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: ports.https,
        servername: name,
        path: "/v2/",
        headers: { host: name },
        rejectUnauthorized: false,
        agent: false,
        timeout: 10_000,
      },
      (res) => {
        const serial = (res.socket as TLSSocket).getPeerCertificate().serialNumber;
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, serial }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

const verified = (name: string) => verifiedSerial(ports.https, name, rootPath);

/** The rendered acme-prepare step (its whole stdin), with the test-only options that point it at the root. */
const prepareStep = () =>
  run("bash", ["-s", "--", "--root", root], {
    input: plan.steps.find((s) => s.name === "acme-prepare")!.stdin,
    env: host.env,
  });

const servedSerial = async () =>
  (await run("openssl", ["x509", "-noout", "-serial", "-in", join(root, ACME_PATHS.servedCertificate)])).stdout
    .trim()
    .replace(/^serial=/, "")
    .toUpperCase();

beforeAll(async () => {
  // Nginx's workers run as www-data (the rendered `user`): the tree must be traversable by it, as on a host.
  work = await makeServiceTempDir("acme-http01-");
  root = join(work, "root");
  ports = { http: await freePort(), https: await freePort() };
  pebble = await startPebble(join(work, "pebble"), { httpPort: ports.http });
  rootPath = join(work, "pebble-root.pem");
  await writeFile(rootPath, await pebble.issuanceRoot());

  app = createServer((_req, res) => res.end("app ok\n"));
  const appPort = await freePort();
  await new Promise<void>((resolve) => app!.listen(appPort, "127.0.0.1", resolve));

  const registryPort = await freePort();
  const { tls: _shipped, ...prod } = sampleInput("prod", {
    htpasswd: `${htpasswdLine("ci", "ci-secret")}\n`,
    registryPort,
    domain: DOMAIN,
    sites: { docker: "registry", www: appPort },
    healthCheckCredential: { user: "ci", password: "ci-secret" },
  });
  const input: HostRenderInput = {
    ...prod,
    acme: { email: "ops@example.org", directoryUrl: pebble.directoryUrl, challenge: "http-01" },
  };
  plan = renderProvisionPlan(input);
  await writeHostFiles(
    root,
    plan.files.filter((f) => !f.path.startsWith("/etc/nginx/")),
  );
  const conf = await writeNginxTree(root, plan.files, plan.links ?? [], ports);
  host = await acmeHost(root, conf, join(work, "bin"), { LEGO_CA_CERTIFICATES: pebble.tlsCaPath });

  registry = await startRenderedRegistry(join(root, HOST_PATHS.registryConfig), {
    addr: `127.0.0.1:${registryPort}`,
    dataDir: join(work, "data"),
    htpasswdPath: join(root, HOST_PATHS.htpasswd),
  });
  // The rendered acme-prepare step, as provisioning runs it before apply-config starts Nginx.
  const prepared = await prepareStep();
  if (prepared.code !== 0) throw new Error(`acme-prepare failed: ${prepared.stderr}${prepared.stdout}`);
  nginx = await startNginx(root, conf, ports.https);
  restorePath = prependPath(await writeSkopeoWithNames(join(work, "names"), [REGISTRY_NAME]));
}, 120_000);

afterAll(async () => {
  restorePath?.();
  await nginx?.stop();
  await registry?.stop();
  await pebble?.stop();
  await new Promise<void>((resolve) => (app ? app.close(() => resolve()) : resolve()));
  await removeDir(work);
});

describe("before the first issuance", () => {
  it("Nginx serves a temporary self-signed certificate for every site name", async () => {
    const text = (
      await run("openssl", ["x509", "-noout", "-subject", "-ext", "subjectAltName", "-in",
        join(root, ACME_PATHS.servedCertificate)])
    ).stdout; // prettier-ignore
    expect(text).toContain("registry-acme temporary certificate");
    expect(text).toContain(`DNS:${REGISTRY_NAME}, DNS:${WWW_NAME}`);
    const r = await probe();
    expect(r).toEqual({ status: 401, serial: await servedSerial() });
  });

  it("the health check reports 'certificate pending' and still passes (the first deploy never waits)", async () => {
    expect((await host.acme(["status", "--check"])).stdout).toBe(
      "certificate pending: first issuance not attempted yet\n",
    );
    const health = plan.steps.find((s) => s.name === "health-check")!;
    const r = await run("bash", ["-s", "--", "--root", root, "--connect", `127.0.0.1:${ports.https}`,
      "--attempts", "5"], { input: health.stdin, env: host.env }); // prettier-ignore
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("health-check: certificate pending: first issuance not attempted yet");
    expect(r.stdout).toContain("health-check: healthy");
    expect(r.code).toBe(0);
  });

  it("apply-config enables both ACME timers once; a second run changes nothing", async () => {
    const systemd = await writeFakeSystemctl(join(work, "systemd"));
    const apply = plan.steps.find((s) => s.name === "apply-config")!;
    const opts = ["-s", "--", "--root", root, "--systemctl", systemd.path, "--nginx", host.nginx];
    const first = await run("bash", opts, { input: apply.stdin });
    expect(first.code, first.stderr).toBe(0);
    const calls = await systemd.calls();
    expect(calls).toContain("enable --now registry-acme-issue.timer");
    expect(calls).toContain("enable --now registry-acme-renew.timer");
    const second = await run("bash", opts, { input: apply.stdin });
    expect(second.stdout).toContain("apply-config: no change");
    expect((await systemd.calls()).slice(calls.length).filter((c) => !/^is-(enabled|active)/.test(c))).toEqual([]);
  });

  it("Nginx's workers run as the account the rendered nginx.conf names (www-data), not root", async () => {
    expect(fileAt(plan.files, HOST_PATHS.nginxMain).content).toMatch(/^user www-data;$/m);
    expect(nginx!.workerUser).toBe("www-data");
  });

  it("the webroot is outside the private state directory; www-data reaches it and reads what lego writes there", async () => {
    expect(`${ACME_PATHS.webroot}/`.startsWith(`${ACME_PATHS.stateDir}/`)).toBe(false);
    const challenge = join(root, ACME_PATHS.webroot, ".well-known/acme-challenge");
    for (const d of [
      ACME_PATHS.webroot,
      `${ACME_PATHS.webroot}/.well-known`,
      `${ACME_PATHS.webroot}/.well-known/acme-challenge`,
    ]) {
      const st = await stat(join(root, d));
      expect((st.mode & 0o7777).toString(8), d).toBe("2750");
      expect([st.uid, st.gid], d).toEqual([0, WWW_DATA_GID]);
    }
    // Every reader the renderers declare (files and the directories registry-acme made), as its own account.
    expect(await unreachable(root, plan.files, true)).toEqual([]);
    // A file created the way lego 4.9.1 creates a token (0644 before the umask) under the tool's LEGO_UMASK.
    const probe = join(challenge, "probe");
    const umask = /^LEGO_UMASK='(\d+)'$/m.exec(fileAt(plan.files, ACME_PATHS.config).content)![1];
    const create = "import os, sys; os.close(os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o644))";
    await run("bash", ["-c", `umask ${umask} && exec python3 -c "$0" "$1"`, create, probe]);
    try {
      const st = await stat(probe);
      expect([(st.mode & 0o777).toString(8), st.uid, st.gid]).toEqual(["640", 0, WWW_DATA_GID]);
      expect(await accountMay(SERVICE_ACCOUNTS.nginxWorkers, "-r", probe)).toBe(true);
      expect(await accountMay({ service: "any other account", user: "nobody", group: "nogroup" }, "-r", probe)).toBe(
        false,
      );
    } finally {
      await rm(probe, { force: true });
    }
  });

  it("the acme-prepare step is idempotent: a second run changes nothing", async () => {
    const served = join(root, ACME_PATHS.servedCertificate);
    const before = [await readFile(served, "utf8"), (await stat(served)).mtimeMs];
    const r = await prepareStep();
    expect(r.stdout).toBe("registry-acme: no change\n");
    expect(r.code).toBe(0);
    expect([await readFile(served, "utf8"), (await stat(served)).mtimeMs]).toEqual(before);
  });
});

describe("first issuance over http-01", () => {
  let before: string;
  let loop: { ok: number; failures: string[]; serials: string[] };

  it("issues one certificate for both names and switches Nginx without a failed request", async () => {
    before = await servedSerial();
    let issued = false;
    const loops = Array.from({ length: 4 }, async () => {
      const seen = { ok: 0, failures: [] as string[], serials: [] as string[] };
      // Bounded: until 20 requests after the issuance finished, at most 5000 requests or 90 s per loop.
      let after = 20;
      const deadline = Date.now() + 90_000;
      while ((!issued || after-- > 0) && seen.ok + seen.failures.length < 5000 && Date.now() < deadline) {
        try {
          const r = await probe();
          if (r.status === 401) seen.ok++;
          else seen.failures.push(`status ${r.status}`);
          if (seen.serials.at(-1) !== r.serial) seen.serials.push(r.serial);
        } catch (e) {
          seen.failures.push((e as Error).message);
        }
      }
      return seen;
    });
    const issue = await host.acme(["issue"]);
    issued = true;
    const results = await Promise.all(loops);
    expect(issue.code, issue.stdout + issue.stderr).toBe(0);
    expect(issue.stdout).toMatch(/registry-acme: changed: Nginx serves serial=[0-9A-F]+ \(reloaded after nginx -t\)/);
    loop = {
      ok: results.reduce((n, r) => n + r.ok, 0),
      failures: results.flatMap((r) => r.failures),
      serials: [...new Set(results.flatMap((r) => r.serials))],
    };
    expect(loop.failures).toEqual([]);
    const after = await servedSerial();
    expect(after).not.toBe(before);
    // The loop saw both certificates: the reload happened while it ran.
    expect(loop.serials.map((s) => s.toUpperCase())).toEqual([before, after]);
    expect(loop.ok).toBeGreaterThan(20);
  });

  it("Pebble's validation fetched the tokens from Nginx's port-80 server, for each name", async () => {
    const log = await readFile(join(root, "log/access.log"), "utf8");
    const fetched = log
      .split("\n")
      .filter((l) => / "GET \/\.well-known\/acme-challenge\/[^ ]+ HTTP\/1\.1" 200 /.test(l));
    expect(fetched.length).toBeGreaterThanOrEqual(2);
  });

  it("Nginx serves the Pebble-issued chain for both names, verified with the Pebble root", async () => {
    const served = await servedSerial();
    expect(await verified(REGISTRY_NAME)).toBe(served);
    expect(await verified(WWW_NAME)).toBe(served);
    const issued = await readFile(join(root, ACME_PATHS.legoDir, `certificates/${REGISTRY_NAME}.crt`), "utf8");
    expect(await readFile(join(root, ACME_PATHS.servedCertificate), "utf8")).toBe(issued);
  });

  it("status says ok; the health check verifies the chain (Pebble root) and passes", async () => {
    expect((await host.acme(["status", "--check"])).stdout).toMatch(
      /^certificate ok: serial=[0-9A-F]+, expires .+ \(\d+ days\); issued\n$/,
    );
    const health = plan.steps.find((s) => s.name === "health-check")!;
    const r = await run("bash", ["-s", "--", "--root", root, "--connect", `127.0.0.1:${ports.https}`,
      "--cacert", rootPath, "--attempts", "5"], { input: health.stdin, env: host.env }); // prettier-ignore
    expect(r.stdout).toContain("health-check: certificate ok:");
    expect(r.stdout).toContain("health-check: /v2/ answers 200 with the credential and 401 with a wrong password");
    expect(r.code).toBe(0);
  });

  it("skopeo pushes and pulls through it, trusting only the Pebble root", async () => {
    const layout = join(work, "oci-src");
    const built = await writeOciImage(layout, { files: { "a.txt": "acme\n" }, created: "2026-01-01T00:00:00Z" }, "v1");
    const certDir = await makeCertDir(rootPath, join(work, "skopeo-certs"));
    const access = { address: `${REGISTRY_NAME}:${ports.https}`, creds: "ci:ci-secret", certDir };
    await pushOciLayout(layout, "v1", access, "team/acme", "v1");
    expect((await inspectRaw(access, "team/acme:v1")).digest).toBe(built.manifest.digest);
    await pullToOciLayout(access, "team/acme:v1", join(work, "oci-dst"), "v1");
    const index = JSON.parse(await readFile(join(work, "oci-dst/index.json"), "utf8"));
    expect(index.manifests[0].digest).toBe(built.manifest.digest);
  });

  it("the issue timer does nothing more once issued", async () => {
    const r = await host.acme(["issue"]);
    expect(r.stdout).toBe(
      `registry-acme: no change: Nginx already serves ${join(root, ACME_PATHS.legoDir)}/certificates/${REGISTRY_NAME}.crt\n`,
    );
    expect(r.code).toBe(0);
  });

  it("a replaced host (empty root volume, same data volume) serves the issued certificate without a new order", async () => {
    const served = await readFile(join(root, ACME_PATHS.servedCertificate), "utf8");
    await rm(join(root, "etc/nginx/tls/acme"), { recursive: true, force: true });
    await rm(join(root, ACME_PATHS.stateDir), { recursive: true, force: true });
    const r = await host.acme(["prepare"]);
    expect(r.stdout).toContain("registry-acme: changed: serving the certificate issued earlier");
    expect(await readFile(join(root, ACME_PATHS.servedCertificate), "utf8")).toBe(served);
    expect((await host.acme(["prepare"])).stdout).toBe("registry-acme: no change\n");
  });
});

describe("renewal", () => {
  it("a forced renewal (lego's renew hook -> deploy) changes the served serial, no failed request", async () => {
    const before = await servedSerial();
    const r = await host.acme(["renew", "--force"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const after = await servedSerial();
    expect(after).not.toBe(before);
    expect(await verified(REGISTRY_NAME)).toBe(after);
  });

  it("renew without --force leaves a fresh certificate alone", async () => {
    const before = await servedSerial();
    const r = await host.acme(["renew"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await servedSerial()).toBe(before);
  });

  it("warns when fewer than WARN_DAYS are left (threshold raised on a copy of the config)", async () => {
    const tool = await host.variant("warn", (conf) => conf.replace("WARN_DAYS='14'", "WARN_DAYS='100000'"));
    const r = await host.acme(["status", "--check"], { tool });
    expect(r.stdout).toMatch(/^WARNING: certificate expires in \d+ days \(.+\); issued\n$/);
  });

  it("a failing renewal (CA unreachable) keeps the served certificate and reports it", async () => {
    const before = await servedSerial();
    await pebble!.stopCa();
    const r = await host.acme(["renew", "--force"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("renewal failed: the served certificate is unchanged");
    expect(await servedSerial()).toBe(before);
    expect(await verified(REGISTRY_NAME)).toBe(before);
    expect((await host.acme(["status", "--check"])).stdout).toMatch(
      /^certificate ok: serial=[0-9A-F]+, expires .+; renewal failed: .+; still serving the certificate valid until .+\n$/,
    );
  });

  it("a failing first issuance keeps the temporary certificate, reports why and backs off", async () => {
    // A new name set (the lego certificate no longer covers it) with the CA still down.
    const tool = await host.variant("new-name", (conf) =>
      conf.replace(`ACME_DOMAINS='${REGISTRY_NAME} ${WWW_NAME}'`, `ACME_DOMAINS='${REGISTRY_NAME} api.${DOMAIN}'`),
    );
    await rm(join(root, ACME_PATHS.stateDir, "status"), { force: true });
    expect((await host.acme(["prepare"], { tool })).stdout).toContain("temporary self-signed certificate");
    const first = await host.acme(["issue"], { tool });
    expect(first.code).toBe(1);
    expect(first.stderr).toContain(
      "issuance failed (attempt 1): Nginx keeps the temporary certificate; retry in 5 min",
    );
    const status = (await host.acme(["status", "--check"], { tool })).stdout;
    expect(status).toMatch(/^certificate pending: .+ \(attempt 1, next in 5 min\)\n$/);
    const again = await host.acme(["issue"], { tool });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/next attempt after .+ \(back-off\)/);
    expect((await probe()).status).toBe(401);
  });

  it("a certificate that fails nginx -t is not reloaded: the previous one is put back", async () => {
    // The back-off test left a temporary certificate served; lego's issued one covers the rendered names.
    const before = await readFile(join(root, ACME_PATHS.servedCertificate), "utf8");
    expect(before).not.toBe(
      await readFile(join(root, ACME_PATHS.legoDir, `certificates/${REGISTRY_NAME}.crt`), "utf8"),
    );
    const failing = join(work, "nginx-fails");
    await mkdir(failing, { recursive: true });
    await writeFile(join(failing, "nginx"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
    const r = await host.acme(["deploy"], { pathFirst: failing });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("nginx -t failed: the previous certificate was put back");
    expect(await readFile(join(root, ACME_PATHS.servedCertificate), "utf8")).toBe(before);
    expect((await host.acme(["status", "--check"])).stdout).toContain("deploy failed: nginx -t refused");
    expect((await probe()).status).toBe(401);
  });
});
