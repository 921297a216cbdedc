// The provider-constraints table (policy/lib/constraints.ts): for every rule, a value the API accepts and one it
// rejects, read from the resource shape the program produces; then the policy as the plan and CrossGuard run it.
import { describe, expect, it } from "vitest";
import {
  checkConstraints,
  constraintMessage,
  EC2_SG_RULE_TEXT_CHARS,
  PROVIDER_CONSTRAINTS,
  type ConstraintSubject,
} from "../../policy/lib/constraints";
import { providerConstraints } from "../../policy/rules/provider-constraints";
import { messages, planned } from "../../policy/testing";

const subject = (type: string, props: Record<string, unknown>, name = "dev-thing"): ConstraintSubject => ({
  type,
  name,
  props,
});
const ids = (s: ConstraintSubject) => checkConstraints(s).map((v) => v.id);

const SG = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const DKIM = "p=" + "A".repeat(300);

/** Per rule id: a resource the API accepts and one it rejects (for that rule). */
const CASES: Record<string, { ok: ConstraintSubject; bad: ConstraintSubject }> = {
  "ec2-security-group-description": {
    ok: subject(SG, { description: "postgres on 5432 & nothing else, reachable only from the listed groups" }),
    bad: subject(SG, { description: "the database's group" }),
  },
  "ec2-security-group-rule-description": {
    ok: subject(INGRESS, { description: "postgres from registry-host over the private VPC path (5432/tcp)" }),
    bad: subject(INGRESS, { description: "postgres from registry-host over the VPC's private path" }),
  },
  "ec2-security-group-name": {
    ok: subject(SG, { name: "registry host [dev]", description: "d" }),
    bad: subject(SG, { name: "sg-registry", description: "d" }),
  },
  "rds-instance-identifier": {
    ok: subject("aws:rds/instance:Instance", {}, "dev-database-db"),
    bad: subject("aws:rds/instance:Instance", {}, "dev_database.db"),
  },
  "rds-final-snapshot-identifier": {
    ok: subject("aws:rds/instance:Instance", { identifier: "db", finalSnapshotIdentifier: "prod-database-final-1a2b" }),
    bad: subject("aws:rds/instance:Instance", { identifier: "db", finalSnapshotIdentifier: "prod--database-final-" }),
  },
  "rds-parameter-group-name": {
    ok: subject("aws:rds/parameterGroup:ParameterGroup", {}, "dev-database-params"),
    bad: subject("aws:rds/parameterGroup:ParameterGroup", { name: "1-params" }),
  },
  "rds-subnet-group-name": {
    ok: subject("aws:rds/subnetGroup:SubnetGroup", {}, "dev-database-subnets"),
    bad: subject("aws:rds/subnetGroup:SubnetGroup", { name: "default" }),
  },
  "route53-txt-string-length": {
    ok: subject("aws:route53/record:Record", { type: "TXT", records: [`${DKIM.slice(0, 255)}""${DKIM.slice(255)}`] }),
    bad: subject("aws:route53/record:Record", { type: "TXT", records: ['"v=spf1 -all"'] }),
  },
  "aws-tag-count": {
    ok: subject("aws:ec2/vpc:Vpc", { tags: { Name: "dev-vpc" } }),
    bad: subject("aws:ec2/vpc:Vpc", { tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"])) }),
  },
  "aws-tag-key": {
    ok: subject("aws:ec2/vpc:Vpc", { tags: { Project: "startup-infra" } }),
    bad: subject("aws:ec2/vpc:Vpc", { tags: { "aws:owner": "me" } }),
  },
  "aws-tag-value": {
    ok: subject("aws:ec2/vpc:Vpc", { tags: { Name: "x".repeat(256) } }),
    bad: subject("aws:ec2/vpc:Vpc", { tags: { Name: "x".repeat(257) } }),
  },
  "aws-tag-characters": {
    ok: subject("aws:rds/instance:Instance", { identifier: "db", tags: { Name: "dev-database-db" } }),
    bad: subject("pulumi:providers:aws", { defaultTags: JSON.stringify({ tags: { Owner: "ops (team)" } }) }),
  },
  "azure-storage-account-name": {
    ok: subject("azure-native:storage:StorageAccount", { accountName: "stdev4753a8" }),
    bad: subject("azure-native:storage:StorageAccount", { accountName: "st-dev-4753a8" }),
  },
  "azure-key-vault-name": {
    ok: subject("azure-native:keyvault:Vault", { vaultName: "kv-dev-4753a8" }),
    bad: subject("azure-native:keyvault:Vault", { vaultName: "kv-startup-infra-production-1" }),
  },
  "azure-key-vault-object-name": {
    ok: subject("azure-native:keyvault:Secret", { secretName: "registry-password-ci" }),
    bad: subject("azure-native:keyvault:Key", { keyName: "app_signing" }),
  },
  "azure-resource-group-name": {
    ok: subject("azure-native:resources:ResourceGroup", {}, "dev-azure-rg"),
    bad: subject("azure-native:resources:ResourceGroup", { resourceGroupName: "rg." }),
  },
  "azure-blob-container-name": {
    ok: subject("azure-native:storage:BlobContainer", { containerName: "uploads" }),
    bad: subject("azure-native:storage:BlobContainer", { containerName: "Uploads--old" }),
  },
  "azure-tag-count": {
    ok: subject("azure-native:storage:StorageAccount", { accountName: "st1234", tags: { Stack: "dev" } }),
    bad: subject("azure-native:storage:StorageAccount", {
      accountName: "st1234",
      tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"])),
    }),
  },
  "azure-tag-name": {
    ok: subject("azure-native:keyvault:Vault", { vaultName: "kv-1234", tags: { ManagedBy: "pulumi" } }),
    bad: subject("azure-native:keyvault:Vault", { vaultName: "kv-1234", tags: { "team/owner": "ops" } }),
  },
  "azure-tag-value": {
    ok: subject("azure-native:keyvault:Vault", { vaultName: "kv-1234", tags: { Note: "x".repeat(256) } }),
    bad: subject("azure-native:keyvault:Vault", { vaultName: "kv-1234", tags: { Note: "x".repeat(257) } }),
  },
};

describe("provider constraints: one accepted and one rejected value per rule", () => {
  it("has a case for every rule of the table, and every rule cites its API", () => {
    expect(Object.keys(CASES).sort()).toEqual(PROVIDER_CONSTRAINTS.map((c) => c.id).sort());
    for (const c of PROVIDER_CONSTRAINTS) expect(c.rule, c.id).toMatch(/\(.+\)/);
  });

  it.each(Object.entries(CASES))("%s", (id, { ok, bad }) => {
    expect(ids(ok)).not.toContain(id);
    expect(ids(bad)).toContain(id);
  });
});

describe("EC2 security group and rule descriptions", () => {
  const RULE_TYPES = [
    "aws:ec2/securityGroupRule:SecurityGroupRule",
    INGRESS,
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  ];

  it("accepts every character of the documented sets and rejects the apostrophe, quotes, non-ASCII", () => {
    expect(ids(subject(SG, { description: "abcXYZ019. _-:/()#,@[]+=&;{}!$*" }))).toEqual([]);
    expect(ids(subject(INGRESS, { description: "abcXYZ019. _-:/()#,@[]+=;{}!$*" }))).toEqual([]);
    for (const c of ["'", '"', "`", "\u00e9", "\n", "?", "%", "<", ">", "|", "~", "^"]) {
      expect(ids(subject(SG, { description: `a${c}b` })), JSON.stringify(c)).toEqual([
        "ec2-security-group-description",
      ]);
      expect(ids(subject(INGRESS, { description: `a${c}b` })), JSON.stringify(c)).toEqual([
        "ec2-security-group-rule-description",
      ]);
    }
  });

  it("keeps & out of rule descriptions (UserIdGroupPair / PrefixListId), allows it in group descriptions", () => {
    expect(ids(subject(SG, { description: "a & b" }))).toEqual([]);
    for (const type of RULE_TYPES)
      expect(ids(subject(type, { description: "a & b" })), type).toEqual(["ec2-security-group-rule-description"]);
  });

  it("checks the 255-character limit", () => {
    expect(ids(subject(SG, { description: "x".repeat(255) }))).toEqual([]);
    expect(ids(subject(SG, { description: "x".repeat(256) }))).toEqual(["ec2-security-group-description"]);
    expect(ids(subject(INGRESS, { description: "x".repeat(256) }))).toEqual(["ec2-security-group-rule-description"]);
  });

  it("reads inline ingress and egress descriptions and all three rule resources", () => {
    const v = checkConstraints(
      subject(SG, {
        description: "ok",
        ingress: [{ description: "ok" }, { description: "it's" }],
        egress: [{ description: "\u00e9" }],
      }),
    );
    expect(v.map((x) => x.where)).toEqual(["ingress[1].description", "egress[0].description"]);
    for (const type of RULE_TYPES)
      expect(ids(subject(type, { description: "it's" })), type).toEqual(["ec2-security-group-rule-description"]);
  });

  it("skips values not known until deploy", () => {
    expect(ids(subject(INGRESS, { description: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }))).toEqual([]);
  });
});

describe("auto-names", () => {
  it("judges the name the provider will make from the logical name (AWS: -<7 hex>; RDS lower-cased)", () => {
    const [v] = checkConstraints(subject("aws:rds/instance:Instance", {}, "r".repeat(56)));
    expect(v).toMatchObject({
      id: "rds-instance-identifier",
      where: `identifier (auto-named from "${"r".repeat(56)}")`,
    });
    expect(ids(subject("aws:rds/instance:Instance", {}, "r".repeat(55)))).toEqual([]);
    expect(ids(subject("aws:rds/instance:Instance", {}, "Dev-Database"))).toEqual([]);
  });
});

describe("tag characters: only where the API restricts them and botocore's model does not say so", () => {
  const TAGS = { tags: { Note: "p95 > 2s (see #ops)" } };

  it("leaves CloudWatch alarm, DLM and EC2 tags alone (the monitoring model gives alarm tags no pattern)", () => {
    for (const type of [
      "aws:cloudwatch/metricAlarm:MetricAlarm",
      "aws:cloudwatch/logGroup:LogGroup",
      "aws:dlm/lifecyclePolicy:LifecyclePolicy",
      "aws:ec2/vpc:Vpc",
    ])
      expect(ids(subject(type, TAGS)), type).not.toContain("aws-tag-characters");
  });

  it("still judges RDS tags and the provider's default tags (they reach RDS)", () => {
    expect(ids(subject("aws:rds/instance:Instance", { identifier: "db", ...TAGS }))).toContain("aws-tag-characters");
    expect(
      ids(subject("pulumi:providers:aws", { defaultTags: JSON.stringify({ tags: { Note: "a (b)" } }) })),
    ).toContain("aws-tag-characters");
  });
});

describe("the provider-constraints policy", () => {
  it("reports the value, what is wrong and the EC2 rule it breaks", () => {
    const rule = planned(INGRESS, "dev-database-from-registry-host", {
      description: "postgres from registry-host over the VPC's private path",
    });
    expect(messages(providerConstraints, [rule])).toEqual([
      `description "postgres from registry-host over the VPC's private path" contains "'" (allowed: ${EC2_SG_RULE_TEXT_CHARS}): ` +
        `the cloud API rejects it. EC2 accepts rule descriptions of up to 255 characters from ${EC2_SG_RULE_TEXT_CHARS} ` +
        "(IpRange, Ipv6Range, UserIdGroupPair and PrefixListId Description in the EC2 API Reference; the first two also " +
        "allow &; otherwise InvalidParameterValue: Invalid rule description) [ec2-security-group-rule-description]",
    ]);
    expect(messages(providerConstraints, [planned(INGRESS, "ok", { description: "fine" })])).toEqual([]);
  });

  it("shortens long values in messages", () => {
    const [v] = checkConstraints(subject(SG, { description: "x".repeat(300) }));
    expect(constraintMessage(v!)).toContain(`"${"x".repeat(77)}..."`);
  });
});

describe("name prefixes", () => {
  it("judges a namePrefix with the 26 characters terraform's PrefixedUniqueId appends", () => {
    expect(ids(subject("aws:rds/instance:Instance", { identifierPrefix: "r".repeat(37) }))).toEqual([]);
    const [v] = checkConstraints(subject("aws:rds/instance:Instance", { identifierPrefix: "r".repeat(38) }));
    expect(v).toMatchObject({ id: "rds-instance-identifier", where: "identifierPrefix (+ 26-character suffix)" });
  });
});
