import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
  databaseIngressOnlyFromSecurityGroups,
  databaseNoPublicHostAddress,
} from "../../policy/rules/database-reachability";
import {
  rdsAutoMinorVersionUpgrade,
  rdsBackupRetention,
  rdsCaCertificate,
  rdsDeletionProtectionProd,
  rdsFinalSnapshotProd,
  rdsIamAuthentication,
  rdsMultiAzProd,
  rdsNotPubliclyAccessible,
  rdsPerformanceInsightsProd,
  rdsStorageEncrypted,
  rdsTlsInTransit,
} from "../../policy/rules/rds";
import { messages, planned, run } from "../../policy/testing";

const RDS = "aws:rds/instance:Instance";
const PARAMS = "aws:rds/parameterGroup:ParameterGroup";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";

const goodDb = {
  engine: "postgres",
  publiclyAccessible: false,
  storageEncrypted: true,
  backupRetentionPeriod: 7,
  deletionProtection: true,
  skipFinalSnapshot: false,
  finalSnapshotIdentifier: "db-final-1a2b3c4d",
  autoMinorVersionUpgrade: true,
  caCertIdentifier: "rds-ca-rsa2048-g1",
  multiAz: true,
  iamDatabaseAuthenticationEnabled: true,
  performanceInsightsEnabled: true,
};
const db = (overrides: Record<string, unknown> = {}, stack = "dev", name = "db") =>
  planned(RDS, name, { ...goodDb, ...overrides }, { stack });

describe("rds-not-publicly-accessible (CKV_AWS_17 / AWS-0180)", () => {
  it("fails a public instance, passes a private one", () => {
    expect(messages(rdsNotPubliclyAccessible, [db({ publiclyAccessible: true })])).toEqual([
      "publiclyAccessible is true: the database gets a public DNS name and address; keep it private and reach it " +
        "from the host's security group (CKV_AWS_17 / AWS-0180).",
    ]);
    expect(run(rdsNotPubliclyAccessible, [db()])).toEqual([]);
  });
});

describe("rds-storage-encrypted (CKV_AWS_16 / AWS-0080)", () => {
  it("fails unencrypted or unset storage, passes encrypted", () => {
    const message = "storageEncrypted is not true: encrypt the database storage (CKV_AWS_16 / AWS-0080).";
    expect(
      messages(rdsStorageEncrypted, [
        db({ storageEncrypted: false }),
        db({ storageEncrypted: undefined }, "dev", "db2"),
      ]),
    ).toEqual([message, message]);
    expect(run(rdsStorageEncrypted, [db()])).toEqual([]);
  });
});

describe("rds-backup-retention (CKV_AWS_133 / AWS-0077)", () => {
  const tail = " day(s) of automated backups (CKV_AWS_133 / AWS-0077).";
  it("prod needs 7 days", () => {
    expect(messages(rdsBackupRetention, [db({ backupRetentionPeriod: 3 }, "prod")], "prod")).toEqual([
      `backupRetentionPeriod is 3: prod keeps at least 7${tail}`,
    ]);
    expect(run(rdsBackupRetention, [db({ backupRetentionPeriod: 7 }, "prod")], "prod")).toEqual([]);
  });
  it("dev needs 1 day, and an unset value fails", () => {
    expect(
      messages(rdsBackupRetention, [
        db({ backupRetentionPeriod: 0 }),
        db({ backupRetentionPeriod: undefined }, "dev", "db2"),
      ]),
    ).toEqual([
      `backupRetentionPeriod is 0: dev keeps at least 1${tail}`,
      `backupRetentionPeriod is not set: dev keeps at least 1${tail}`,
    ]);
    expect(run(rdsBackupRetention, [db({ backupRetentionPeriod: 1 })])).toEqual([]);
  });
});

describe("rds-deletion-protection-prod (CKV_AWS_293 / AWS-0177)", () => {
  it("fails in prod without deletion protection, not in dev", () => {
    expect(messages(rdsDeletionProtectionProd, [db({ deletionProtection: false }, "prod")], "prod")).toEqual([
      "deletionProtection is not true: a prod database must not be deletable by one call (CKV_AWS_293 / AWS-0177).",
    ]);
    expect(run(rdsDeletionProtectionProd, [db({ deletionProtection: false })], "dev")).toEqual([]);
    expect(run(rdsDeletionProtectionProd, [db({}, "prod")], "prod")).toEqual([]);
  });
});

