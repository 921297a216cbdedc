import { APP_NAME } from "../../apps/names";
import { pinnedImageProblem } from "./image";
import type { HostRenderInput } from "./types";

/** Thrown when a HostRenderInput cannot produce a safe host configuration; the message names the field and the fix. */
export class HostRenderInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HostRenderInputError";
  }
}

/** bcrypt htpasswd entry: `user:$2y$NN$<53 chars>`. The registry rejects other hashes (and must never create its own). */
const BCRYPT_LINE = /^[^:\s]+:\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
/** Paths end up unquoted in the files bundle and in unit files: keep them to a safe alphabet. */
export const SAFE_PATH = /^\/[A-Za-z0-9._@+/-]*$/;

function fail(field: string, problem: string, fix: string): never {
  throw new HostRenderInputError(`HostRenderInput.${field} ${problem}: ${fix}`);
}

function checkPort(field: string, port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    fail(field, `is ${port}`, "use a TCP port between 1 and 65535");
}

function checkPem(field: string, pem: string, kind: RegExp): void {
  if (!kind.test(pem)) fail(field, "is not PEM", "pass the PEM text (-----BEGIN ...-----)");
}

/** Every check the renderers rely on; throws HostRenderInputError on the first problem. */
export function validateHostRenderInput(input: HostRenderInput): void {
  const { registry, tls, nginx } = input;
  if (!/^[a-z_][a-z0-9_-]*$/.test(input.sshUser)) fail("sshUser", `is "${input.sshUser}"`, "use a Unix user name");
  const imageProblem = pinnedImageProblem(registry.image);
  if (imageProblem) {
    fail("registry.image", `is "${registry.image}"`, `it ${imageProblem}; pin the image by tag or digest`);
  }
  checkPort("registry.port", registry.port);
  const users = registry.htpasswd.split("\n").filter((l) => l.trim() !== "");
  if (users.length === 0) fail("registry.htpasswd", "is empty", "give one `user:<bcrypt hash>` line per user");
  users.forEach((line, i) => {
    if (!BCRYPT_LINE.test(line)) {
      fail(`registry.htpasswd (line ${i + 1})`, "is not a bcrypt entry", "use `user:$2y$...` lines (bcryptHash)");
    }
  });
  if (/[\n\r]/.test(registry.gc.onCalendar) || registry.gc.onCalendar.trim() === "") {
    fail("registry.gc.onCalendar", "is not one line", "use a systemd OnCalendar expression");
  }
  if (registry.publicHost !== undefined && !DNS_NAME.test(registry.publicHost) && !IPV4.test(registry.publicHost)) {
    fail("registry.publicHost", `is "${registry.publicHost}"`, "use a DNS name or an IPv4 address");
  }
  const cred = registry.healthCheckCredential;
  if (cred && (!/^[^:\s]+$/.test(cred.user) || /[\n\r]/.test(cred.password) || cred.password === "")) {
    fail("registry.healthCheckCredential", "is malformed", "use a user without ':' and a one-line password");
  }
  validateAcme(input);
  if (tls) {
    checkPem("tls.certificatePem", tls.certificatePem, /-----BEGIN CERTIFICATE-----/);
    checkPem("tls.privateKeyPem", tls.privateKeyPem, /-----BEGIN [A-Z ]*PRIVATE KEY-----/);
    if (tls.caCertificatePem !== undefined)
      checkPem("tls.caCertificatePem", tls.caCertificatePem, /-----BEGIN CERTIFICATE-----/);
  }
  if (!SAFE_PATH.test(input.dataVolumeDevice) || input.dataVolumeDevice.includes("..")) {
    fail("dataVolumeDevice", `is "${input.dataVolumeDevice}"`, "use an absolute device path such as /dev/nvme1n1");
  }
  const ready = input.readyTimeoutSeconds;
  if (ready !== undefined && (!Number.isInteger(ready) || ready < 1)) {
    fail("readyTimeoutSeconds", `is ${ready}`, "use a whole number of seconds, at least 1");
  }
  if (input.composition === "prod") {
    if (!nginx) fail("nginx", "is missing in prod", "give the domain and the sites (prod runs Nginx)");
    if (!DNS_NAME.test(nginx.domain)) fail("nginx.domain", `is "${nginx.domain}"`, "use a lower-case DNS name");
    const entries = Object.entries(nginx.sites);
    if (entries.length === 0) fail("nginx.sites", "is empty", "give at least the registry site, e.g. docker: registry");
    if (entries.filter(([, t]) => t === "registry").length > 1) {
      fail("nginx.sites", "names the registry twice", "keep one registry site");
    }
    for (const [label, target] of entries) {
      if (!DNS_LABEL.test(label)) fail(`nginx.sites.${label}`, "is not a DNS label", "use a-z, 0-9 and '-'");
      if (typeof target === "number") checkPort(`nginx.sites.${label}`, target);
      else if (target !== "registry" && !APP_NAME.test(target)) {
        fail(`nginx.sites.${label}`, `names the app "${target}"`, "use an app name: a-z, 0-9 and inner '-'");
      }
    }
    const drain = nginx.drainSeconds;
    if (drain !== undefined && (!Number.isInteger(drain) || drain < 0)) {
      fail("nginx.drainSeconds", `is ${drain}`, "use a whole number of seconds, 0 or more");
    }
    for (const [label, cidrs] of Object.entries(nginx.access ?? {})) {
      if (!(label in nginx.sites)) fail(`nginx.access.${label}`, "names no site", "limit one of nginx.sites");
      if (cidrs.length === 0)
        fail(`nginx.access.${label}`, "is empty", "list at least one CIDR block or drop the entry");
      for (const cidr of cidrs) {
        // The value lands in an nginx directive: only address characters, nothing that could end it.
        if (!/^[0-9a-fA-F:.]{2,39}\/\d{1,3}$/.test(cidr)) {
          fail(`nginx.access.${label}`, `holds "${cidr}"`, "use CIDR blocks such as 203.0.113.0/24");
        }
      }
    }
  } else if (nginx) {
    fail("nginx", "is set in dev", "leave it undefined: dev runs no Nginx (the registry serves TLS itself)");
  }
}

/** Email and URL land single-quoted in the client configuration: keep them to characters that need no escaping. */
const ACME_EMAIL = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/;
const ACME_URL = /^https:\/\/[A-Za-z0-9.-]+(:\d+)?(\/[A-Za-z0-9._~%/-]*)?$/;

/** `acme` and `tls` exclude each other; ACME runs in prod only (it needs Nginx on port 80 and 443). */
function validateAcme(input: HostRenderInput): void {
  const { acme, tls } = input;
  if (!acme) {
    if (!tls) fail("tls", "is missing", "give the certificate and key, or set acme (prod) to let the host obtain one");
    return;
  }
  if (tls) fail("tls", "is set together with acme", "leave tls undefined: with ACME the host obtains its certificate");
  if (input.composition !== "prod") fail("acme", "is set in dev", "ACME needs the prod Nginx (port 80 and 443)");
  if (!ACME_EMAIL.test(acme.email)) fail("acme.email", `is "${acme.email}"`, "use an email address");
  if (!ACME_URL.test(acme.directoryUrl)) {
    fail("acme.directoryUrl", `is "${acme.directoryUrl}"`, "use the CA's https:// directory URL");
  }
  if (acme.challenge !== "http-01" && acme.challenge !== "dns-01") {
    fail("acme.challenge", `is "${String(acme.challenge)}"`, "use http-01 or dns-01");
  }
}
