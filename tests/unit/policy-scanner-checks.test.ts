// The scanner checks added to the pack (egress, CloudWatch Logs, flow logs in dev, the log-delivery role's trust,
// RDS log exports, Azure network access, the SSH host key): one passing and one failing case each, and the real
// program (dev with flow logs on) passing the mandatory ones.
import { beforeAll, describe, expect, it } from "vitest";
import { evaluate } from "../../policy/evaluate";
import { WIRE_SECRET_SIG, WIRE_SIG_KEY } from "../../policy/lib/values";
import {
  azureKeyVaultPublicNetworkAccess,
  azureStorageNetworkDefaultDeny,
  azureStoragePublicNetworkAccess,
} from "../../policy/rules/azure";
import { sshHostKeyPinnedProd } from "../../policy/rules/host";
import {
  cloudwatchLogGroupKms,
  cloudwatchLogGroupRetention,
  cloudwatchLogGroupRetentionYear,
  logDeliveryRoleConfusedDeputy,
  loggingRules,
  vpcFlowLogsDev,
} from "../../policy/rules/logging";
import { noWorldOpenEgressAllPorts } from "../../policy/rules/network";
import { rdsLogExportsProd } from "../../policy/rules/rds";
import { messages, planned, run } from "../../policy/testing";
import { runStack, type StackRun } from "./support/runStack";

const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const ROLE = "aws:iam/role:Role";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";

describe("no-world-open-egress-all-ports (CKV_AWS_382 / AWS-0104, advisory)", () => {
  it("reports all-port egress to the world in the three resource types", () => {
    const resources = [
      planned(EGRESS_RULE, "all-v4", { ipProtocol: "-1", cidrIpv4: "0.0.0.0/0", description: "d" }),
      planned(SG_RULE, "all-v6", { type: "egress", protocol: "-1", fromPort: 0, toPort: 0, ipv6CidrBlocks: ["::/0"] }),
      planned(SG, "inline", { egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }] }),
    ];
    const found = run(noWorldOpenEgressAllPorts, resources);
    expect(found.map((v) => [v.urn, v.enforcementLevel])).toEqual([
      [resources[0]!.urn, "advisory"],
      [resources[1]!.urn, "advisory"],
      [resources[2]!.urn, "advisory"],
    ]);
    expect(found[2]!.message).toMatch(/^egress\[0\] lets the group reach 0\.0\.0\.0\/0 on all ports/);
  });
  it("passes egress to one port, or all ports inside the VPC, and ignores ingress", () => {
    const resources = [
      planned(EGRESS_RULE, "https", { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" }),
      planned(EGRESS_RULE, "vpc", { ipProtocol: "-1", cidrIpv4: "10.0.0.0/16" }),
      planned(SG_RULE, "in", { type: "ingress", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["10.0.0.0/8"] }),
    ];
    expect(run(noWorldOpenEgressAllPorts, resources)).toEqual([]);
  });
});

describe("CloudWatch log groups (CKV_AWS_66, CKV_AWS_338, CKV_AWS_158 / AWS-0017)", () => {
  const good = planned(LOG_GROUP, "good", { retentionInDays: 365, kmsKeyId: "arn:aws:kms:r:1:key/k" });
  it("passes a group with a retention and a KMS key", () => {
    expect(
      evaluate([cloudwatchLogGroupRetention, cloudwatchLogGroupRetentionYear, cloudwatchLogGroupKms], [good], "dev"),
    ).toEqual([]);
  });
  it("fails a group kept forever, or without a KMS key; advises under a year", () => {
    const forever = planned(LOG_GROUP, "forever", { kmsKeyId: "k" });
    const zero = planned(LOG_GROUP, "zero", { retentionInDays: 0, kmsKeyId: "k" });
    const plain = planned(LOG_GROUP, "plain", { retentionInDays: 90 });
    expect(run(cloudwatchLogGroupRetention, [forever, zero, plain]).map((v) => v.urn)).toEqual([forever.urn, zero.urn]);
    expect(messages(cloudwatchLogGroupKms, [forever, plain])).toEqual([
      expect.stringMatching(/^kmsKeyId is not set: .*\(CKV_AWS_158 \/ AWS-0017\)\.$/),
    ]);
    expect(run(cloudwatchLogGroupKms, [plain]).map((v) => v.urn)).toEqual([plain.urn]);
    expect(run(cloudwatchLogGroupRetentionYear, [plain]).map((v) => [v.urn, v.enforcementLevel])).toEqual([
      [plain.urn, "advisory"],
    ]);
  });
});

