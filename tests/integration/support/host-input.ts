import { randomBytes } from "node:crypto";
import bcrypt from "bcryptjs";
import { REGISTRY_SALT_BYTES, registryHtpasswdLine } from "../../../components/registryHost/credentials.js";
import type { HostRenderInput } from "../../../components/registryHost/render/index.js";

/** How an htpasswd line is hashed: as the hosts get it (`project`) or as `@pulumi/random`'s `bcryptHash` would. */
export type HtpasswdScheme = "project" | "pulumi-random";

/**
 * An htpasswd line (no newline). `project`: exactly what the program ships to hosts (registryHtpasswdLine, a fresh
 * random salt). `pulumi-random`: what `@pulumi/random`'s `bcryptHash` yields, bcrypt at Go's `bcrypt.DefaultCost` 10
 * (terraform-provider-random internal/provider/resource_password.go, `generateHash`): the benchmarks' baseline.
 */
export function htpasswdLine(user: string, password: string, scheme: HtpasswdScheme = "project"): string {
  if (scheme === "pulumi-random") return `${user}:${bcrypt.hashSync(password, 10)}`;
  return registryHtpasswdLine(user, password, randomBytes(REGISTRY_SALT_BYTES).toString("base64"));
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
