// CA trust on real files in a temp directory, with real certificates minted by openssl and the registry played by a
// real TLS server on loopback (the tool checks that the CA signs what the stack's registry serves).
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
  existsSync,
} from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type Server } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidCaCertificateError, validateCaPem } from "../../scripts/trust-ca/certificate.js";
import { parseTrustArgs, runTrustCa, type TrustDeps } from "../../scripts/trust-ca/run.js";
import { checkServedLeaf, defaultCheckDeps } from "../../scripts/trust-ca/registry-check.js";
import { registryCertDirName, TrustInputError, trustRegistryCa } from "../../scripts/trust-ca/trust.js";
import type { DeployWorkspace } from "../../scripts/deploy/types.js";

let work: string;
let caPem: string;
let otherCaPem: string;
let leafPem: string;
let keyPem: string;
let rotatedLeafPem: string;
let strangerLeafPem: string;
const NOW = new Date();
/** The stack's registry host (`hostPublicIp`): loopback, where the test registry listens. */
const HOST_IP = "127.0.0.1";
let ADDRESS: string;
let registry: Server;

function openssl(args: string[]) {
  execFileSync("openssl", args, { cwd: work, stdio: ["ignore", "ignore", "pipe"] });
}

function mintCa(name: string): string {
  openssl([
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", `/CN=${name}`,
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    "-keyout", `${name}.key`, "-out", `${name}.crt`,
  ]); // prettier-ignore
  return readFileSync(join(work, `${name}.crt`), "utf8");
}

/** A registry leaf for 127.0.0.1 and localhost, signed by the CA `caName`. */
function mintLeaf(name: string, caName: string): string {
  openssl([
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    `/CN=${name}`,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
  ]);
  writeFileSync(
    join(work, `${name}.ext`),
    "basicConstraints=critical,CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
  );
  openssl([
    "x509", "-req", "-in", `${name}.csr`, "-CA", `${caName}.crt`, "-CAkey", `${caName}.key`,
    "-CAcreateserial", "-days", "30", "-extfile", `${name}.ext`, "-out", `${name}.crt`,
  ]); // prettier-ignore
  return readFileSync(join(work, `${name}.crt`), "utf8");
}

/** What the test registry serves from now on. */
function serve(leafName: string) {
  registry.setSecureContext({
    cert: readFileSync(join(work, `${leafName}.crt`)),
    key: readFileSync(join(work, `${leafName}.key`)),
  });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "trust-ca-"));
  caPem = mintCa("dev-registry-ca");
  otherCaPem = mintCa("rotated-registry-ca");
  mintCa("stranger-ca");
  mintLeaf("registry-leaf", "dev-registry-ca");
  rotatedLeafPem = mintLeaf("rotated-leaf", "rotated-registry-ca");
  strangerLeafPem = mintLeaf("stranger-leaf", "stranger-ca");
  // A leaf signed by the CA: what the registry serves, never what clients should trust as a CA.
  openssl([
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=203.0.113.7",
    "-keyout",
    "leaf.key",
    "-out",
    "leaf.csr",
  ]);
  writeFileSync(join(work, "leaf.ext"), "basicConstraints=critical,CA:FALSE\nsubjectAltName=IP:203.0.113.7\n");
  openssl([
    "x509", "-req", "-in", "leaf.csr", "-CA", "dev-registry-ca.crt", "-CAkey", "dev-registry-ca.key",
    "-CAcreateserial", "-days", "30", "-extfile", "leaf.ext", "-out", "leaf.crt",
  ]); // prettier-ignore
  leafPem = readFileSync(join(work, "leaf.crt"), "utf8");
  keyPem = readFileSync(join(work, "leaf.key"), "utf8");
  registry = createServer({
    cert: readFileSync(join(work, "registry-leaf.crt")),
    key: readFileSync(join(work, "registry-leaf.key")),
  });
  registry.on("tlsClientError", () => {});
  await new Promise<void>((done) => registry.listen(0, HOST_IP, done));
  ADDRESS = `${HOST_IP}:${(registry.address() as AddressInfo).port}`;
});
afterAll(async () => {
  if (registry) await new Promise((done) => registry.close(done));
  rmSync(work, { recursive: true, force: true });
});

function freshCertsDir(): string {
  return mkdtempSync(join(work, "certs.d-"));
}

