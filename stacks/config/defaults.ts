/** The stack compositions this program knows. A stack named otherwise picks one with `startup-infra:composition`. */
export const COMPOSITIONS = ["dev", "prod"] as const;
export type Composition = (typeof COMPOSITIONS)[number];

/**
 * Defaults that differ between dev (cheap, disposable) and prod (protected). They sit under whatever the stack
 * config says; values set in config always win. Defaults common to both live in the section schemas.
 */
export const COMPOSITION_DEFAULTS: Record<Composition, Record<string, unknown>> = {
  dev: {
    network: { publicSubnetCount: 1, flowLogs: false },
    host: { detailedMonitoring: false },
    database: {
      instanceClass: "db.t4g.micro",
      allocatedStorageGiB: 20,
      maxAllocatedStorageGiB: 0,
      backupRetentionDays: 1,
      performanceInsights: false,
      deletionProtection: false,
      finalSnapshot: false,
    },
    dns: { enabled: false },
    tls: { mode: "self-signed" },
    backups: { dataVolumeSnapshots: false },
  },
  prod: {
    network: { publicSubnetCount: 2, flowLogs: true },
    host: { detailedMonitoring: true },
    database: {
      instanceClass: "db.t4g.medium",
      allocatedStorageGiB: 50,
      maxAllocatedStorageGiB: 200,
      backupRetentionDays: 14,
      performanceInsights: true,
      deletionProtection: true,
      finalSnapshot: true,
    },
    dns: { enabled: true },
    // The host obtains and renews its certificate itself (docs/acme.md); `provided` stays for bought certificates.
    tls: { mode: "acme" },
    backups: { dataVolumeSnapshots: true },
  },
};

/** Values of `sections` that are shared by both compositions but are objects, so they need a default here. */
export const SHARED_DEFAULTS: Record<string, unknown> = {
  aws: {},
  network: {},
  registry: {},
  database: {},
  dns: {},
  sites: { docker: "registry", www: 8080, admin: 8081 },
  tls: {},
  azure: {},
  alerts: {},
  backups: {},
  restore: {},
  apps: {},
};

/** Deep merge for plain objects: `over` wins; arrays and scalars are replaced, not merged. */
export function mergeDefaults(under: unknown, over: unknown): unknown {
  if (isPlainObject(under) && isPlainObject(over)) {
    const out: Record<string, unknown> = { ...under };
    for (const [k, v] of Object.entries(over)) out[k] = k in under ? mergeDefaults(under[k], v) : v;
    return out;
  }
  return over === undefined ? under : over;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
