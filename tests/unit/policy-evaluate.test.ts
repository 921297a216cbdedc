import * as pulumi from "@pulumi/pulumi";
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { evaluatePolicies } from "../../policy/evaluate";
import { EXCEPTIONS, PROD_WEB_ENTRY } from "../../policy/exceptions";
import { resolveEnvironment, stackOfUrn } from "../../policy/lib/environment";
import { rdsDeletionProtectionProd } from "../../policy/rules/rds";
import { rules } from "../../policy/rules";
import { planned } from "../../policy/testing";

// Checkov / Trivy / tfsec IDs, AWS Foundational Security Best Practices control IDs, AWS Config managed rule names.
const SCANNER_ID =
  /\b(?:CKV2?_(?:AWS|AZURE)_\d+|AWS-\d{4}|AZU-\d{4}|CloudWatch\.\d+)\b|\bAWS Config [a-z0-9]+(?:-[a-z0-9]+)*-check\b/;

describe("the rule list", () => {
  it("has unique names, each description carries scanner IDs", () => {
    const names = rules.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    // provider-constraints cites the cloud APIs' own rules; checks no scanner has say so instead of citing an ID.
    for (const rule of rules.filter((r) => r.name !== "provider-constraints")) {
      expect(SCANNER_ID.test(rule.description) || /no Checkov\/Trivy ID/.test(rule.description), rule.name).toBe(true);
    }
  });

  it("is mandatory except the bar's options, which are advisory", () => {
    const advisory = rules.filter((r) => r.enforcementLevel === "advisory").map((r) => r.name);
    expect(advisory.sort()).toEqual([
      "alerts-configured-prod",
      "azure-keyvault-network-acl-deny",
      "azure-keyvault-public-network-access",
      "azure-storage-network-default-deny",
      "azure-storage-public-network-access",
      "azure-storage-shared-key-off",
      "cloudwatch-log-group-retention-1-year",
      "ebs-volume-snapshots-prod",
      "no-world-open-egress-all-ports",
      "rds-iam-authentication",
      "rds-multi-az-prod",
      "rds-performance-insights-prod",
      "vpc-flow-logs-dev",
    ]);
    expect(rules.every((r) => r.enforcementLevel === "mandatory" || r.enforcementLevel === "advisory")).toBe(true);
  });

  it("names every exception in the rule it relaxes", () => {
    for (const exception of EXCEPTIONS) {
      const rule = rules.find((r) => r.name === exception.policy);
      expect(rule, exception.name).toBeDefined();
      expect(rule!.description).toContain(`"${exception.name}"`);
    }
    expect(PROD_WEB_ENTRY.ports).toEqual([80, 443]);
  });
});

describe("environment", () => {
  it("comes from the policy config, else from the stack name in the URN", () => {
    expect(stackOfUrn("urn:pulumi:prod-eu::startup-infra::aws:ec2/vpc:Vpc::v")).toBe("prod-eu");
    expect(resolveEnvironment({}, "urn:pulumi:prod::p::t::n")).toBe("prod");
    expect(resolveEnvironment({}, "urn:pulumi:production::p::t::n")).toBe("prod");
    expect(resolveEnvironment({}, "urn:pulumi:dev::p::t::n")).toBe("dev");
    expect(resolveEnvironment({}, "urn:pulumi:staging::p::t::n")).toBe("dev");
    expect(resolveEnvironment({ environment: "dev" }, "urn:pulumi:prod::p::t::n")).toBe("dev");
    expect(resolveEnvironment({ environment: "prod" }, "urn:pulumi:dev::p::t::n")).toBe("prod");
    expect(resolveEnvironment(undefined, undefined)).toBe("dev");
  });

  it("drives prod-only rules as CrossGuard calls them (config absent -> stack name)", () => {
    const call = (stack: string, config: object) => {
      const reported: string[] = [];
      const args = {
        type: "aws:rds/instance:Instance",
        name: "db",
        urn: `urn:pulumi:${stack}::startup-infra::aws:rds/instance:Instance::db`,
        props: { deletionProtection: false },
        getConfig: () => config,
      } as unknown as ResourceValidationArgs;
      const validate = (rdsDeletionProtectionProd as ResourceValidationPolicy).validateResource as (
        a: ResourceValidationArgs,
        r: (m: string) => void,
      ) => void;
      validate(args, (m) => reported.push(m));
      return reported.length;
    };
    expect(call("prod", {})).toBe(1);
    expect(call("dev", {})).toBe(0);
    expect(call("prod", { environment: "dev" })).toBe(0);
    expect(call("dev", { environment: "prod" })).toBe(1);
  });
});

