import { X509Certificate } from "node:crypto";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { connect } from "node:tls";
import { TrustInputError } from "./errors.js";

/**
 * Before a CA is trusted for an address, two things must hold, so that an outputs file (or a mistake) cannot make
 * an agent trust some CA for someone else's registry (Docker Hub, ghcr.io, ...):
 * 1. the address is the stack's own registry: its host is the stack's `hostPublicIp`, or a DNS name that resolves
 *    to it;
 * 2. the registry actually answering at the stack's host serves a certificate issued and signed by that CA, valid
 *    now, for that address (IP SAN or DNS name).
 */

/** The stack output holding the registry host's public address (docs/CONTRACTS.md). */
export const HOST_IP_OUTPUT = "hostPublicIp";

export interface RegistryEndpoint {
  /** Host part of `registryAddress` (brackets of an IPv6 literal removed). */
  host: string;
  port: number;
  /** The address to connect to: always the stack's host IP. */
  connectTo: string;
}

export interface CheckDeps {
  /** All addresses a DNS name resolves to (default: the system resolver, as Docker uses). */
  resolve(name: string): Promise<string[]>;
  /** The leaf certificate served at `connectTo:port` for `servername` (default: a TLS handshake). */
  servedCertificate(endpoint: RegistryEndpoint): Promise<X509Certificate>;
}

export const defaultCheckDeps: CheckDeps = {
  resolve: async (name) => (await lookup(name, { all: true, verbatim: true })).map((a) => a.address),
  servedCertificate: (endpoint) => servedCertificate(endpoint, 15_000),
};

/** Splits `host[:port]` (Docker's default port for a bare host is 443). */
export function splitAddress(address: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(address);
  if (!match) throw new TrustInputError(`registryAddress "${address}" is not a host[:port] address`);
  return { host: match[1].replace(/^\[|\]$/g, ""), port: match[2] === undefined ? 443 : Number(match[2]) };
}

const sameIp = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Step 1: the address names the stack's own host. */
export async function bindToStackHost(
  address: string,
  hostPublicIp: string | undefined,
  deps: Pick<CheckDeps, "resolve">,
): Promise<RegistryEndpoint> {
  const { host, port } = splitAddress(address);
  if (hostPublicIp === undefined || isIP(hostPublicIp) === 0) {
    throw new TrustInputError(
      `the outputs have no ${HOST_IP_OUTPUT} (the registry host's public IP) to check registryAddress "${address}" ` +
        `against; use the outputs of this project's stack (npm run deploy -- outputs --stack <name> --outputs-json <file>)`,
    );
  }
  if (isIP(host) !== 0) {
    if (!sameIp(host, hostPublicIp)) {
      throw new TrustInputError(
        `refusing: registryAddress "${address}" is not the stack's registry host (${HOST_IP_OUTPUT} ${hostPublicIp})`,
      );
    }
    return { host, port, connectTo: hostPublicIp };
  }
  let addresses: string[];
  try {
    addresses = await deps.resolve(host);
  } catch (err) {
    throw new TrustInputError(`cannot resolve registryAddress host "${host}": ${(err as Error).message}`);
  }
  if (!addresses.some((a) => sameIp(a, hostPublicIp))) {
    throw new TrustInputError(
      `refusing: registryAddress "${address}" resolves to ${addresses.join(", ") || "nothing"}, not to the stack's ` +
        `registry host (${HOST_IP_OUTPUT} ${hostPublicIp}); a CA is only trusted for the stack's own registry`,
    );
  }
  return { host, port, connectTo: hostPublicIp };
}

/** Step 2: the certificate served at the stack's host is issued and signed by `ca`, valid now, for the address. */
export function checkServedLeaf(leaf: X509Certificate, ca: X509Certificate, endpoint: RegistryEndpoint, now: Date) {
  const where = `${endpoint.host}:${endpoint.port}`;
  if (!leaf.checkIssued(ca) || !leaf.verify(ca.publicKey)) {
    throw new TrustInputError(
      `refusing: the registry at ${where} serves a certificate (${leaf.subject.replace(/\n/g, ", ")}, issuer ` +
        `${leaf.issuer.replace(/\n/g, ", ")}) that registryCaCertificatePem did not sign; the outputs do not belong ` +
        `to the registry that answers there`,
    );
  }
  const matches = isIP(endpoint.host) !== 0 ? leaf.checkIP(endpoint.host) : leaf.checkHost(endpoint.host);
  if (matches === undefined) {
    throw new TrustInputError(`refusing: the registry's certificate at ${where} is not valid for ${endpoint.host}`);
  }
  if (new Date(leaf.validTo).getTime() <= now.getTime()) {
    throw new TrustInputError(
      `the registry's certificate at ${where} expired on ${new Date(leaf.validTo).toISOString()}; run pulumi up`,
    );
  }
}

/** The leaf certificate a TLS server presents (no verification here: that is checkServedLeaf's job). */
export function servedCertificate(endpoint: RegistryEndpoint, timeoutMs: number): Promise<X509Certificate> {
  return new Promise((resolvePromise, reject) => {
    const socket = connect({
      host: endpoint.connectTo,
      port: endpoint.port,
      // SNI only for names (an IP in SNI is not allowed, RFC 6066).
      ...(isIP(endpoint.host) === 0 ? { servername: endpoint.host } : {}),
      rejectUnauthorized: false,
    });
    const fail = (err: Error) => {
      socket.destroy();
      reject(
        new Error(`cannot check the registry's certificate at ${endpoint.connectTo}:${endpoint.port}: ${err.message}`),
      );
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`no TLS handshake within ${timeoutMs / 1000} s`)));
    socket.once("error", fail);
    socket.once("secureConnect", () => {
      const leaf = socket.getPeerX509Certificate();
      socket.end();
      if (leaf === undefined) reject(new Error(`the registry at ${endpoint.connectTo} sent no certificate`));
      else resolvePromise(leaf);
    });
  });
}
