import { z } from "zod";

/**
 * `tls`: where the registry's (and in prod Nginx's) certificate comes from.
 * `self-signed`: a private CA and a leaf certificate minted by @pulumi/tls (SAN = the Elastic IP, plus the site names
 * when DNS is on); clients trust the CA once. `provided`: the certificate chain and key you bought, from the secret
 * config keys `tlsCertificateChain` and `tlsPrivateKey`.
 */
export const tlsSection = z
  .object({
    /** Defaults to self-signed in dev, provided in prod. */
    mode: z.enum(["self-signed", "provided"]).meta({ example: "provided" }),
    /** Validity of the self-signed CA. Defaults to 1825 days. */
    caValidityDays: z.number().int().min(30).max(3650).default(1825).meta({ example: "1825" }),
    /** Validity of the self-signed leaf certificate. Defaults to 397 days. */
    certificateValidityDays: z.number().int().min(1).max(825).default(397).meta({ example: "397" }),
    /**
     * `provided` only: a deployment stops when the leaf certificate has fewer days left than this (renew first).
     * Defaults to 14 days.
     */
    minRemainingDays: z.number().int().min(0).max(365).default(14).meta({ example: "30" }),
  })
  .strict();