describe("validateCaPem", () => {
  it("accepts the openssl CA and reports its subject and expiry", () => {
    const info = validateCaPem(caPem, NOW);
    expect(info.subject).toContain("CN=dev-registry-ca");
    expect(info.validTo.getTime()).toBeGreaterThan(NOW.getTime());
    expect(info.pem.endsWith("-----END CERTIFICATE-----\n")).toBe(true);
  });

  it("refuses a leaf certificate (not a CA)", () => {
    expect(() => validateCaPem(leafPem, NOW)).toThrow(InvalidCaCertificateError);
    expect(() => validateCaPem(leafPem, NOW)).toThrow(/not a CA certificate/);
  });

  it("refuses malformed PEM", () => {
    expect(() => validateCaPem("hello", NOW)).toThrow(/malformed PEM: no '-----BEGIN CERTIFICATE-----' block/);
    const corrupted = caPem.replace(/^(-----BEGIN CERTIFICATE-----\n)(.{20})/, "$1AAAAAAAAAAAAAAAAAAAA");
    expect(() => validateCaPem(corrupted, NOW)).toThrow(/malformed PEM: the certificate does not parse/);
  });

  it("refuses an expired CA", () => {
    const later = new Date(NOW.getTime() + 60 * 24 * 3600 * 1000);
    expect(() => validateCaPem(caPem, later)).toThrow(/expired/);
  });

  it("refuses a PEM carrying a private key or several certificates", () => {
    expect(() => validateCaPem(caPem + keyPem, NOW)).toThrow(/private key/);
    expect(() => validateCaPem(caPem + otherCaPem, NOW)).toThrow(/found 2 certificates/);
  });
});

describe("registryCertDirName", () => {
  it("keeps host:port (Docker's certs.d naming) and refuses anything that is not an address", () => {
    expect(registryCertDirName("203.0.113.7:5000")).toBe("203.0.113.7:5000");
    expect(registryCertDirName("docker.example.com")).toBe("docker.example.com");
    for (const bad of ["../../etc", "a/b:5000", "host:99999", "", "host name:1"]) {
      expect(() => registryCertDirName(bad)).toThrow(TrustInputError);
    }
  });
});

