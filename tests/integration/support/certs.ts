import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runOk } from "./exec.js";

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
  const keyPath = join(dir, "ca.key");
  const certPath = join(dir, "ca.crt");
  await runOk("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    keyPath,
    "-out",
    certPath,
    "-days",
    "1",
    "-subj",
    `/CN=${commonName}`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
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
  const name = opts.name ?? "server";
  const keyPath = join(dir, `${name}.key`);
  const csrPath = join(dir, `${name}.csr`);
  const certPath = join(dir, `${name}.crt`);
  const extPath = join(dir, `${name}.ext`);
  const sans = [...(opts.ipSans ?? []).map((ip) => `IP:${ip}`), ...(opts.dnsSans ?? []).map((d) => `DNS:${d}`)];
  if (sans.length === 0) throw new Error("mintLeafCert needs at least one ipSans or dnsSans entry");
  await writeFile(
    extPath,
    `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${sans.join(",")}\n`,
  );
  await runOk("openssl", [
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    keyPath,
    "-out",
    csrPath,
    "-subj",
    `/CN=${opts.commonName ?? sans[0]!.replace(/^\w+:/, "")}`,
  ]);
  await runOk("openssl", [
    "x509",
    "-req",
    "-in",
    csrPath,
    "-CA",
    ca.certPath,
    "-CAkey",
    ca.keyPath,
    "-CAcreateserial",
    "-out",
    certPath,
    "-days",
    "1",
    "-extfile",
    extPath,
  ]);
  return { certPath, keyPath };
}
