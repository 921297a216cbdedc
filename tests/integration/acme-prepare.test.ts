// registry-acme as shipped (runs as root from timers): what its command line accepts, and what it trusts from the data
// volume. Real openssl and nginx -t on the rendered prod files under a test root; no CA needed.
import { copyFile, mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ACME_PATHS, renderProvisionPlan, type HostRenderInput } from "../../components/registryHost/render/index.js";
import { fileAt, writeHostFiles } from "./support/host-files.js";
import { sampleInput } from "./support/host-input.js";
import { writeNginxTree } from "./support/host-nginx.js";
import { acmeHost, type AcmeHost } from "./support/acme-host.js";
import { freePort, makeServiceTempDir, mintCa, mintLeafCert, removeDir, run } from "./support/index.js";

const DOMAIN = "example.test";
const NAMES = [`docker.${DOMAIN}`, `www.${DOMAIN}`];

let work: string;
let root: string;
let host: AcmeHost;
let shipped: string;
let issuedCert: string;
let issuedKey: string;
let good: { certPath: string; keyPath: string };
let other: { certPath: string; keyPath: string };

const served = () => readFile(join(root, ACME_PATHS.servedCertificate), "utf8");
const servedKey = () => readFile(join(root, ACME_PATHS.servedKey), "utf8");

/** Puts `pair` where lego keeps the issued certificate (regular files). */
async function issue(pair: { certPath: string; keyPath: string }): Promise<void> {
  await rm(join(root, ACME_PATHS.legoDir, "certificates"), { recursive: true, force: true });
  await mkdir(join(root, ACME_PATHS.legoDir, "certificates"), { recursive: true });
  await copyFile(pair.certPath, issuedCert);
  await copyFile(pair.keyPath, issuedKey);
}

beforeAll(async () => {
  work = await makeServiceTempDir("acme-prepare-");
  root = join(work, "root");
  const { tls: _shipped, ...prod } = sampleInput("prod", { domain: DOMAIN, sites: { docker: "registry", www: 8080 } });
  const input: HostRenderInput = {
    ...prod,
    acme: { email: "ops@example.org", directoryUrl: "https://acme.invalid/dir", challenge: "http-01" },
  };
  const plan = renderProvisionPlan(input);
  shipped = join(work, "registry-acme.shipped");
  await writeFile(shipped, fileAt(plan.files, ACME_PATHS.command).content, { mode: 0o755 });
  const ports = { http: await freePort(), https: await freePort() };
  await writeHostFiles(
    root,
    plan.files.filter((f) => !f.path.startsWith("/etc/nginx/")),
  );
  const conf = await writeNginxTree(root, plan.files, plan.links ?? [], ports);
  host = await acmeHost(root, conf, join(work, "bin"), {});
  issuedCert = join(root, ACME_PATHS.legoDir, `certificates/${NAMES[0]}.crt`);
  issuedKey = join(root, ACME_PATHS.legoDir, `certificates/${NAMES[0]}.key`);
  const ca = await mintCa(join(work, "ca"));
  good = await mintLeafCert(join(work, "good"), ca, { dnsSans: NAMES });
  other = await mintLeafCert(join(work, "other"), ca, { dnsSans: NAMES });
}, 120_000);

afterAll(async () => {
  await removeDir(work);
});

describe("the shipped tool's command line", () => {
  it("has no option that sources a file, runs a program or moves its paths", async () => {
    const text = await readFile(shipped, "utf8");
    for (const option of ["--config", "--root", "--lego", "--lego-option", "--nginx", "--systemctl"]) {
      expect(text).not.toMatch(new RegExp(`^\\s*${option}\\)`, "m"));
    }
    expect(text).toContain(`\nreadonly CONFIG=${ACME_PATHS.config}\n`);
  });

  it("refuses unknown options before it reads any file or runs anything", async () => {
    // Each would leave a marker if the tool sourced the file or ran the program it was given.
    const marker = join(work, "marker");
    const evil = join(work, "evil");
    await writeFile(evil, `#!/bin/sh\ntouch ${JSON.stringify(marker)}\n`, { mode: 0o755 });
    const cases = [
      ["--config", evil, "status"],
      ["--lego", evil, "issue"],
      ["--nginx", evil, "deploy"],
      ["--systemctl", evil, "prepare"],
      ["--root", work, "status"],
      ["status", "--config", evil],
      ["issue", "--lego", evil],
      ["renew", "--force", "--nginx", evil],
      ["status", "--bogus"],
      ["prepare", "--now"],
    ];
    for (const args of cases) {
      const r = await run(shipped, args);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr, args.join(" ")).toMatch(/^registry-acme: ERROR: unknown option/);
      expect(r.stdout).toBe("");
    }
    const unknown = await run(shipped, ["frobnicate"]);
    expect(unknown.stderr).toMatch(/^registry-acme: ERROR: unknown command frobnicate/);
    expect(existsSync(marker)).toBe(false);
  });
});