describe("trustRegistryCa on real files", () => {
  it("writes <certs>/<host>:<port>/ca.crt 0644 in a 0755 dir, then leaves an identical file alone", async () => {
    const certsDir = freshCertsDir();
    const outputs = { registryAddress: ADDRESS, hostPublicIp: HOST_IP, registryCaCertificatePem: caPem };
    const first = await trustRegistryCa({ outputs, certsDir, now: NOW });
    const path = join(certsDir, ADDRESS, "ca.crt");
    expect(first).toMatchObject({ status: "created", path });
    expect(readFileSync(path, "utf8")).toBe(caPem.endsWith("\n") ? caPem : `${caPem}\n`);
    expect(statSync(path).mode & 0o777).toBe(0o644);
    expect(statSync(join(certsDir, ADDRESS)).mode & 0o777).toBe(0o755);

    // Backdate the file: a rewrite would move the mtime (and the inode, with the atomic rename).
    const old = new Date("2001-02-03T04:05:06Z");
    utimesSync(path, old, old);
    const inode = statSync(path).ino;
    const second = await trustRegistryCa({ outputs, certsDir, now: NOW });
    expect(second.status).toBe("already-trusted");
    expect(statSync(path).mtime.getTime()).toBe(old.getTime());
    expect(statSync(path).ino).toBe(inode);
  });

  it("creates 0755 directories and a 0644 file even under a restrictive umask", async () => {
    const certsDir = join(freshCertsDir(), "etc", "docker", "certs.d");
    const previous = process.umask(0o077);
    try {
      await trustRegistryCa({
        outputs: { registryAddress: ADDRESS, hostPublicIp: HOST_IP, registryCaCertificatePem: caPem },
        certsDir,
        now: NOW,
      });
    } finally {
      process.umask(previous);
    }
    for (const dir of [join(certsDir, "..", ".."), join(certsDir, ".."), certsDir, join(certsDir, ADDRESS)]) {
      expect(statSync(dir).mode & 0o777, dir).toBe(0o755);
    }
    expect(statSync(join(certsDir, ADDRESS, "ca.crt")).mode & 0o777).toBe(0o644);
  });

  it("replaces a different (rotated) CA", async () => {
    const certsDir = freshCertsDir();
    await trustRegistryCa({
      outputs: { registryAddress: ADDRESS, hostPublicIp: HOST_IP, registryCaCertificatePem: caPem },
      certsDir,
      now: NOW,
    });
    serve("rotated-leaf");
    const rotated = await trustRegistryCa({
      outputs: { registryAddress: ADDRESS, hostPublicIp: HOST_IP, registryCaCertificatePem: otherCaPem },
      certsDir,
      now: NOW,
    }).finally(() => serve("registry-leaf"));
    expect(rotated.status).toBe("updated");
    expect(readFileSync(join(certsDir, ADDRESS, "ca.crt"), "utf8")).toContain(otherCaPem.trim());
  });

  it("refuses an address that is not the stack's registry host (e.g. Docker Hub's) and writes nothing", async () => {
    const certsDir = freshCertsDir();
    for (const registryAddress of ["registry-1.docker.io", "203.0.113.9:5000"]) {
      await expect(
        trustRegistryCa({
          outputs: { registryAddress, hostPublicIp: HOST_IP, registryCaCertificatePem: caPem },
          certsDir,
          now: NOW,
          checks: {
            resolve: async () => ["198.51.100.1"],
            servedCertificate: async () => {
              throw new Error("must not connect anywhere for a foreign address");
            },
          },
        }),
      ).rejects.toThrow(/refusing: registryAddress .* (is not the stack's registry host|resolves to 198\.51\.100\.1)/);
    }
    await expect(
      trustRegistryCa({ outputs: { registryAddress: ADDRESS, registryCaCertificatePem: caPem }, certsDir, now: NOW }),
    ).rejects.toThrow(/no hostPublicIp/);
    expect(readdirSync(certsDir)).toEqual([]);
  });

  it("accepts a DNS name that resolves to the stack's host and checks the certificate served for that name", async () => {
    const certsDir = freshCertsDir();
    const port = ADDRESS.split(":")[1];
    const result = await trustRegistryCa({
      outputs: { registryAddress: `localhost:${port}`, hostPublicIp: HOST_IP, registryCaCertificatePem: caPem },
      certsDir,
      now: NOW,
      checks: { ...defaultCheckDeps, resolve: async () => [HOST_IP] },
    });
    expect(result.status).toBe("created");
  });

  it("refuses a CA that did not sign the certificate the registry serves, and writes nothing", async () => {
    const certsDir = freshCertsDir();
    serve("stranger-leaf");
    try {
      await expect(
        trustRegistryCa({
          outputs: { registryAddress: ADDRESS, hostPublicIp: HOST_IP, registryCaCertificatePem: caPem },
          certsDir,
          now: NOW,
        }),
      ).rejects.toThrow(/refusing: the registry at 127\.0\.0\.1:\d+ serves a certificate .* did not sign/);
    } finally {
      serve("registry-leaf");
    }
    expect(readdirSync(certsDir)).toEqual([]);
    // The same served leaf checked directly: issued by the stranger CA, not by ours.
    const endpoint = { host: HOST_IP, port: 443, connectTo: HOST_IP };
    expect(() =>
      checkServedLeaf(new X509Certificate(strangerLeafPem), new X509Certificate(caPem), endpoint, NOW),
    ).toThrow(TrustInputError);
    expect(() =>
      checkServedLeaf(new X509Certificate(rotatedLeafPem), new X509Certificate(otherCaPem), endpoint, NOW),
    ).not.toThrow();
  });

  it("refuses a leaf that does not cover the address", () => {
    const endpoint = { host: "203.0.113.9", port: 443, connectTo: "203.0.113.9" };
    expect(() =>
      checkServedLeaf(new X509Certificate(rotatedLeafPem), new X509Certificate(otherCaPem), endpoint, NOW),
    ).toThrow(/not valid for 203\.0\.113\.9/);
  });

  it("fails with a clear error when nothing answers at the registry address", async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, HOST_IP, done));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((done) => closed.close(done));
    await expect(
      trustRegistryCa({
        outputs: { registryAddress: `${HOST_IP}:${port}`, hostPublicIp: HOST_IP, registryCaCertificatePem: caPem },
        certsDir: freshCertsDir(),
        now: NOW,
      }),
    ).rejects.toThrow(/cannot check the registry's certificate at 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
  });

  it("does nothing for a stack with a public CA (no CA output)", async () => {
    const certsDir = freshCertsDir();
    const result = await trustRegistryCa({ outputs: { registryAddress: "docker.example.com" }, certsDir, now: NOW });
    expect(result.status).toBe("public-ca");
    expect(existsSync(join(certsDir, "docker.example.com"))).toBe(false);
  });

  it("refuses a leaf and writes nothing", async () => {
    const certsDir = freshCertsDir();
    await expect(
      trustRegistryCa({
        outputs: { registryAddress: ADDRESS, hostPublicIp: HOST_IP, registryCaCertificatePem: leafPem },
        certsDir,
        now: NOW,
      }),
    ).rejects.toThrow(/not a CA certificate/);
    expect(existsSync(join(certsDir, ADDRESS))).toBe(false);
  });
});

