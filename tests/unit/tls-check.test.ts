import { X509Certificate } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import {
  checkProvidedCertificate,
  type ProvidedCertificateInput,
  ProvidedCertificateError,
} from "../../components/registryHost/tlsCheck";
import { mintCa, mintLeaf, type Pem, withTempDir } from "../fixtures/certs";

const SITES = ["docker.example.com", "www.example.com", "admin.example.com"];
const DAY = 86_400_000;

let ca: Pem;
let leaf: Pem;
let other: Pem;
let partial: Pem;
let shortLived: Pem;
let wildcard: Pem;
beforeAll(() =>
  withTempDir((dir) => {
    ca = mintCa(dir, "Unit Test CA", 365);
    leaf = mintLeaf(dir, ca, { name: "leaf", dnsNames: SITES, days: 90 });
    other = mintLeaf(dir, ca, { name: "other", dnsNames: SITES, days: 90 });
    partial = mintLeaf(dir, ca, { name: "partial", dnsNames: ["docker.example.com", "www.example.com"], days: 90 });
    shortLived = mintLeaf(dir, ca, { name: "short", dnsNames: SITES, days: 10 });
    wildcard = mintLeaf(dir, ca, { name: "wildcard", dnsNames: ["*.example.com"], days: 90 });
  }),
);

const input = (over: Partial<ProvidedCertificateInput> = {}): ProvidedCertificateInput => ({
  chainPem: leaf.certPem + ca.certPem,
  privateKeyPem: leaf.keyPem,
  requiredNames: SITES,
  minRemainingDays: 14,
  ...over,
});

/** The problems a check reports (the test fails if it does not throw a ProvidedCertificateError). */
function problemsOf(over: Partial<ProvidedCertificateInput>): string[] {
  try {
    checkProvidedCertificate(input(over));
  } catch (e) {
    expect(e).toBeInstanceOf(ProvidedCertificateError);
    return (e as ProvidedCertificateError).problems;
  }
  throw new Error("expected the check to fail");
}

const notAfterOf = (pem: string) => new Date(new X509Certificate(pem).validTo);

describe("checkProvidedCertificate: a good certificate", () => {
  it("passes and reports the leaf's expiry and names", () => {
    const checked = checkProvidedCertificate(input());
    expect(checked.notAfter).toBe(notAfterOf(leaf.certPem).toISOString());
    expect(checked.subjectAltNames).toEqual(SITES.map((s) => `DNS:${s}`));
    expect(checked.chainPem).toBe(leaf.certPem + ca.certPem);
  });

  it("accepts a wildcard that covers every site, and a chain without the root", () => {
    expect(() =>
      checkProvidedCertificate(input({ chainPem: wildcard.certPem, privateKeyPem: wildcard.keyPem })),
    ).not.toThrow();
  });

  it("normalizes text around the PEM blocks away", () => {
    const checked = checkProvidedCertificate(
      input({ chainPem: `subject=CN=x\n${leaf.certPem}\r\n\n${ca.certPem}junk` }),
    );
    expect(checked.chainPem).toBe(leaf.certPem + ca.certPem);
  });
});

