export type DatabaseEngine = "postgres" | "mysql";

export interface EngineSettings {
  port: number;
  /** Version given to RDS (a major version lets RDS pick the current minor; minor upgrades are automatic). */
  version: string;
  /** Parameter group family, e.g. postgres16 or mysql8.0. */
  family: string;
  /** The parameter that refuses connections without TLS (CKV2_AWS_69). */
  tlsParameter: { name: string; value: string };
  /**
   * Logs exported to CloudWatch Logs (CKV_AWS_129): the engine's error log and upgrades (postgres), error and slow
   * query logs (mysql; the general log records every statement and is left off).
   */
  logExports: string[];
}

const DEFAULT_VERSION: Record<DatabaseEngine, string> = { postgres: "16", mysql: "8.0" };

/** Everything that depends on the engine, decided in one place. */
export function engineSettings(engine: DatabaseEngine, version?: string): EngineSettings {
  const v = version ?? DEFAULT_VERSION[engine];
  if (engine === "postgres") {
    const major = v.split(".")[0]!;
    return {
      port: 5432,
      version: v,
      family: `postgres${major}`,
      tlsParameter: { name: "rds.force_ssl", value: "1" },
      logExports: ["postgresql", "upgrade"],
    };
  }
  const [major, minor = "0"] = v.split(".");
  return {
    port: 3306,
    version: v,
    family: `mysql${major}.${minor}`,
    tlsParameter: { name: "require_secure_transport", value: "1" },
    logExports: ["error", "slowquery"],
  };
}