describe("rds-final-snapshot-prod", () => {
  it("fails in prod when the final snapshot is skipped or unnamed, not in dev", () => {
    expect(
      messages(
        rdsFinalSnapshotProd,
        [db({ skipFinalSnapshot: true }, "prod"), db({ finalSnapshotIdentifier: undefined }, "prod", "db2")],
        "prod",
      ),
    ).toEqual([
      "skipFinalSnapshot is true: prod keeps a final snapshot when the instance is deleted.",
      "finalSnapshotIdentifier is not set: AWS refuses to delete the instance without one; give it a unique name " +
        "(e.g. with a random suffix) so a second deletion does not collide.",
    ]);
    expect(
      run(rdsFinalSnapshotProd, [db({ skipFinalSnapshot: true, finalSnapshotIdentifier: undefined })], "dev"),
    ).toEqual([]);
    expect(run(rdsFinalSnapshotProd, [db({}, "prod")], "prod")).toEqual([]);
  });
});

describe("rds-auto-minor-version-upgrade (CKV_AWS_226)", () => {
  it("fails when turned off, passes when on or left at the default", () => {
    expect(messages(rdsAutoMinorVersionUpgrade, [db({ autoMinorVersionUpgrade: false })])).toEqual([
      "autoMinorVersionUpgrade is false: minor releases carry security fixes; let RDS apply them (CKV_AWS_226).",
    ]);
    expect(run(rdsAutoMinorVersionUpgrade, [db(), db({ autoMinorVersionUpgrade: undefined }, "dev", "db2")])).toEqual(
      [],
    );
  });
});

describe("rds-ca-certificate (CKV_AWS_211)", () => {
  const tail =
    ": use rds-ca-rsa2048-g1 or rds-ca-rsa4096-g1 or rds-ca-ecc384-g1 so clients verify the server against a current CA (CKV_AWS_211).";
  it("fails an old or unset CA", () => {
    expect(
      messages(rdsCaCertificate, [
        db({ caCertIdentifier: "rds-ca-2019" }),
        db({ caCertIdentifier: undefined }, "dev", "db2"),
      ]),
    ).toEqual([`caCertIdentifier is rds-ca-2019${tail}`, `caCertIdentifier is not set${tail}`]);
  });
  it("passes rds-ca-rsa2048-g1 and newer", () => {
    const resources = ["rds-ca-rsa2048-g1", "rds-ca-rsa4096-g1", "rds-ca-ecc384-g1"].map((ca, i) =>
      db({ caCertIdentifier: ca }, "dev", `db${i}`),
    );
    expect(run(rdsCaCertificate, resources)).toEqual([]);
  });
});

describe("rds-tls-in-transit (CKV2_AWS_69)", () => {
  const params = (name: string, family: string, parameters: { name: string; value: string }[], extra = {}) =>
    planned(PARAMS, name, { family, parameters, ...extra });

  it("fails an instance on the default parameter group", () => {
    const instance = db();
    expect(run(rdsTlsInTransit, [instance])).toEqual([
      {
        policy: "rds-tls-in-transit",
        enforcementLevel: "mandatory",
        urn: instance.urn,
        message:
          "RDS instance db has no parameter group of this stack: the default group does not force TLS; use a " +
          "parameter group that sets rds.force_ssl = 1 (PostgreSQL) or require_secure_transport = ON (MySQL) (CKV2_AWS_69).",
      },
    ]);
  });

  it("fails a parameter group that does not force TLS for the engine", () => {
    const pg = params("db-params", "postgres16", [{ name: "rds.force_ssl", value: "0" }]);
    const my = params("my-params", "mysql8.0", [{ name: "rds.force_ssl", value: "1" }]);
    const pgDb = planned(RDS, "db", { ...goodDb }, { dependsOn: [pg] });
    const myDb = planned(RDS, "mydb", { ...goodDb, engine: "mysql" }, { dependsOn: [my] });
    const found = run(rdsTlsInTransit, [pg, my, pgDb, myDb]);
    expect(found.map((v) => [v.urn, v.message])).toEqual([
      [pg.urn, "Parameter group db-params of RDS instance db does not force TLS: set rds.force_ssl = 1 (CKV2_AWS_69)."],
      [
        my.urn,
        "Parameter group my-params of RDS instance mydb does not force TLS: set require_secure_transport = ON (CKV2_AWS_69).",
      ],
    ]);
  });

  it("passes rds.force_ssl = 1 (postgres, linked by dependency) and require_secure_transport = ON (mysql, linked by name)", () => {
    const pg = params("db-params", "postgres16", [{ name: "rds.force_ssl", value: "1" }]);
    const my = params("my-params", "mysql8.0", [{ name: "require_secure_transport", value: "ON" }], {
      name: "my-params-x",
    });
    const pgDb = planned(RDS, "db", { ...goodDb }, { dependsOn: [pg] });
    const myDb = planned(RDS, "mydb", { ...goodDb, engine: "mysql", parameterGroupName: "my-params-x" });
    expect(run(rdsTlsInTransit, [pg, my, pgDb, myDb])).toEqual([]);
  });
});

