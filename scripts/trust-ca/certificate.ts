import { X509Certificate } from "node:crypto";

/** Why a PEM cannot be installed as a registry CA; the CLI exits 2 with this message. */
export class InvalidCaCertificateError extends Error {
  override name = "InvalidCaCertificateError";
}

export interface CaCertificateInfo {
  subject: string;
  validTo: Date;
  fingerprint256: string;
  /** The PEM exactly as it will be written (one certificate, trailing newline). */
  pem: string;
  /** Set when the certificate is not valid yet (clock skew on a fresh stack): a warning, not a refusal. */
  notYetValid: boolean;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+?-----END CERTIFICATE-----/g;

/**
 * Checks that `pem` is something a Docker client can use as `ca.crt`: exactly one parsable X.509 certificate,
 * marked as a CA (basicConstraints CA:TRUE), not expired, and no private key material next to it.
 */
export function validateCaPem(pem: string, now: Date): CaCertificateInfo {
  if (/PRIVATE KEY-----/.test(pem)) {
    throw new InvalidCaCertificateError(
      "refusing: the PEM contains a private key; only the CA certificate belongs in ca.crt",
    );
  }
  const blocks: string[] = pem.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) {
    throw new InvalidCaCertificateError("malformed PEM: no '-----BEGIN CERTIFICATE-----' block found");
  }
  if (blocks.length > 1) {
    throw new InvalidCaCertificateError(`expected one CA certificate, found ${blocks.length} certificates in the PEM`);
  }
  const block = (blocks[0] ?? "").replace(/\r\n/g, "\n");
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(block);
  } catch (err) {
    throw new InvalidCaCertificateError(`malformed PEM: the certificate does not parse (${(err as Error).message})`);
  }
  if (!cert.ca) {
    throw new InvalidCaCertificateError(
      `not a CA certificate (no basicConstraints CA:TRUE): ${cert.subject.replace(/\n/g, ", ")}; ` +
        "registryCaCertificatePem must be the CA that signed the registry's certificate, not a leaf",
    );
  }
  const validTo = new Date(cert.validTo);
  if (!(validTo.getTime() > now.getTime())) {
    throw new InvalidCaCertificateError(
      `the CA certificate expired on ${validTo.toISOString()}; renew it (pulumi up on the stack) before trusting it`,
    );
  }
  return {
    subject: cert.subject.replace(/\n/g, ", "),
    validTo,
    fingerprint256: cert.fingerprint256,
    pem: block.endsWith("\n") ? block : `${block}\n`,
    notYetValid: new Date(cert.validFrom).getTime() > now.getTime(),
  };
}