describe("checkProvidedCertificate: problems, each naming its config key", () => {
  it("a key that belongs to another certificate", () => {
    expect(problemsOf({ privateKeyPem: other.keyPem })).toEqual([
      "tlsPrivateKey: does not belong to the leaf certificate (the first one in tlsCertificateChain, " +
        "CN=docker.example.com): set the key issued with it.",
    ]);
  });

  it("a missing site name", () => {
    expect(problemsOf({ chainPem: partial.certPem + ca.certPem, privateKeyPem: partial.keyPem })).toEqual([
      "tlsCertificateChain: the leaf certificate does not cover admin.example.com " +
        "(its subjectAltName: DNS:docker.example.com, DNS:www.example.com).",
    ]);
  });

  it("a name only in the subject CN does not count (SAN only)", () => {
    expect(problemsOf({ requiredNames: ["docker.example.com", "api.example.com"] })).toEqual([
      "tlsCertificateChain: the leaf certificate does not cover api.example.com " +
        "(its subjectAltName: DNS:docker.example.com, DNS:www.example.com, DNS:admin.example.com).",
    ]);
  });

  it("an expired certificate", () => {
    const notAfter = notAfterOf(leaf.certPem);
    expect(problemsOf({ now: new Date(notAfter.getTime() + DAY) })).toEqual([
      `tlsCertificateChain: the leaf certificate expired on ${notAfter.toISOString()}: renew it.`,
    ]);
  });

  it("too few days left", () => {
    const notAfter = notAfterOf(shortLived.certPem);
    const now = new Date(notAfter.getTime() - 9.5 * DAY);
    expect(problemsOf({ chainPem: shortLived.certPem, privateKeyPem: shortLived.keyPem, now })).toEqual([
      `tlsCertificateChain: the leaf certificate expires on ${notAfter.toISOString()}, in 9 days; ` +
        "tls.minRemainingDays requires at least 14: renew it.",
    ]);
    expect(() =>
      checkProvidedCertificate(
        input({ chainPem: shortLived.certPem, privateKeyPem: shortLived.keyPem, now, minRemainingDays: 9 }),
      ),
    ).not.toThrow();
  });

  it("a certificate not valid yet", () => {
    const notBefore = new Date(new X509Certificate(leaf.certPem).validFrom);
    expect(problemsOf({ now: new Date(notBefore.getTime() - DAY) })).toEqual([
      `tlsCertificateChain: the leaf certificate is not valid before ${notBefore.toISOString()}.`,
    ]);
  });

  it("garbage instead of a chain", () => {
    expect(problemsOf({ chainPem: "not a certificate" })).toEqual([
      'tlsCertificateChain: holds no PEM certificate (expected "-----BEGIN CERTIFICATE-----" blocks, leaf first).',
    ]);
  });

  it("a PEM block that is not a certificate", () => {
    const broken = "-----BEGIN CERTIFICATE-----\nZ2FyYmFnZQ==\n-----END CERTIFICATE-----\n";
    expect(problemsOf({ chainPem: leaf.certPem + broken })).toEqual([
      "tlsCertificateChain: certificate 2 of 2 is not a valid PEM certificate.",
    ]);
  });

  it("garbage instead of a key", () => {
    expect(
      problemsOf({ privateKeyPem: "-----BEGIN PRIVATE KEY-----\nZ2FyYmFnZQ==\n-----END PRIVATE KEY-----\n" }),
    ).toEqual([
      'tlsPrivateKey: is not an unencrypted PEM private key (expected "-----BEGIN PRIVATE KEY-----", ' +
        '"-----BEGIN RSA PRIVATE KEY-----" or "-----BEGIN EC PRIVATE KEY-----").',
    ]);
  });

  it("garbage chain and garbage key are both reported at once", () => {
    expect(problemsOf({ chainPem: "", privateKeyPem: "" })).toHaveLength(2);
  });

  it("a chain in the wrong order", () => {
    expect(problemsOf({ chainPem: ca.certPem + leaf.certPem })).toContain(
      "tlsCertificateChain: certificate 2 did not issue certificate 1: order the chain leaf first, then each issuer.",
    );
  });

  it("lists every problem in one error message and never includes key material", () => {
    const notAfter = notAfterOf(partial.certPem);
    let message = "";
    try {
      checkProvidedCertificate(
        input({ chainPem: partial.certPem, privateKeyPem: other.keyPem, now: new Date(notAfter.getTime() + DAY) }),
      );
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.split("\n")).toEqual([
      "The provided TLS certificate cannot be used (3 problems):",
      expect.stringMatching(/^ {2}- tlsPrivateKey: does not belong/),
      expect.stringMatching(/^ {2}- tlsCertificateChain: the leaf certificate does not cover admin\.example\.com/),
      expect.stringMatching(/^ {2}- tlsCertificateChain: the leaf certificate expired on/),
    ]);
    for (const line of other.keyPem.split("\n").slice(1, -2)) expect(message).not.toContain(line);
  });
});
