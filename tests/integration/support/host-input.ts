import bcrypt from "bcryptjs";
import type { HostRenderInput } from "../../../components/registryHost/render/index.js";

/** A bcrypt htpasswd line like @pulumi/random's bcryptHash produces (cost 5 keeps tests fast). */
export function htpasswdLine(user: string, password: string, cost = 5): string {
  return `${user}:${bcrypt.hashSync(password, cost)}`;
}

/** Placeholder PEMs for pure renderer tests (real certificates come from openssl in integration tests). */
export const FAKE_CERT_PEM = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
export const FAKE_KEY_PEM = "-----BEGIN PRIVATE KEY-----\nMIGHfake\n-----END PRIVATE KEY-----\n";

export interface SampleInputOptions {
  readonly htpasswd?: string;
  readonly certificatePem?: string;
  readonly privateKeyPem?: string;
  readonly caCertificatePem?: string;
  readonly registryPort?: number;
  readonly domain?: string;
  readonly sites?: Record<string, number | "registry">;
  readonly gcEnabled?: boolean;
  readonly publicHost?: string;
  readonly healthCheckCredential?: { user: string; password: string };
}

/** A complete HostRenderInput for `composition`, like the component would resolve it. */
export function sampleInput(composition: "dev" | "prod", o: SampleInputOptions = {}): HostRenderInput {
  return {
    composition,
    sshUser: "ubuntu",
    registry: {
      image: "registry:3.0.0",
      port: o.registryPort ?? 5000,
      htpasswd: o.htpasswd ?? `${htpasswdLine("ci", "ci-password")}\n${htpasswdLine("deploy", "deploy-password")}\n`,
      gc: { enabled: o.gcEnabled ?? true, onCalendar: "Sun *-*-* 03:30:00" },
      ...(o.publicHost !== undefined ? { publicHost: o.publicHost } : {}),
      ...(o.healthCheckCredential ? { healthCheckCredential: o.healthCheckCredential } : {}),
    },
    tls: {
      certificatePem: o.certificatePem ?? FAKE_CERT_PEM,
      privateKeyPem: o.privateKeyPem ?? FAKE_KEY_PEM,
      ...(composition === "dev" ? { caCertificatePem: o.caCertificatePem ?? FAKE_CERT_PEM } : {}),
    },
    ...(composition === "prod"
      ? {
          nginx: {
            domain: o.domain ?? "example.com",
            sites: o.sites ?? { docker: "registry", www: 8080, admin: 8081 },
          },
        }
      : {}),
    dataVolumeDevice: "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0",
  };
}
