/** VPC-wide rules that relate resources to each other (stack policies). */
import { stackRule } from "../lib/define";
import { DEFAULT_SECURITY_GROUP } from "../lib/ingress";
import { referenced } from "../lib/relations";
import { isTrue } from "../lib/values";

export const VPC = "aws:ec2/vpc:Vpc";
export const SUBNET = "aws:ec2/subnet:Subnet";
export const FLOW_LOG = "aws:ec2/flowLog:FlowLog";
export const DB_SUBNET_GROUP = "aws:rds/subnetGroup:SubnetGroup";

export const vpcDefaultSecurityGroupManaged = stackRule({
  name: "vpc-default-security-group-managed",
  description:
    "CKV2_AWS_12 / AWS-0173: every VPC's default security group is taken over by an ec2.DefaultSecurityGroup " +
    "(which default-security-group-no-rules keeps empty); left alone, it admits all traffic between its members.",
  enforcementLevel: "mandatory",
  check: (s, report) => {
    const defaults = s.ofType(DEFAULT_SECURITY_GROUP);
    for (const vpc of s.ofType(VPC)) {
      const managed = defaults.some((d) => referenced(d, "vpcId", [vpc]).length > 0);
      if (!managed) {
        report(
          `VPC ${vpc.name} has no ec2.DefaultSecurityGroup: its default security group keeps AWS's allow-all-between-members ` +
            "rule; manage it with no rules (CKV2_AWS_12 / AWS-0173).",
          vpc.urn,
        );
      }
    }
  },
});

export const privateSubnetsNoPublicIp = stackRule({
  name: "private-subnets-no-public-ip",
  description:
    "CKV_AWS_130 / AWS-0164: private subnets (those of an RDS subnet group, or named private) do not map public IPs " +
    "on launch.",
  enforcementLevel: "mandatory",
  check: (s, report) => {
    const subnets = s.ofType(SUBNET);
    const inSubnetGroups = new Set(s.ofType(DB_SUBNET_GROUP).flatMap((g) => referenced(g, "subnetIds", subnets)));
    for (const subnet of subnets) {
      const isPrivate = inSubnetGroups.has(subnet) || /private/i.test(subnet.name);
      if (!isPrivate) continue;
      if (isTrue(subnet.props.mapPublicIpOnLaunch) || isTrue(subnet.props.assignIpv6AddressOnCreation)) {
        report(
          `Private subnet ${subnet.name} gives instances a public address on launch: set mapPublicIpOnLaunch (and ` +
            "assignIpv6AddressOnCreation) to false (CKV_AWS_130 / AWS-0164).",
          subnet.urn,
        );
      }
    }
  },
});

export const vpcFlowLogsProd = stackRule({
  name: "vpc-flow-logs-prod",
  description: "CKV2_AWS_11 / AWS-0178: in prod, every VPC has an ec2.FlowLog.",
  enforcementLevel: "mandatory",
  check: (s, report) => {
    if (s.environment !== "prod") return;
    const flowLogs = s.ofType(FLOW_LOG);
    for (const vpc of s.ofType(VPC)) {
      if (!flowLogs.some((f) => referenced(f, "vpcId", [vpc]).length > 0)) {
        report(`VPC ${vpc.name} has no flow log: prod VPCs record their traffic (CKV2_AWS_11 / AWS-0178).`, vpc.urn);
      }
    }
  },
});

export const vpcRules = [vpcDefaultSecurityGroupManaged, privateSubnetsNoPublicIp, vpcFlowLogsProd];
