// Certificates for the integration tests: thin wrappers over the one openssl minting helper in tests/fixtures.
import { mkdir } from "node:fs/promises";
import { mintCa as mintCaSync, mintLeaf } from "../../fixtures/certs.js";

export interface CertificateAuthority {
  /** PEM certificate of the CA (give it to clients: `ca.crt`). */
  readonly certPath: string;
  readonly keyPath: string;
}

export interface LeafCertificate {
  readonly certPath: string;
  readonly keyPath: string;
}

/** Mints a self-signed CA (EC P-256, 1 day) with openssl into `dir` (`ca.crt`, `ca.key`). */
export async function mintCa(dir: string, commonName = "Integration Test CA"): Promise<CertificateAuthority> {
  await mkdir(dir, { recursive: true });
  const { certPath, keyPath } = mintCaSync(dir, commonName, 1);
  return { certPath, keyPath };
}

export interface LeafOptions {
  /** Subject alternative names of type IP, e.g. ["127.0.0.1"]. */
  readonly ipSans?: readonly string[];
  /** Subject alternative names of type DNS, e.g. ["registry.test"]. */
  readonly dnsSans?: readonly string[];
  /** File name stem in `dir`; defaults to `server` (`server.crt`, `server.key`). */
  readonly name?: string;
  readonly commonName?: string;
}

/** Mints a server certificate signed by `ca` (EC P-256, 1 day, serverAuth) with the given SANs. */
export async function mintLeafCert(
  dir: string,
  ca: CertificateAuthority,
  opts: LeafOptions = {},
): Promise<LeafCertificate> {
  await mkdir(dir, { recursive: true });
  const { certPath, keyPath } = mintLeaf(dir, ca, {
    name: opts.name ?? "server",
    ipAddresses: [...(opts.ipSans ?? [])],
    dnsNames: [...(opts.dnsSans ?? [])],
    commonName: opts.commonName,
    days: 1,
  });
  return { certPath, keyPath };
}
