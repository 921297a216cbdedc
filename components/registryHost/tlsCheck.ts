import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";

/** The config keys a provided certificate comes from: every problem names one of them. */
export const TLS_CONFIG_KEYS = {
  chain: "tlsCertificateChain",
  key: "tlsPrivateKey",
  minRemainingDays: "tls.minRemainingDays",
} as const;

export interface ProvidedCertificateInput {
  /** PEM chain, leaf first, then each issuer (intermediates; the root is optional). */
  chainPem: string;
  privateKeyPem: string;
  /** Host names the leaf must cover (its subjectAltName; wildcards count), e.g. every `<site>.<domain>`. */
  requiredNames: string[];
  /** The leaf must stay valid at least this many days from `now`. */
  minRemainingDays: number;
  /** Defaults to the current time. */
  now?: Date;
}

export interface CheckedCertificate {
  /** The chain as given, normalized: PEM blocks only, one newline after each. */
  chainPem: string;
  /** The leaf's notAfter, ISO 8601. */
  notAfter: string;
  /** The leaf's subjectAltName entries, e.g. `DNS:docker.example.com`. */
  subjectAltNames: string[];
}

/** Thrown when a provided certificate cannot be used; its message lists every problem. */
export class ProvidedCertificateError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `The provided TLS certificate cannot be used (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ProvidedCertificateError";
  }
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const DAY_MS = 86_400_000;

/** The leaf's validity: already valid, not expired, and at least `minRemainingDays` left. */
function validityProblems(leaf: X509Certificate, now: Date, minRemainingDays: number): string[] {
  const { chain, minRemainingDays: minKey } = TLS_CONFIG_KEYS;
  const problems: string[] = [];
  const notBefore = new Date(leaf.validFrom);
  const notAfter = new Date(leaf.validTo);
  if (now.getTime() < notBefore.getTime()) {
    problems.push(`${chain}: the leaf certificate is not valid before ${notBefore.toISOString()}.`);
  }
  if (now.getTime() >= notAfter.getTime()) {
    problems.push(`${chain}: the leaf certificate expired on ${notAfter.toISOString()}: renew it.`);
  } else {
    const daysLeft = Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
    if (daysLeft < minRemainingDays) {
      problems.push(
        `${chain}: the leaf certificate expires on ${notAfter.toISOString()}, in ${daysLeft} days; ` +
          `${minKey} requires at least ${minRemainingDays}: renew it.`,
      );
    }
  }
  return problems;
}

/**
 * Checks a bought certificate before anything ships: the chain parses and is ordered, the key parses and belongs to
 * the leaf, the leaf covers every required name, is valid now and for at least `minRemainingDays`. Collects every
 * problem, then throws one ProvidedCertificateError; messages never contain key material.
 */
export function checkProvidedCertificate(input: ProvidedCertificateInput): CheckedCertificate {
  const { chain, key: keyName } = TLS_CONFIG_KEYS;
  const problems: string[] = [];
  const now = input.now ?? new Date();

  const blocks = input.chainPem.match(CERT_BLOCK) ?? [];
  const certificates: X509Certificate[] = [];
  if (blocks.length === 0) {
    problems.push(`${chain}: holds no PEM certificate (expected "-----BEGIN CERTIFICATE-----" blocks, leaf first).`);
  }
  blocks.forEach((block, i) => {
    try {
      certificates.push(new X509Certificate(block));
    } catch {
      problems.push(`${chain}: certificate ${i + 1} of ${blocks.length} is not a valid PEM certificate.`);
    }
  });
  const chainParsed = blocks.length > 0 && certificates.length === blocks.length;

  let key: KeyObject | undefined;
  try {
    key = createPrivateKey(input.privateKeyPem);
  } catch {
    problems.push(
      `${keyName}: is not an unencrypted PEM private key (expected "-----BEGIN PRIVATE KEY-----", ` +
        `"-----BEGIN RSA PRIVATE KEY-----" or "-----BEGIN EC PRIVATE KEY-----").`,
    );
  }

  if (!chainParsed) throw new ProvidedCertificateError(problems);
  const leaf = certificates[0]!;

  for (let i = 1; i < certificates.length; i++) {
    if (!certificates[i - 1]!.checkIssued(certificates[i]!)) {
      problems.push(
        `${chain}: certificate ${i + 1} did not issue certificate ${i}: order the chain leaf first, then each issuer.`,
      );
    }
  }

  if (key && !leaf.checkPrivateKey(key)) {
    problems.push(
      `${keyName}: does not belong to the leaf certificate (the first one in ${chain}, ${leaf.subject.replace(/\n/g, ", ")}): set the key issued with it.`,
    );
  }

  const subjectAltNames = (leaf.subjectAltName ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  const missing = input.requiredNames.filter((name) => leaf.checkHost(name, { subject: "never" }) === undefined);
  if (missing.length > 0) {
    problems.push(
      `${chain}: the leaf certificate does not cover ${missing.join(", ")} (its subjectAltName: ` +
        `${subjectAltNames.length > 0 ? subjectAltNames.join(", ") : "none"}).`,
    );
  }

  problems.push(...validityProblems(leaf, now, input.minRemainingDays));

  if (problems.length > 0) throw new ProvidedCertificateError(problems);
  return {
    chainPem: blocks.map((b) => `${b}\n`).join(""),
    notAfter: new Date(leaf.validTo).toISOString(),
    subjectAltNames,
  };
}
