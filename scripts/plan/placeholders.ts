import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StackConfig } from "../../stacks/config/parse";

/** Stand-ins for secrets the offline plan cannot read (no CLI, no passphrase): what they are and why. */
export interface PlaceholderSecrets {
  values: Record<string, string>;
  notes: string[];
}

/**
 * Placeholder values for the secret keys. A provided TLS certificate is replaced by a throwaway certificate minted
 * with `openssl` for exactly the configured site names, so the certificate checks run for real on the plan.
 */
export function placeholderSecrets(config: StackConfig): PlaceholderSecrets {
  const values: Record<string, string> = { sendgridApiKey: "SG.offline-plan-placeholder" };
  const notes: string[] = [];
  if (config.tls.mode === "provided" && config.dns.domain) {
    const names = Object.keys(config.sites).map((site) => `${site}.${config.dns.domain}`);
    Object.assign(values, mintCertificate(names));
    notes.push(
      `tlsCertificateChain / tlsPrivateKey: a throwaway certificate for ${names.join(", ")} stands in for the real one ` +
        "(set yours with `pulumi config set --secret` before deploying).",
    );
  }
  return { values, notes };
}

/** A self-signed certificate for `names`, valid 30 days, with its key (PEM). Needs the openssl binary. */
export function mintCertificate(names: string[]): { tlsCertificateChain: string; tlsPrivateKey: string } {
  const dir = mkdtempSync(join(tmpdir(), "plan-cert-"));
  try {
    const san = names.map((n) => `DNS:${n}`).join(",");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "30",
        "-subj",
        `/CN=${names[0]}`,
        "-addext",
        `subjectAltName=${san}`,
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    return {
      tlsCertificateChain: readFileSync(join(dir, "cert.pem"), "utf8"),
      tlsPrivateKey: readFileSync(join(dir, "key.pem"), "utf8"),
    };
  } catch (e) {
    throw new Error(
      `the offline plan needs the openssl binary to stand in for the prod certificate: ${(e as Error).message.split("\n")[0]}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