describe("what prepare and deploy take from the data volume", () => {
  beforeEach(async () => {
    // The last good pair: the issued certificate, served.
    await issue(good);
    const r = await host.acme(["prepare"]);
    expect(r.code, r.stderr).toBe(0);
    expect(await served()).toBe(await readFile(good.certPath, "utf8"));
    expect(await servedKey()).toBe(await readFile(good.keyPath, "utf8"));
  });

  const keepsTheGoodPair = async () => {
    expect(await served()).toBe(await readFile(good.certPath, "utf8"));
    expect(await servedKey()).toBe(await readFile(good.keyPath, "utf8"));
  };

  it("a key that is not the certificate's is refused (openssl: public keys differ); the good pair stays", async () => {
    await issue({ certPath: other.certPath, keyPath: good.keyPath });
    const prepared = await host.acme(["prepare"]);
    expect(prepared.code).toBe(0);
    expect(prepared.stderr).toContain(
      `WARNING: refused the issued certificate: ${issuedKey} is not the private key of ${issuedCert}`,
    );
    expect(prepared.stdout).toBe("registry-acme: no change\n");
    await keepsTheGoodPair();
    const deployed = await host.acme(["deploy"]);
    expect(deployed.code).toBe(1);
    expect(deployed.stderr).toContain("refused the issued certificate");
    await keepsTheGoodPair();
    expect((await host.acme(["status", "--check"])).stdout).toContain(
      `refused the issued certificate: ${issuedKey} is not the private key of ${issuedCert}`,
    );
  });

  it("a symbolic link for the certificate is refused, even to a valid matching certificate", async () => {
    await issue(other);
    await rm(issuedCert);
    await symlink(other.certPath, issuedCert);
    for (const command of ["prepare", "deploy", "issue", "renew"]) {
      const r = await host.acme([command]);
      expect(r.stderr, command).toContain(`refused the issued certificate: ${issuedCert} is a symbolic link`);
      await keepsTheGoodPair();
    }
  });

  it("a symbolic link for the key is refused", async () => {
    await issue(other);
    await rm(issuedKey);
    await symlink(other.keyPath, issuedKey);
    const r = await host.acme(["prepare"]);
    expect(r.stderr).toContain(`refused the issued certificate: ${issuedKey} is a symbolic link`);
    await keepsTheGoodPair();
  });

  it("a symbolic link for lego's certificates directory is refused", async () => {
    const elsewhere = join(work, "elsewhere");
    await rm(elsewhere, { recursive: true, force: true });
    await mkdir(elsewhere);
    await copyFile(other.certPath, join(elsewhere, `${NAMES[0]}.crt`));
    await copyFile(other.keyPath, join(elsewhere, `${NAMES[0]}.key`));
    await rm(join(root, ACME_PATHS.legoDir, "certificates"), { recursive: true });
    await symlink(elsewhere, join(root, ACME_PATHS.legoDir, "certificates"));
    const r = await host.acme(["deploy"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("certificates is a symbolic link");
    await keepsTheGoodPair();
  });

  it("a key that is not a regular file is refused", async () => {
    await rm(issuedKey);
    await mkdir(issuedKey);
    const r = await host.acme(["prepare"]);
    expect(r.stderr).toContain(`refused the issued certificate: ${issuedKey} is not a regular file`);
    await keepsTheGoodPair();
  });

  it("a replaced host (no served pair) with a refused pair on the volume serves a temporary certificate", async () => {
    await issue({ certPath: other.certPath, keyPath: good.keyPath });
    await rm(join(root, "etc/nginx/tls/acme"), { recursive: true });
    const r = await host.acme(["prepare"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("serving a temporary self-signed certificate");
    expect(await served()).toContain("-----BEGIN CERTIFICATE-----");
    expect(await served()).not.toBe(await readFile(other.certPath, "utf8"));
    const subject = await run("openssl", [
      "x509",
      "-noout",
      "-subject",
      "-in",
      join(root, ACME_PATHS.servedCertificate),
    ]);
    expect(subject.stdout).toContain("registry-acme temporary certificate");
  });

  it("a matching pair is installed by deploy after nginx -t", async () => {
    await issue(other);
    const r = await host.acme(["deploy"]);
    expect(r.code, r.stderr).toBe(0);
    expect(await served()).toBe(await readFile(other.certPath, "utf8"));
    expect(await servedKey()).toBe(await readFile(other.keyPath, "utf8"));
  });
});
