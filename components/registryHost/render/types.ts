import type { HostFile } from "../../hostFile";

/** `registry.gc`: the host's scheduled clean-up (stacks/config/sections/registry.ts documents each field). */
export interface RegistryGcSettings {
  enabled: boolean;
  onCalendar: string;
  /** Retention before blob collection. Absent: blob collection only. */
  retention?: {
    enabled: boolean;
    keep: number;
    /** Duration like `30d`; empty for no age rule. */
    keepYoungerThan: string;
    keepTagsLike: string[];
    dryRun: boolean;
  };
}

/**
 * Plain, fully resolved inputs of every host renderer (no Outputs: the component resolves them with `apply` first).
 * Contract between the renderers (render/) and the RegistryHost component.
 */
export interface HostRenderInput {
  composition: "dev" | "prod";
  /** Login user of the host (sudo-capable), e.g. ubuntu. */
  sshUser: string;
  registry: {
    /** Pinned image, e.g. registry:3.0.0. */
    image: string;
    /** Dev: published on 0.0.0.0:<port> with its own TLS. Prod: 127.0.0.1:<port>, plain HTTP behind Nginx. */
    port: number;
    /** htpasswd file content: one `user:$2y$...` bcrypt line per user. */
    htpasswd: string;
    gc: RegistryGcSettings;
    /**
     * Name or IP that clients use for the registry and that its certificate names (dev: the Elastic IP). The dev
     * health check verifies the certificate for this name while connecting to 127.0.0.1. Optional (added by the
     * host renderers): when absent in dev, the health check cannot verify the name and checks liveness only.
     */
    publicHost?: string;
    /**
     * Optional credential for the health check's authenticated probe (`/v2/` must answer 200 with it). Secret: it
     * travels on the step's stdin only. When absent, the health check only proves that `/v2/` demands credentials.
     */
    healthCheckCredential?: { user: string; password: string };
  };
  /**
   * The certificate the program ships. Absent exactly when `acme` is set: the host then obtains its own certificate
   * and Nginx serves a temporary self-signed one until the first issuance.
   */
  tls?: {
    /** Leaf certificate chain (PEM, leaf first). */
    certificatePem: string;
    privateKeyPem: string;
    /** Dev: the private CA that signed the leaf (clients trust it). */
    caCertificatePem?: string;
  };
  /**
   * Prod: the host obtains and renews one certificate for every site name from an ACME CA (render/acme, lego).
   * Undefined: the certificate comes from `tls`.
   */
  acme?: {
    /** ACME account contact. */
    email: string;
    /** The CA's directory URL (https). */
    directoryUrl: string;
    /** http-01 (token on port 80 through Nginx) or dns-01 (TXT in the Route53 zone, with the instance role). */
    challenge: "http-01" | "dns-01";
  };
  /** Prod: Nginx sites. Undefined in dev (no Nginx). */
  nginx?: {
    domain: string;
    /** subdomain -> upstream port on 127.0.0.1, "registry", or the name of an app (its current release). */
    sites: Record<string, number | string>;
    /**
     * Longest drain of the apps behind the sites, in seconds: nginx.conf's `worker_shutdown_timeout`, how long old
     * workers keep their connections (websockets too) after a graceful reload. Optional; defaults to no limit when
     * no site names an app.
     */
    drainSeconds?: number;
    /**
     * subdomain -> the only source CIDR blocks Nginx admits to it (`allow`/`deny all`: 403 for others). Optional
     * (added by the host renderers); a site not listed is open to everyone.
     */
    access?: Record<string, string[]>;
  };
  /** Device path of the separate EBS data volume (e.g. /dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0abc...). */
  dataVolumeDevice: string;
  /**
   * Longest wait-ready waits for cloud-init, in seconds: `cloud-init status --wait` has no limit of its own, and the
   * command provider's custom timeout bounds connecting only. Optional; defaults to DEFAULT_READY_TIMEOUT_SECONDS
   * (20 minutes); the component passes `host.provisionTimeoutMinutes`.
   */
  readyTimeoutSeconds?: number;
}

/** Default of `HostRenderInput.readyTimeoutSeconds`: 20 minutes, the default of `host.provisionTimeoutMinutes`. */
export const DEFAULT_READY_TIMEOUT_SECONDS = 20 * 60;

/** One provisioning step, run over SSH by the component, in order. */
export interface ProvisionStep {
  /** Short name, used in resource names: wait-ready, install-packages, install-files, ... */
  name: string;
  /** The remote command line. Never holds a secret (command lines show in process lists and logs). */
  command: string;
  /** Data fed on stdin (may hold secrets: files bundle, ...). */
  stdin?: string;
  /** Whether the step can run on the test machine (no Docker engine, no systemd there). */
  runsInTests: boolean;
}

/** A symbolic link the install-files step keeps on the host (e.g. nginx sites-enabled -> sites-available). */
export interface HostLink {
  /** Absolute path of the link on the host. */
  path: string;
  /** Link target as written (relative to the link's directory, so the same tree works under a test root). */
  target: string;
}

export interface ProvisionPlan {
  /** Every file placed on the host (also written by the offline plan under host/). */
  files: HostFile[];
  steps: ProvisionStep[];
  /** Symbolic links install-files keeps (prod: nginx sites-enabled). Added by the host renderers. */
  links?: HostLink[];
  /** Paths install-files removes when present (prod: the nginx package's sites-enabled/default). */
  removed?: string[];
}
