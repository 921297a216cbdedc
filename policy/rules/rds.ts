/** RDS instance rules: exposure, encryption, backups, protection, CA, TLS in transit, updates, options. */
import { resourceRule, stackRule } from "../lib/define";
import { referenced } from "../lib/relations";
import { isTrue, list, read, toNumber } from "../lib/values";

export const RDS_INSTANCE = "aws:rds/instance:Instance";
export const RDS_PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup";

/** CA certificates CKV_AWS_211 accepts: rds-ca-rsa2048-g1 and newer. */
export const ACCEPTED_RDS_CAS = ["rds-ca-rsa2048-g1", "rds-ca-rsa4096-g1", "rds-ca-ecc384-g1"];

/** Minimum backup retention in days per environment (CKV_AWS_133: prod >= 7). */
export const MIN_BACKUP_RETENTION_DAYS = { dev: 1, prod: 7 } as const;

export const rdsNotPubliclyAccessible = resourceRule({
  name: "rds-not-publicly-accessible",
  description: "CKV_AWS_17 / AWS-0180: RDS instances are not publicly accessible (publiclyAccessible false).",
  enforcementLevel: "mandatory",
  types: [RDS_INSTANCE],
  check: (r, report) => {
    if (isTrue(r.props.publiclyAccessible)) {
      report(
        "publiclyAccessible is true: the database gets a public DNS name and address; keep it private and reach it " +
          "from the host's security group (CKV_AWS_17 / AWS-0180).",
      );
    }
  },
});

export const rdsStorageEncrypted = resourceRule({
  name: "rds-storage-encrypted",
  description: "CKV_AWS_16 / AWS-0080: RDS storage is encrypted (storageEncrypted true).",
  enforcementLevel: "mandatory",
  types: [RDS_INSTANCE],
  check: (r, report) => {
    const encrypted = read(r.props, "storageEncrypted");
    if (encrypted.state === "absent" || (encrypted.state === "known" && !isTrue(encrypted.value))) {
      report("storageEncrypted is not true: encrypt the database storage (CKV_AWS_16 / AWS-0080).");
    }
  },
});

export const rdsBackupRetention = resourceRule({
  name: "rds-backup-retention",
  description:
    "CKV_AWS_133 / AWS-0077: backupRetentionPeriod is at least 7 days in prod and at least 1 day in dev (0 turns backups off).",
  enforcementLevel: "mandatory",
  types: [RDS_INSTANCE],
  check: (r, report) => {
    const retention = read(r.props, "backupRetentionPeriod");
    if (retention.state === "unknown") return;
    const days = retention.state === "known" ? toNumber(retention.value) : undefined;
    const minimum = MIN_BACKUP_RETENTION_DAYS[r.environment];
    if (days === undefined || days < minimum) {
      report(
        `backupRetentionPeriod is ${days === undefined ? "not set" : days}: ${r.environment} keeps at least ` +
          `${minimum} day(s) of automated backups (CKV_AWS_133 / AWS-0077).`,
      );
    }
  },
});

export const rdsDeletionProtectionProd = resourceRule({
  name: "rds-deletion-protection-prod",
  description: "CKV_AWS_293 / AWS-0177: in prod, RDS instances have deletionProtection true.",
  enforcementLevel: "mandatory",
  types: [RDS_INSTANCE],
  check: (r, report) => {
    if (r.environment !== "prod") return;
    const protection = read(r.props, "deletionProtection");
    if (protection.state === "absent" || (protection.state === "known" && !isTrue(protection.value))) {
      report(
        "deletionProtection is not true: a prod database must not be deletable by one call (CKV_AWS_293 / AWS-0177).",
      );
    }
  },
});

