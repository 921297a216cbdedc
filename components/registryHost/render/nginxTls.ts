/**
 * Mozilla "intermediate" TLS (https://ssl-config.mozilla.org, 2024): TLS 1.2 + 1.3 only (SSL Labs caps servers that
 * still speak 1.0/1.1 at B), ECDHE key exchange with AEAD ciphers only (the DHE suites of the profile are left out:
 * they need a dhparam file and add nothing for today's clients), the client picks among them.
 */
export const TLS_PROTOCOLS = "TLSv1.2 TLSv1.3";
export const TLS_CIPHERS = [
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
].join(":");
/** Two years, sub-domains included (every site of the domain is HTTPS-only). Only on name hosts. */
export const HSTS = "max-age=63072000; includeSubDomains";
