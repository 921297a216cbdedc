import { chmod, mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { X509Certificate } from "node:crypto";
import { validateCaPem, type CaCertificateInfo } from "./certificate.js";
import { TrustInputError } from "./errors.js";
import {
  bindToStackHost,
  checkServedLeaf,
  type CheckDeps,
  defaultCheckDeps,
  HOST_IP_OUTPUT,
} from "./registry-check.js";

export { TrustInputError };

/** Where Docker clients look for a registry's CA: `<certsDir>/<host>:<port>/ca.crt`. */
export const DEFAULT_CERTS_DIR = "/etc/docker/certs.d";

/** The stack outputs this tool reads (docs/CONTRACTS.md). */
export const ADDRESS_OUTPUT = "registryAddress";
export const CA_OUTPUT = "registryCaCertificatePem";
export const SECRET_PLACEHOLDER = "[secret]";

export type TrustStatus = "created" | "updated" | "already-trusted" | "public-ca";

export interface TrustResult {
  status: TrustStatus;
  /** The ca.crt path (absent for a public CA). */
  path?: string;
  certificate?: CaCertificateInfo;
}

// host or IPv4, or a bracketed IPv6 literal, then an optional port. No '/', no '..': it becomes a directory name.
const ADDRESS =
  /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*)(:\d{1,5})?$/;

/** The directory name Docker uses for a registry address (`host:port`, or `host` for 443). */
export function registryCertDirName(address: string): string {
  const trimmed = address.trim();
  if (!ADDRESS.test(trimmed)) {
    throw new TrustInputError(`${ADDRESS_OUTPUT} "${address}" is not a host[:port] address`);
  }
  const port = /:(\d+)$/.exec(trimmed)?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
    throw new TrustInputError(`${ADDRESS_OUTPUT} "${address}" has an invalid port`);
  }
  return trimmed;
}

function outputString(outputs: Record<string, unknown>, name: string): string | undefined {
  const value = outputs[name];
  if (value === undefined || value === null || value === "") return undefined;
  if (value === SECRET_PLACEHOLDER) {
    throw new TrustInputError(
      `output ${name} is masked as "${SECRET_PLACEHOLDER}" in the outputs JSON; read it with --stack instead`,
    );
  }
  if (typeof value !== "string") throw new TrustInputError(`output ${name} is not a string`);
  return value;
}

/**
 * `mkdir -p` whose new directories end up 0755 whatever the umask (a root CI shell may run with 077, and a
 * certs.d the Docker CLI's user cannot read breaks `docker` commands that read it). Existing directories are
 * left as they are; the registry's own directory is always set to 0755.
 */
async function makeDirs(dir: string): Promise<void> {
  const firstCreated = await mkdir(dir, { recursive: true, mode: 0o755 });
  const toFix = [dir];
  if (firstCreated !== undefined) {
    for (let d = dirname(dir); d.length >= firstCreated.length && d !== dirname(d); d = dirname(d)) toFix.push(d);
  }
  for (const d of toFix) await chmod(d, 0o755);
}

export interface TrustOptions {
  /** Plain stack output values by name. */
  outputs: Record<string, unknown>;
  certsDir: string;
  now: Date;
  /** DNS and TLS look-ups of the registry check (tests may replace them; default: the real ones). */
  checks?: CheckDeps;
}

/**
 * Installs the stack's registry CA for Docker clients, only for the stack's own registry address and only when the
 * registry answering at the stack's host serves a certificate that CA signed (registry-check.ts), idempotently: an identical ca.crt is left alone
 * (not rewritten), a different one is replaced atomically. Files are 0644 and directories 0755, so the
 * Docker daemon and every user can read them. A stack without a CA output uses a public CA: nothing to do.
 */
export async function trustRegistryCa(opts: TrustOptions): Promise<TrustResult> {
  const pem = outputString(opts.outputs, CA_OUTPUT);
  if (pem === undefined) return { status: "public-ca" };
  const address = outputString(opts.outputs, ADDRESS_OUTPUT);
  if (address === undefined) {
    throw new TrustInputError(`the stack has ${CA_OUTPUT} but no ${ADDRESS_OUTPUT} output`);
  }
  const certificate = validateCaPem(pem, opts.now);
  const dirName = registryCertDirName(address);
  const checks = opts.checks ?? defaultCheckDeps;
  const endpoint = await bindToStackHost(dirName, outputString(opts.outputs, HOST_IP_OUTPUT), checks);
  checkServedLeaf(await checks.servedCertificate(endpoint), new X509Certificate(certificate.pem), endpoint, opts.now);
  const dir = join(opts.certsDir, dirName);
  const path = join(dir, "ca.crt");

  let existing: string | undefined;
  try {
    existing = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  await makeDirs(dir);
  if (existing === certificate.pem) {
    if (((await stat(path)).mode & 0o777) !== 0o644) await chmod(path, 0o644);
    return { status: "already-trusted", path, certificate };
  }
  const temp = join(dir, `.ca.crt.${process.pid}.tmp`);
  await writeFile(temp, certificate.pem, { mode: 0o644 });
  await chmod(temp, 0o644);
  await rename(temp, path);
  return { status: existing === undefined ? "created" : "updated", path, certificate };
}