describe("vpc-flow-logs-dev (CKV2_AWS_11 / AWS-0178, advisory option)", () => {
  const vpc = planned("aws:ec2/vpc:Vpc", "dev-vpc", { cidrBlock: "10.0.0.0/16" });
  it("advises a dev VPC without a flow log, not a prod one (vpc-flow-logs-prod covers prod)", () => {
    expect(run(vpcFlowLogsDev, [vpc], "dev").map((v) => [v.urn, v.enforcementLevel])).toEqual([[vpc.urn, "advisory"]]);
    expect(run(vpcFlowLogsDev, [vpc], "prod")).toEqual([]);
  });
  it("passes a dev VPC with a flow log", () => {
    const flowLog = planned("aws:ec2/flowLog:FlowLog", "fl", { vpcId: "vpc-1" }, { dependsOn: [vpc] });
    expect(run(vpcFlowLogsDev, [vpc, flowLog], "dev")).toEqual([]);
  });
});

describe("log-delivery-role-confused-deputy", () => {
  const trust = (condition?: Record<string, unknown>) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "vpc-flow-logs.amazonaws.com" },
          Action: "sts:AssumeRole",
          ...(condition ? { Condition: condition } : {}),
        },
      ],
    });
  it("fails a flow-log role trusted without aws:SourceAccount / aws:SourceArn", () => {
    expect(messages(logDeliveryRoleConfusedDeputy, [planned(ROLE, "r", { assumeRolePolicy: trust() })])).toEqual([
      "assumeRolePolicy Statement[0] lets vpc-flow-logs.amazonaws.com assume the role without an aws:SourceAccount " +
        "or aws:SourceArn condition: any account's flow logs could use it (confused deputy); add the condition.",
    ]);
  });
  it("passes with either condition, and ignores roles for other services", () => {
    const resources = [
      planned(ROLE, "account", { assumeRolePolicy: trust({ StringEquals: { "aws:SourceAccount": "123456789012" } }) }),
      planned(ROLE, "arn", {
        assumeRolePolicy: trust({ ArnLike: { "aws:SourceArn": "arn:aws:ec2:*:1:vpc-flow-log/*" } }),
      }),
      planned(ROLE, "ec2", {
        assumeRolePolicy: JSON.stringify({
          Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
      }),
    ];
    expect(run(logDeliveryRoleConfusedDeputy, resources)).toEqual([]);
  });
});

describe("rds-log-exports-prod (CKV_AWS_129)", () => {
  const RDS = "aws:rds/instance:Instance";
  it("fails a prod instance without log exports, empty or absent", () => {
    const resources = [
      planned(RDS, "none", {}, { stack: "prod" }),
      planned(RDS, "empty", { enabledCloudwatchLogsExports: [] }, { stack: "prod" }),
    ];
    expect(run(rdsLogExportsProd, resources, "prod").map((v) => v.urn)).toEqual(resources.map((r) => r.urn));
  });
  it("passes exported logs in prod, and anything in dev", () => {
    const exported = planned(RDS, "db", { enabledCloudwatchLogsExports: ["postgresql", "upgrade"] }, { stack: "prod" });
    expect(run(rdsLogExportsProd, [exported], "prod")).toEqual([]);
    expect(run(rdsLogExportsProd, [planned(RDS, "dev-db", {})], "dev")).toEqual([]);
  });
});