export const rdsFinalSnapshotProd = resourceRule({
  name: "rds-final-snapshot-prod",
  description:
    "Security bar (RDS, with CKV_AWS_293): in prod, deleting the instance keeps a final snapshot: skipFinalSnapshot " +
    "false and a unique finalSnapshotIdentifier.",
  enforcementLevel: "mandatory",
  types: [RDS_INSTANCE],
  check: (r, report) => {
    if (r.environment !== "prod") return;
    if (isTrue(r.props.skipFinalSnapshot)) {
      report("skipFinalSnapshot is true: prod keeps a final snapshot when the instance is deleted.");
      return;
    }
    const identifier = read(r.props, "finalSnapshotIdentifier");
    if (identifier.state === "absent" || (identifier.state === "known" && String(identifier.value).trim() === "")) {
      report(
        "finalSnapshotIdentifier is not set: AWS refuses to delete the instance without one; give it a unique name " +
          "(e.g. with a random suffix) so a second deletion does not collide.",
      );
    }
  },
});

export const rdsAutoMinorVersionUpgrade = resourceRule({
  name: "rds-auto-minor-version-upgrade",
  description: "CKV_AWS_226: RDS instances take minor engine upgrades (autoMinorVersionUpgrade not false).",
  enforcementLevel: "mandatory",
  types: [RDS_INSTANCE],
  check: (r, report) => {
    const upgrade = read(r.props, "autoMinorVersionUpgrade");
    if (upgrade.state === "known" && !isTrue(upgrade.value)) {
      report(
        "autoMinorVersionUpgrade is false: minor releases carry security fixes; let RDS apply them (CKV_AWS_226).",
      );
    }
  },
});

export const rdsCaCertificate = resourceRule({
  name: "rds-ca-certificate",
  description: `CKV_AWS_211: caCertIdentifier is ${ACCEPTED_RDS_CAS.join(", ")} (rds-ca-rsa2048-g1 or newer).`,
  enforcementLevel: "mandatory",
  types: [RDS_INSTANCE],
  check: (r, report) => {
    const ca = read(r.props, "caCertIdentifier");
    if (ca.state === "unknown") return;
    if (ca.state === "absent" || !ACCEPTED_RDS_CAS.includes(String(ca.value))) {
      report(
        `caCertIdentifier is ${ca.state === "absent" ? "not set" : String(ca.value)}: use ${ACCEPTED_RDS_CAS.join(" or ")} ` +
          "so clients verify the server against a current CA (CKV_AWS_211).",
      );
    }
  },
});

/** The parameter that forces TLS, per engine. */
function tlsParameterFor(engine: string): { name: string; accepted: string[]; setting: string }[] {
  const forceSsl = { name: "rds.force_ssl", accepted: ["1"], setting: "rds.force_ssl = 1" };
  const requireSecureTransport = {
    name: "require_secure_transport",
    accepted: ["1", "on", "true"],
    setting: "require_secure_transport = ON",
  };
  if (/postgres|sqlserver/i.test(engine)) return [forceSsl];
  if (/mysql|mariadb/i.test(engine)) return [requireSecureTransport];
  return [forceSsl, requireSecureTransport];
}

export const rdsTlsInTransit = stackRule({
  name: "rds-tls-in-transit",
  description:
    "CKV2_AWS_69: every RDS instance uses a parameter group (rds.ParameterGroup, matched by parameterGroupName) that " +
    "forces TLS: rds.force_ssl = 1 (PostgreSQL) or require_secure_transport = ON/1 (MySQL, MariaDB).",
  enforcementLevel: "mandatory",
  check: (s, report) => {
    const groups = s.ofType(RDS_PARAMETER_GROUP);
    for (const db of s.ofType(RDS_INSTANCE)) {
      const engine = String(db.props.engine ?? "");
      const used = referenced(db, "parameterGroupName", groups, ["name"]);
      if (used.length === 0) {
        report(
          `RDS instance ${db.name} has no parameter group of this stack: the default group does not force TLS; use a ` +
            "parameter group that sets rds.force_ssl = 1 (PostgreSQL) or require_secure_transport = ON (MySQL) (CKV2_AWS_69).",
          db.urn,
        );
        continue;
      }
      for (const group of used) {
        const wanted = tlsParameterFor(engine || String(group.props.family ?? ""));
        const parameters = (list(group.props.parameters) ?? []) as { name?: unknown; value?: unknown }[];
        const forced = wanted.some((w) =>
          parameters.some((p) => p.name === w.name && w.accepted.includes(String(p.value).toLowerCase())),
        );
        if (!forced) {
          report(
            `Parameter group ${group.name} of RDS instance ${db.name} does not force TLS: set ` +
              `${wanted.map((w) => w.setting).join(" or ")} ` +
              "(CKV2_AWS_69).",
            group.urn,
          );
        }
      }
    }
  },
});