describe("runTrustCa (the CLI's logic) with --outputs-json", () => {
  function deps(): TrustDeps & { out: string; err: string } {
    const d = {
      out: "",
      err: "",
      workspace: (): DeployWorkspace => {
        throw new Error("the workspace must not be used with --outputs-json");
      },
      stdout: (t: string) => void (d.out += t),
      stderr: (t: string) => void (d.err += t),
      now: NOW,
    };
    return d;
  }
  function outputsFile(name: string, outputs: unknown): string {
    const path = join(work, name);
    writeFileSync(path, JSON.stringify(outputs));
    return path;
  }

  it("trusts, then says 'already trusted' on the second run (exit 0 both times)", async () => {
    const certsDir = freshCertsDir();
    const file = outputsFile("dev.json", {
      registryAddress: ADDRESS,
      hostPublicIp: HOST_IP,
      registryCaCertificatePem: caPem,
      pw: "[secret]",
    });
    const args = parseTrustArgs(["--outputs-json", file, "--certs-dir", certsDir])!;
    const first = deps();
    expect(await runTrustCa(args, first)).toBe(0);
    expect(first.out).toMatch(new RegExp(`^trusted: .*${ADDRESS.replaceAll(".", "\\.")}/ca\\.crt`));
    const second = deps();
    expect(await runTrustCa(args, second)).toBe(0);
    expect(second.out).toMatch(/^already trusted: /);
  });

  it("refuses malformed PEM with exit 2 and a clear message", async () => {
    const certsDir = freshCertsDir();
    const file = outputsFile("bad.json", {
      registryAddress: ADDRESS,
      hostPublicIp: HOST_IP,
      registryCaCertificatePem: "-----BEGIN CERT",
    });
    const d = deps();
    expect(await runTrustCa(parseTrustArgs(["--outputs-json", file, "--certs-dir", certsDir])!, d)).toBe(2);
    expect(d.err).toMatch(/^error: malformed PEM/);
    expect(existsSync(join(certsDir, ADDRESS))).toBe(false);
  });

  it("refuses a leaf with exit 2", async () => {
    const file = outputsFile("leaf.json", {
      registryAddress: ADDRESS,
      hostPublicIp: HOST_IP,
      registryCaCertificatePem: leafPem,
    });
    const d = deps();
    expect(await runTrustCa(parseTrustArgs(["--outputs-json", file, "--certs-dir", freshCertsDir()])!, d)).toBe(2);
    expect(d.err).toContain("not a CA certificate");
  });

  it("says so and exits 0 for a public-CA stack", async () => {
    const file = outputsFile("prod.json", { registryAddress: "docker.example.com" });
    const d = deps();
    expect(await runTrustCa(parseTrustArgs(["--outputs-json", file, "--certs-dir", freshCertsDir()])!, d)).toBe(0);
    expect(d.out).toContain("public CA");
  });

  it("a masked CA output is exit 2 pointing at --stack", async () => {
    const file = outputsFile("masked.json", {
      registryAddress: ADDRESS,
      hostPublicIp: HOST_IP,
      registryCaCertificatePem: "[secret]",
    });
    const d = deps();
    expect(await runTrustCa(parseTrustArgs(["--outputs-json", file, "--certs-dir", freshCertsDir()])!, d)).toBe(2);
    expect(d.err).toContain("--stack");
  });

  it("reads the outputs through the deploy workspace with --stack", async () => {
    const certsDir = freshCertsDir();
    const opened: string[] = [];
    const d = deps();
    d.workspace = () => ({
      ensureCli: async () => {},
      openStack: async (name: string, opts: { create: boolean }) => {
        opened.push(`${name}:${opts.create}`);
        return {
          outputs: async () => ({
            registryAddress: { value: ADDRESS, secret: false },
            hostPublicIp: { value: HOST_IP, secret: false },
            registryCaCertificatePem: { value: caPem, secret: false },
          }),
        } as never;
      },
    });
    expect(await runTrustCa(parseTrustArgs(["--stack", "dev", "--certs-dir", certsDir])!, d)).toBe(0);
    expect(opened).toEqual(["dev:false"]);
    expect(existsSync(join(certsDir, ADDRESS, "ca.crt"))).toBe(true);
  });

  it("needs exactly one source", () => {
    expect(() => parseTrustArgs([])).toThrow(/exactly one of --stack or --outputs-json/);
    expect(() => parseTrustArgs(["--stack", "dev", "--outputs-json", "x.json"])).toThrow(/exactly one/);
  });
});