describe("Azure network access (CKV_AZURE_35 / AZU-0012, CKV_AZURE_59, CKV_AZURE_189; advisory options)", () => {
  const ACCOUNT = "azure-native:storage:StorageAccount";
  const VAULT = "azure-native:keyvault:Vault";
  const open = { defaultAction: "Allow", ipRules: [] };
  const deny = { defaultAction: "Deny", ipRules: [{ iPAddressOrRange: "198.51.100.7", action: "Allow" }] };
  it("advises storage accounts and vaults that answer every network", () => {
    const account = planned(ACCOUNT, "st", { networkRuleSet: open });
    const denyNoList = planned(ACCOUNT, "st2", { networkRuleSet: { defaultAction: "Deny", ipRules: [] } });
    const vault = planned(VAULT, "kv", { properties: { networkAcls: open, publicNetworkAccess: "enabled" } });
    expect(run(azureStorageNetworkDefaultDeny, [account, denyNoList]).map((v) => v.urn)).toEqual([
      account.urn,
      denyNoList.urn,
    ]);
    expect(run(azureStoragePublicNetworkAccess, [account]).map((v) => v.enforcementLevel)).toEqual(["advisory"]);
    expect(run(azureKeyVaultPublicNetworkAccess, [vault]).map((v) => v.urn)).toEqual([vault.urn]);
  });
  it("passes a Deny firewall with an allow list, or public network access disabled", () => {
    const resources = [
      planned(ACCOUNT, "st", { networkRuleSet: deny }),
      planned(VAULT, "kv", { properties: { networkAcls: deny } }),
      planned(VAULT, "kv2", { properties: { networkAcls: open, publicNetworkAccess: "disabled" } }),
      planned(ACCOUNT, "st3", { networkRuleSet: open, publicNetworkAccess: "Disabled" }),
    ];
    expect(run(azureStorageNetworkDefaultDeny, resources.slice(0, 1))).toEqual([]);
    expect(run(azureStoragePublicNetworkAccess, resources)).toEqual([]);
    expect(run(azureKeyVaultPublicNetworkAccess, resources)).toEqual([]);
  });
});

describe("ssh-host-key-pinned-prod", () => {
  const COMMAND = "command:remote:Command";
  const COPY = "command:remote:CopyToRemote";
  const connection = (extra: Record<string, unknown> = {}) => ({ host: "203.0.113.7", user: "ubuntu", ...extra });
  it("reports prod remote commands and copies whose connection has no hostKey, even behind a secret", () => {
    const resources = [
      planned(COMMAND, "install", { connection: connection(), create: "x" }, { stack: "prod" }),
      planned(
        COPY,
        "files",
        { connection: { [WIRE_SIG_KEY]: WIRE_SECRET_SIG, value: connection() } },
        { stack: "prod" },
      ),
      planned(COMMAND, "empty", { connection: connection({ hostKey: " " }), create: "x" }, { stack: "prod" }),
    ];
    expect(run(sshHostKeyPinnedProd, resources, "prod").map((v) => v.urn)).toEqual(resources.map((r) => r.urn));
  });
  it("passes a pinned key (also inside a secret), and dev", () => {
    const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDrT root@host";
    const resources = [
      planned(COMMAND, "install", { connection: connection({ hostKey: key }) }, { stack: "prod" }),
      planned(
        COPY,
        "files",
        { connection: { [WIRE_SIG_KEY]: WIRE_SECRET_SIG, value: connection({ hostKey: key }) } },
        { stack: "prod" },
      ),
    ];
    expect(run(sshHostKeyPinnedProd, resources, "prod")).toEqual([]);
    expect(run(sshHostKeyPinnedProd, [planned(COMMAND, "dev", { connection: connection() })], "dev")).toEqual([]);
  });
});

describe("the program passes the mandatory logging rules (dev with flow logs on)", () => {
  let stack: StackRun;
  beforeAll(async () => {
    stack = await runStack("dev", { network: { flowLogs: true } });
  });
  it("encrypts the flow-log group, keeps a retention and limits the role's trust to this account", () => {
    const mandatory = loggingRules.filter((r) => r.enforcementLevel === "mandatory");
    expect(evaluate(mandatory, stack.resources, "dev")).toEqual([]);
    const role = stack.ofType(ROLE).find((r) => r.name === "dev-flow-logs-role")!;
    const statement = JSON.parse(role.props.assumeRolePolicy).Statement[0];
    expect(statement.Condition.StringEquals["aws:SourceAccount"]).toMatch(/^\d{12}$/);
    expect(statement.Condition.ArnLike["aws:SourceArn"]).toMatch(/^arn:aws:ec2:[a-z0-9-]+:\d{12}:vpc-flow-log\/\*$/);
    const key = stack.ofType("aws:kms/key:Key").find((r) => r.name === "dev-flow-logs-key")!;
    expect(key.props.enableKeyRotation).toBe(true);
  });
  it("exports the database engine's logs", () => {
    const [db] = stack.ofType("aws:rds/instance:Instance");
    expect(db!.props.enabledCloudwatchLogsExports).toEqual(["postgresql", "upgrade"]);
  });
});