describe("RDS options (advisory)", () => {
  it("rds-multi-az-prod (CKV_AWS_157): advisory in prod, silent in dev", () => {
    expect(run(rdsMultiAzProd, [db({ multiAz: false }, "prod")], "prod")).toEqual([
      {
        policy: "rds-multi-az-prod",
        enforcementLevel: "advisory",
        urn: db({}, "prod").urn,
        message: "multiAz is off: a prod database in one AZ goes down with it (CKV_AWS_157, option).",
      },
    ]);
    expect(run(rdsMultiAzProd, [db({ multiAz: false })], "dev")).toEqual([]);
    expect(run(rdsMultiAzProd, [db({}, "prod")], "prod")).toEqual([]);
  });
  it("rds-iam-authentication (CKV_AWS_161): advisory when off", () => {
    expect(messages(rdsIamAuthentication, [db({ iamDatabaseAuthenticationEnabled: false })])).toEqual([
      "iamDatabaseAuthenticationEnabled is off: IAM auth replaces long-lived passwords (CKV_AWS_161, option).",
    ]);
    expect(run(rdsIamAuthentication, [db()])).toEqual([]);
  });
  it("rds-performance-insights-prod (CKV_AWS_353): advisory in prod, silent in dev", () => {
    expect(messages(rdsPerformanceInsightsProd, [db({ performanceInsightsEnabled: false }, "prod")], "prod")).toEqual([
      "performanceInsightsEnabled is off on a prod database (CKV_AWS_353, option).",
    ]);
    expect(run(rdsPerformanceInsightsProd, [db({ performanceInsightsEnabled: false })], "dev")).toEqual([]);
  });
});

