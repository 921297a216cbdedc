import { z } from "zod";
import { alertsSection } from "./sections/alerts";
import { appsSection } from "./sections/apps";
import { awsSection } from "./sections/aws";
import { backupsSection } from "./sections/backups";
import { azureSection } from "./sections/azure";
import { databaseSection } from "./sections/database";
import { dnsSection } from "./sections/dns";
import { hostSection } from "./sections/host";
import { networkSection } from "./sections/network";
import { registrySection } from "./sections/registry";
import { restoreSection } from "./sections/restore";
import { sitesSection } from "./sections/sites";
import { tlsSection } from "./sections/tls";

/** The project's config namespace (`pulumi config set <key>` stores `startup-infra:<key>`). */
export const PROJECT = "startup-infra";

/** Structured (object) config keys, each validated by its section schema. */
export const sections = {
  aws: awsSection,
  network: networkSection,
  host: hostSection,
  registry: registrySection,
  database: databaseSection,
  dns: dnsSection,
  sites: sitesSection,
  tls: tlsSection,
  azure: azureSection,
  alerts: alertsSection,
  backups: backupsSection,
  restore: restoreSection,
  apps: appsSection,
} as const;

/**
 * Keys whose values are secrets: read only with `getSecret`, kept as secret outputs, never parsed into the plain
 * config object. Each must be set with `pulumi config set --secret`.
 */
export const SECRET_KEYS = {
  /** Prod TLS: the certificate chain (leaf first) in PEM, when `tls.mode` is `provided`. */
  tlsCertificateChain: 'pulumi config set --secret tlsCertificateChain -- "$(cat fullchain.pem)"',
  /** Prod TLS: the certificate's private key in PEM, when `tls.mode` is `provided`. */
  tlsPrivateKey: 'pulumi config set --secret tlsPrivateKey -- "$(cat privkey.pem)"',
  /** SendGrid API key stored in Key Vault, when mail is on. */
  sendgridApiKey: "pulumi config set --secret sendgridApiKey -- SG.xxxxx",
  /** The apps' own secrets, NAME -> value; an app takes one as an env variable with `secrets.<ENV>: appSecrets.<NAME>`. */
  appSecrets: "pulumi config set --secret --path 'appSecrets.STRIPE_KEY' -- sk_live_xxxxx",
} as const;
export type SecretKey = keyof typeof SECRET_KEYS;

/** Plain (scalar) keys. */
export const SCALAR_KEYS = ["composition"] as const;

export const stackConfigSchema = z.object(sections).strict();

/** The validated stack config, as every component receives it. */
export type SectionsConfig = z.output<typeof stackConfigSchema>;