describe("evaluatePolicies", () => {
  /** A small stack: VPC with managed default group, a host opened to the world on 22, a good database. */
  function stack(stackName: string) {
    const p = (
      type: string,
      name: string,
      inputs: Record<string, unknown>,
      dependsOn: ReturnType<typeof planned>[] = [],
    ) => planned(type, name, inputs, { stack: stackName, dependsOn });
    const vpc = p("aws:ec2/vpc:Vpc", "net-vpc", { cidrBlock: "10.0.0.0/16" });
    const defaultSg = p(
      "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
      "net-default-sg",
      { ingress: [], egress: [] },
      [vpc],
    );
    const hostSg = p(
      "aws:ec2/securityGroup:SecurityGroup",
      "host-sg",
      { description: "registry host", vpcId: "vpc-1" },
      [vpc],
    );
    const ssh = p(
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      "host-ssh",
      {
        securityGroupId: "sg-host",
        ipProtocol: "tcp",
        fromPort: 22,
        toPort: 22,
        cidrIpv4: "0.0.0.0/0",
        description: "SSH",
      },
      [hostSg],
    );
    const registry = p(
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      "host-registry",
      {
        securityGroupId: "sg-host",
        ipProtocol: "tcp",
        fromPort: 5000,
        toPort: 5000,
        cidrIpv4: "0.0.0.0/0",
        description: "registry (TLS + auth)",
      },
      [hostSg],
    );
    const params = p("aws:rds/parameterGroup:ParameterGroup", "db-params", {
      family: "postgres16",
      parameters: [{ name: "rds.force_ssl", value: "1" }],
    });
    const dbSg = p(
      "aws:ec2/securityGroup:SecurityGroup",
      "db-sg",
      { description: "postgres from host", vpcId: "vpc-1" },
      [vpc],
    );
    const db = p(
      "aws:rds/instance:Instance",
      "db",
      {
        engine: "postgres",
        storageEncrypted: true,
        publiclyAccessible: false,
        backupRetentionPeriod: 1,
        caCertIdentifier: "rds-ca-rsa2048-g1",
        iamDatabaseAuthenticationEnabled: true,
        password: { [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value: "s3cret" },
        vpcSecurityGroupIds: ["sg-db"],
      },
      [dbSg, params],
    );
    return { vpc, ssh, db, all: [vpc, defaultSg, hostSg, ssh, registry, params, dbSg, db] };
  }

  it("dev: exactly the world-open SSH rule; the registry port is allowed by design", () => {
    const s = stack("dev");
    expect(evaluatePolicies(s.all, "dev")).toEqual([
      {
        policy: "no-world-open-admin-ports",
        enforcementLevel: "mandatory",
        urn: s.ssh.urn,
        message:
          "the rule admits 0.0.0.0/0 to admin port 22 (SSH): admin ports must never be open to the internet or to " +
          "ranges wider than /16 (IPv4) or /32 (IPv6); admit only the configured admin CIDRs (CKV_AWS_24 / " +
          "AWS-0107, CKV_AWS_25).",
      },
      {
        policy: "vpc-flow-logs-dev",
        enforcementLevel: "advisory",
        urn: s.vpc.urn,
        message:
          "VPC net-vpc has no flow log: turn on network.flowLogs to record dev traffic too (CKV2_AWS_11 / AWS-0178, " +
          "option).",
      },
    ]);
  });

  it("prod: the same stack also breaks the prod-only rules", () => {
    const s = stack("prod");
    const found = evaluatePolicies(s.all, "prod").map((v) => [v.policy, v.enforcementLevel, v.urn]);
    expect(found).toEqual([
      ["no-world-open-admin-ports", "mandatory", s.ssh.urn],
      ["vpc-flow-logs-prod", "mandatory", s.vpc.urn],
      ["rds-backup-retention", "mandatory", s.db.urn],
      ["rds-deletion-protection-prod", "mandatory", s.db.urn],
      ["rds-final-snapshot-prod", "mandatory", s.db.urn],
      ["rds-log-exports-prod", "mandatory", s.db.urn],
      ["rds-multi-az-prod", "advisory", s.db.urn],
      ["rds-performance-insights-prod", "advisory", s.db.urn],
    ]);
  });

  it("the environment argument wins over the stack name", () => {
    const s = stack("prod");
    expect(evaluatePolicies(s.all, "dev").map((v) => v.policy)).toEqual([
      "no-world-open-admin-ports",
      "vpc-flow-logs-dev",
    ]);
  });

  it("sees secret inputs unwrapped, as CrossGuard does", () => {
    const host = planned("aws:ec2/instance:Instance", "host", {
      metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
      rootBlockDevice: { encrypted: true },
      userData: { [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value: "password=hunter2\n" },
    });
    // The host recovers by itself (ec2-status-check-recovery), so only the user data is wrong.
    const recovery = planned(
      "aws:cloudwatch/metricAlarm:MetricAlarm",
      "recover",
      { metricName: "StatusCheckFailed_System", alarmActions: ["arn:aws:automate:ap-northeast-2:ec2:recover"] },
      { dependsOn: [host] },
    );
    expect(evaluatePolicies([host, recovery], "dev").map((v) => [v.policy, v.message])).toEqual([
      [
        "no-secrets-in-user-data",
        "userData contains a password assignment: user data is readable by anyone who can describe the instance or " +
          "reach its metadata; ship secrets another way (CKV_AWS_46 / AWS-0029).",
      ],
    ]);
  });

  it("returns nothing for an empty plan and for component resources", () => {
    expect(evaluatePolicies([], "prod")).toEqual([]);
    const component = { ...planned("startup:aws:Network", "net"), custom: false };
    expect(evaluatePolicies([component], "prod")).toEqual([]);
  });
});
