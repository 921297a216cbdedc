import type { Composition } from "../defaults";
import { type ConfigProblem, setCommand } from "../errors";
import type { SecretKey, SectionsConfig } from "../schema";

/**
 * Rules of `tls.mode: acme` (docs/acme.md). Each problem names the key and the command that fixes it.
 *
 * Dev stays on its self-signed CA: its registry serves TLS itself on the Elastic IP, clients address it by IP, and
 * an ACME certificate for an IP needs a CA that issues for IP identifiers (RFC 8738) plus an http-01 responder on
 * port 80 of the host; this program builds neither for dev, so `acme` is refused there with that explanation.
 */
export function tlsChecks(
  config: SectionsConfig,
  composition: Composition,
  _secretsSet: Record<SecretKey, boolean>,
): ConfigProblem[] {
  const { tls, dns } = config;
  if (tls.mode !== "acme") return [];
  const problems: ConfigProblem[] = [];
  if (composition !== "prod") {
    problems.push({
      key: "tls.mode",
      message:
        "is acme in a dev stack: dev clients reach the registry by the Elastic IP, and an ACME certificate for an IP " +
        "needs a CA that supports IP identifiers (RFC 8738) and a port-80 responder that dev does not run; keep the " +
        "self-signed CA in dev (or use a prod-composition stack for a name-based ACME certificate).",
      fix: setCommand("tls.mode", "self-signed"),
    });
  }
  if (!tls.acme.email) {
    problems.push({
      key: "tls.acme.email",
      message: "is required when tls.mode is acme: the CA sends expiry and account notices there.",
      fix: setCommand("tls.acme.email", "ops@example.com"),
    });
  }
  if (tls.acme.staging && tls.acme.directoryUrl) {
    problems.push({
      key: "tls.acme.staging",
      message:
        "is true but tls.acme.directoryUrl is also set: choose one (staging selects Let's Encrypt's staging URL).",
      fix: "pulumi config rm --path 'tls.acme.staging'",
    });
  }
  if (!dns.domain) {
    problems.push({
      key: "dns.domain",
      message: "is required when tls.mode is acme: the certificate names each site as <site>.<domain>.",
      fix: setCommand("dns.domain", "example.com"),
    });
  }
  if (tls.acme.challenge === "dns-01" && !(dns.enabled && dns.provider === "route53")) {
    problems.push({
      key: "tls.acme.challenge",
      message:
        "is dns-01, which writes _acme-challenge TXT records into the stack's Route53 zone: it needs dns.enabled " +
        "true and dns.provider route53 (or use http-01).",
      fix: setCommand("tls.acme.challenge", "http-01"),
    });
  }
  return problems;
}
