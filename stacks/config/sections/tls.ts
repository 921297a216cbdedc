import { z } from "zod";

/** Let's Encrypt's production ACME directory (`tls.acme.directoryUrl` default). */
export const LETS_ENCRYPT_PRODUCTION = "https://acme-v02.api.letsencrypt.org/directory";
/** Let's Encrypt's staging directory (`tls.acme.staging: true`): untrusted certificates, generous rate limits. */
export const LETS_ENCRYPT_STAGING = "https://acme-staging-v02.api.letsencrypt.org/directory";

/**
 * `tls.acme`: how the host obtains and renews its certificate itself (lego, docs/acme.md). Read only when
 * `tls.mode` is `acme`.
 */
export const acmeSection = z
  .object({
    /** Contact for the ACME account (expiry notices, policy changes). Required when `tls.mode` is `acme`. */
    email: z.email({ message: "must be an email address" }).optional().meta({ example: "ops@example.com" }),
    /**
     * The CA's ACME directory. Defaults to Let's Encrypt production, or its staging directory when `staging` is true.
     * Any RFC 8555 CA works (ZeroSSL, Google Trust Services, a private step-ca, ...).
     */
    directoryUrl: z
      .url({ protocol: /^https$/, message: "must be an https:// URL" })
      .optional()
      .meta({ example: LETS_ENCRYPT_STAGING }),
    /** Use Let's Encrypt's staging directory (untrusted certificates, for trying things out). Defaults to false. */
    staging: z.boolean().default(false).meta({ example: "true" }),
    /**
     * `http-01`: the CA fetches a token over port 80 from every site name (the names must already point at the
     * host). `dns-01`: the host writes `_acme-challenge` TXT records into the stack's Route53 zone (the names need
     * not point at the host, but the zone must be delegated: lego and the CA query public DNS; needs
     * `dns.provider: route53`). Defaults to http-01.
     */
    challenge: z.enum(["http-01", "dns-01"]).default("http-01").meta({ example: "dns-01" }),
  })
  .strict();

/**
 * `tls`: where the registry's (and in prod Nginx's) certificate comes from.
 * `self-signed`: a private CA and a leaf certificate minted by @pulumi/tls (SAN = the Elastic IP, plus the site names
 * when DNS is on); clients trust the CA once. `provided`: the certificate chain and key you bought, from the secret
 * config keys `tlsCertificateChain` and `tlsPrivateKey`. `acme` (prod): the host obtains and renews one certificate
 * for every site name from an ACME CA (Let's Encrypt by default) with `tls.acme.*`.
 */
export const tlsSection = z
  .object({
    /** Defaults to self-signed in dev, acme in prod. */
    mode: z.enum(["self-signed", "provided", "acme"]).meta({ example: "acme" }),
    /** Validity of the self-signed CA. Defaults to 1825 days. */
    caValidityDays: z.number().int().min(30).max(3650).default(1825).meta({ example: "1825" }),
    /** Validity of the self-signed leaf certificate. Defaults to 397 days. */
    certificateValidityDays: z.number().int().min(1).max(825).default(397).meta({ example: "397" }),
    /**
     * `provided` only: a deployment stops when the leaf certificate has fewer days left than this (renew first).
     * Defaults to 14 days.
     */
    minRemainingDays: z.number().int().min(0).max(365).default(14).meta({ example: "30" }),
    /** ACME settings, read when `mode` is `acme`. Defaults: see acmeSection. */
    acme: acmeSection.default({ staging: false, challenge: "http-01" }),
  })
  .strict();

/** The directory the host's ACME client talks to. */
export function acmeDirectoryUrl(acme: z.output<typeof acmeSection>): string {
  return acme.directoryUrl ?? (acme.staging ? LETS_ENCRYPT_STAGING : LETS_ENCRYPT_PRODUCTION);
}