describe("database reachability: the hand-built setup's lesson", () => {
  const SEED_LESSON =
    "This is the hand-built setup's mistake: the database was opened to the host's public IP, but the host reaches RDS over the " +
    "VPC's private path, where its packets carry its private address, so a rule for its public address never matches " +
    "(only traffic sent out through the internet gateway carries that address, and it never reaches a private " +
    "database); the rule only opens the database to the internet. Admit the host's security group instead.";
  const ONLY_SG =
    "a database is reachable only from its clients' security groups (referencedSecurityGroupId / " +
    "sourceSecurityGroupId), never from a CIDR.";

  /** The stack as the Database component builds it: the db group admits the host group only. */
  function stack() {
    const vpc = planned("aws:ec2/vpc:Vpc", "net-vpc", { cidrBlock: "10.0.0.0/16" });
    const hostSg = planned(SG, "host-sg", { description: "host", vpcId: "vpc-1" }, { dependsOn: [vpc] });
    const dbSg = planned(SG, "db-sg", { description: "postgres", vpcId: "vpc-1" }, { dependsOn: [vpc] });
    const fromHost = planned(
      INGRESS_RULE,
      "db-from-host",
      {
        securityGroupId: "sg-db",
        referencedSecurityGroupId: "sg-host",
        ipProtocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
      },
      { dependsOn: [dbSg, hostSg], parent: dbSg },
    );
    const sshToHost = planned(
      INGRESS_RULE,
      "host-ssh",
      { securityGroupId: "sg-host", cidrIpv4: "198.51.100.0/24", ipProtocol: "tcp", fromPort: 22, toPort: 22 },
      { dependsOn: [hostSg] },
    );
    const eip = planned("aws:ec2/eip:Eip", "host-eip", { domain: "vpc" });
    const instance = planned(RDS, "db", { ...goodDb, vpcSecurityGroupIds: ["sg-db"] }, { dependsOn: [dbSg] });
    return {
      vpc,
      hostSg,
      dbSg,
      fromHost,
      sshToHost,
      eip,
      instance,
      all: [vpc, hostSg, dbSg, fromHost, sshToHost, eip, instance],
    };
  }

  it("passes the component's shape: db ingress only from the host's security group, CIDRs only on the host group", () => {
    const s = stack();
    expect(run(databaseIngressOnlyFromSecurityGroups, s.all)).toEqual([]);
    expect(run(databaseNoPublicHostAddress, s.all)).toEqual([]);
  });

  it("fails the hand-built setup's rule: the host's public IP admitted on the database group", () => {
    const s = stack();
    const fromPublicIp = planned(
      INGRESS_RULE,
      "db-from-host-ip",
      { securityGroupId: "sg-db", cidrIpv4: "203.0.113.10/32", ipProtocol: "tcp", fromPort: 5432, toPort: 5432 },
      { dependsOn: [s.dbSg] },
    );
    const resources = [...s.all, fromPublicIp];
    expect(run(databaseIngressOnlyFromSecurityGroups, resources).map((v) => [v.urn, v.message])).toEqual([
      [
        fromPublicIp.urn,
        `Security group db-sg of RDS instance db: rule db-from-host-ip admits 203.0.113.10/32: ${ONLY_SG}`,
      ],
    ]);
    expect(run(databaseNoPublicHostAddress, resources).map((v) => [v.urn, v.message])).toEqual([
      [
        fromPublicIp.urn,
        "Security group db-sg of RDS instance db: rule db-from-host-ip admits 203.0.113.10/32, which is outside the " +
          `VPC's private range 10.0.0.0/16. ${SEED_LESSON}`,
      ],
    ]);
  });

  it("names the Elastic IP when the CIDR is its known public address (IPv4), and flags IPv6 CIDRs", () => {
    const s = stack();
    const eip = planned("aws:ec2/eip:Eip", "host-eip", { domain: "vpc", publicIp: "203.0.113.10" });
    const inline = planned(
      SG,
      "db-sg",
      {
        description: "postgres",
        ingress: [
          { protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["203.0.113.10/32"], description: "host" },
          { protocol: "tcp", fromPort: 5432, toPort: 5432, ipv6CidrBlocks: ["2001:db8::/64"], description: "v6" },
        ],
      },
      { dependsOn: [s.vpc] },
    );
    const instance = planned(RDS, "db", { ...goodDb }, { dependsOn: [inline] });
    expect(messages(databaseNoPublicHostAddress, [s.vpc, eip, inline, instance])).toEqual([
      `Security group db-sg of RDS instance db: ingress[0] admits 203.0.113.10/32, the public address of Elastic IP host-eip. ${SEED_LESSON}`,
      `Security group db-sg of RDS instance db: ingress[1] admits 2001:db8::/64, which is outside the VPC's private range 10.0.0.0/16. ${SEED_LESSON}`,
    ]);
  });

  it("flags a CIDR computed at deploy time from the Elastic IP (ec2.SecurityGroupRule)", () => {
    const s = stack();
    const computed = planned(
      SG_RULE,
      "db-from-eip",
      {
        type: "ingress",
        securityGroupId: "sg-db",
        protocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        cidrBlocks: [pulumi.runtime.unknownValue],
      },
      { dependsOn: [s.dbSg, s.eip] },
    );
    const resources = [...s.all, computed];
    expect(messages(databaseIngressOnlyFromSecurityGroups, resources)).toEqual([
      `Security group db-sg of RDS instance db: rule db-from-eip admits a CIDR computed at deploy time: ${ONLY_SG}`,
    ]);
    expect(messages(databaseNoPublicHostAddress, resources)).toEqual([
      `Security group db-sg of RDS instance db: rule db-from-eip admits a CIDR computed from the address of host-eip (aws:ec2/eip:Eip). ${SEED_LESSON}`,
    ]);
  });

  it("any CIDR on the database group breaks the only-from-security-groups rule, even a private one", () => {
    const s = stack();
    const fromVpc = planned(
      INGRESS_RULE,
      "db-from-vpc",
      { securityGroupId: "sg-db", cidrIpv4: "10.0.1.0/24", ipProtocol: "tcp", fromPort: 5432, toPort: 5432 },
      { dependsOn: [s.dbSg] },
    );
    expect(messages(databaseIngressOnlyFromSecurityGroups, [...s.all, fromVpc])).toEqual([
      `Security group db-sg of RDS instance db: rule db-from-vpc admits 10.0.1.0/24: ${ONLY_SG}`,
    ]);
    expect(run(databaseNoPublicHostAddress, [...s.all, fromVpc])).toEqual([]);
  });

  it("fails an RDS instance without a security group of its own", () => {
    const bare = planned(RDS, "db", { ...goodDb });
    expect(messages(databaseIngressOnlyFromSecurityGroups, [bare])).toEqual([
      "RDS instance db has no security group of this stack (vpcSecurityGroupIds): give it its own group that admits " +
        "only its clients' security groups.",
    ]);
  });
});