export const rdsLogExportsProd = resourceRule({
  name: "rds-log-exports-prod",
  description:
    "CKV_AWS_129: in prod, RDS instances export their engine logs to CloudWatch Logs (enabledCloudwatchLogsExports " +
    "not empty; database.logExports).",
  enforcementLevel: "mandatory",
  types: [RDS_INSTANCE],
  check: (r, report) => {
    if (r.environment !== "prod") return;
    const exports = read(r.props, "enabledCloudwatchLogsExports");
    if (exports.state === "unknown") return;
    if (exports.state === "absent" || (list(exports.value) ?? []).length === 0) {
      report(
        "enabledCloudwatchLogsExports is empty: the engine's error log stays inside the instance and goes with it; " +
          "export it (database.logExports: true) (CKV_AWS_129).",
      );
    }
  },
});

export const rdsMultiAzProd = resourceRule({
  name: "rds-multi-az-prod",
  description:
    "CKV_AWS_157 (option): in prod, RDS instances are Multi-AZ. Advisory: an option for prod in the security baseline.",
  enforcementLevel: "advisory",
  types: [RDS_INSTANCE],
  check: (r, report) => {
    if (r.environment !== "prod") return;
    const multiAz = read(r.props, "multiAz");
    if (multiAz.state === "absent" || (multiAz.state === "known" && !isTrue(multiAz.value))) {
      report("multiAz is off: a prod database in one AZ goes down with it (CKV_AWS_157, option).");
    }
  },
});

export const rdsIamAuthentication = resourceRule({
  name: "rds-iam-authentication",
  description:
    "CKV_AWS_161 (option): RDS IAM database authentication is enabled. Advisory: an option in the security baseline.",
  enforcementLevel: "advisory",
  types: [RDS_INSTANCE],
  check: (r, report) => {
    const iam = read(r.props, "iamDatabaseAuthenticationEnabled");
    if (iam.state === "absent" || (iam.state === "known" && !isTrue(iam.value))) {
      report("iamDatabaseAuthenticationEnabled is off: IAM auth replaces long-lived passwords (CKV_AWS_161, option).");
    }
  },
});

export const rdsPerformanceInsightsProd = resourceRule({
  name: "rds-performance-insights-prod",
  description:
    "CKV_AWS_353 (option): in prod, Performance Insights is enabled. Advisory: an option for prod in the security baseline.",
  enforcementLevel: "advisory",
  types: [RDS_INSTANCE],
  check: (r, report) => {
    if (r.environment !== "prod") return;
    const insights = read(r.props, "performanceInsightsEnabled");
    if (insights.state === "absent" || (insights.state === "known" && !isTrue(insights.value))) {
      report("performanceInsightsEnabled is off on a prod database (CKV_AWS_353, option).");
    }
  },
});

export const rdsRules = [
  rdsNotPubliclyAccessible,
  rdsStorageEncrypted,
  rdsBackupRetention,
  rdsDeletionProtectionProd,
  rdsFinalSnapshotProd,
  rdsAutoMinorVersionUpgrade,
  rdsCaCertificate,
  rdsTlsInTransit,
  rdsLogExportsProd,
  rdsMultiAzProd,
  rdsIamAuthentication,
  rdsPerformanceInsightsProd,
];
