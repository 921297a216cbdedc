import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { planSubnets } from "./subnets";
import { pickZones } from "./zones";

/** `getAvailabilityZones` filter for Availability Zones proper (no Local or Wavelength Zones). */
export const AVAILABILITY_ZONES_ONLY = { name: "opt-in-status", values: ["opt-in-not-required"] };

/**
 * What VPC Flow Logs needs on its CloudWatch log group (VPC User Guide, "IAM role for publishing flow logs to
 * CloudWatch Logs"): the stream actions on the group, plus logs:DescribeLogGroups (account-wide, read-only).
 */
export const FLOW_LOG_STREAM_ACTIONS = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"];

export interface NetworkArgs {
  /** VPC CIDR block. */
  vpcCidr: string;
  /** Public subnets for the host, one per AZ. */
  publicSubnetCount: number;
  /** Private database subnets, one per AZ, no internet route. */
  privateSubnetCount: number;
  /** Prefix length of each subnet. */
  subnetPrefixLength: number;
  /** VPC flow logs to CloudWatch Logs; undefined turns them off. */
  flowLogs?: { retentionDays: number };
}

/**
 * The VPC of the hand-built setup: public subnets routed to an internet gateway, private database subnets
 * with no internet route, the default security group stripped of every rule, optional flow logs.
 */
export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly vpcCidr: string;
  readonly publicSubnetIds: pulumi.Output<string>[];
  readonly privateSubnetIds: pulumi.Output<string>[];
  readonly publicSubnetCidrs: string[];
  readonly privateSubnetCidrs: string[];

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("startup:aws:Network", name, {}, opts);
    const layout = planSubnets(args);
    const zoneAt = this.zonePicker();
    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      { cidrBlock: args.vpcCidr, enableDnsSupport: true, enableDnsHostnames: true, tags: { Name: `${name}-vpc` } },
      { parent: this },
    );
    const routes = this.routing(name, vpc);
    this.publicSubnetIds = this.subnets(name, vpc, zoneAt, {
      tier: "public",
      cidrs: layout.publicCidrs,
      routeTable: routes.publicRoutes,
      setting: "network.publicSubnetCount",
    });
    this.privateSubnetIds = this.subnets(name, vpc, zoneAt, {
      tier: "private",
      cidrs: layout.privateCidrs,
      routeTable: routes.privateRoutes,
      setting: "network.privateSubnetCount",
    });

    if (args.flowLogs) this.createFlowLogs(name, vpc, args.flowLogs.retentionDays);

    this.vpcId = vpc.id;
    this.vpcCidr = args.vpcCidr;
    this.publicSubnetCidrs = layout.publicCidrs;
    this.privateSubnetCidrs = layout.privateCidrs;
    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
    });
  }

  /** The zone of subnet `i` of `count` (pickZones), from the region's Availability Zones. */
  private zonePicker(): (count: number, setting: string, i: number) => pulumi.Output<string> {
    // Availability Zones proper: without the filter, Local and Wavelength Zones the account has opted in to are listed
    // too (aws.getAvailabilityZones docs, "Only Availability Zones (no Local Zones)"), and RDS, NAT and most
    // instance types are not offered there.
    const zones = aws.getAvailabilityZonesOutput(
      { state: "available", filters: [AVAILABILITY_ZONES_ONLY] },
      { parent: this },
    ).names;
    return (count, setting, i) => zones.apply((names) => pickZones(names, count, setting)[i]!);
  }

  /** The rule-less default security group, the internet gateway, and the public and (local-only) private routes. */
  private routing(
    name: string,
    vpc: aws.ec2.Vpc,
  ): { publicRoutes: aws.ec2.RouteTable; privateRoutes: aws.ec2.RouteTable } {
    // Managing the default security group with no rules removes AWS's allow-all-within-group default (CKV2_AWS_12).
    new aws.ec2.DefaultSecurityGroup(
      `${name}-default-sg`,
      { vpcId: vpc.id, ingress: [], egress: [], tags: { Name: `${name}-default-sg (no rules)` } },
      { parent: vpc },
    );
    const igw = new aws.ec2.InternetGateway(
      `${name}-igw`,
      { vpcId: vpc.id, tags: { Name: `${name}-igw` } },
      { parent: vpc },
    );

    const publicRoutes = new aws.ec2.RouteTable(
      `${name}-public-rt`,
      { vpcId: vpc.id, tags: { Name: `${name}-public` } },
      { parent: vpc },
    );
    new aws.ec2.Route(
      `${name}-public-default-route`,
      { routeTableId: publicRoutes.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id },
      { parent: publicRoutes },
    );
    // Only the implicit local route: the database subnets cannot reach or be reached from the internet.
    const privateRoutes = new aws.ec2.RouteTable(
      `${name}-private-rt`,
      { vpcId: vpc.id, tags: { Name: `${name}-private (local only)` } },
      { parent: vpc },
    );
    return { publicRoutes, privateRoutes };
  }

  /** One subnet per CIDR of a tier, each in its zone and associated with the tier's route table. */
  private subnets(
    name: string,
    vpc: aws.ec2.Vpc,
    zoneAt: (count: number, setting: string, i: number) => pulumi.Output<string>,
    tier: { tier: "public" | "private"; cidrs: string[]; routeTable: aws.ec2.RouteTable; setting: string },
  ): pulumi.Output<string>[] {
    const { cidrs, routeTable, setting } = tier;
    return cidrs.map((cidr, i) => {
      const subnet = new aws.ec2.Subnet(
        `${name}-${tier.tier}-${i + 1}`,
        {
          vpcId: vpc.id,
          cidrBlock: cidr,
          availabilityZone: zoneAt(cidrs.length, setting, i),
          // The host gets an Elastic IP; nothing launched in any subnet gets a public address by accident.
          mapPublicIpOnLaunch: false,
          tags: { Name: `${name}-${tier.tier}-${i + 1}`, Tier: tier.tier },
        },
        { parent: vpc },
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-${tier.tier}-${i + 1}-rta`,
        { subnetId: subnet.id, routeTableId: routeTable.id },
        { parent: subnet },
      );
      return subnet.id;
    });
  }

  private createFlowLogs(name: string, vpc: aws.ec2.Vpc, retentionDays: number): void {
    const account = aws.getCallerIdentityOutput({}, { parent: this });
    const region = aws.getRegionOutput({}, { parent: this });
    const partition = aws.getPartitionOutput({}, { parent: this });
    const scope = pulumi.all([account.accountId, region.region, partition.partition]);
    // CloudWatch Logs encrypts the group with this key (CKV_AWS_158); the key policy lets only the account and the
    // Logs service for this account's log groups use it.
    const key = new aws.kms.Key(
      `${name}-flow-logs-key`,
      {
        description: `Encrypts the ${name} VPC flow-log group`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: scope.apply(([accountId, regionName, part]) => flowLogKeyPolicy(accountId, regionName, part)),
        tags: { Name: `${name}-flow-logs-key` },
      },
      { parent: vpc },
    );
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-flow-logs`,
      { retentionInDays: retentionDays, kmsKeyId: key.arn, tags: { Name: `${name}-flow-logs` } },
      { parent: vpc },
    );
    const role = new aws.iam.Role(
      `${name}-flow-logs-role`,
      {
        description: "Lets VPC Flow Logs write to its CloudWatch log group",
        assumeRolePolicy: scope.apply(([accountId, regionName, part]) =>
          flowLogTrustPolicy(accountId, regionName, part),
        ),
      },
      { parent: vpc },
    );
    new aws.iam.RolePolicy(
      `${name}-flow-logs-policy`,
      {
        role: role.id,
        policy: logGroup.arn.apply((arn) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Action: FLOW_LOG_STREAM_ACTIONS,
                Resource: [arn, `${arn}:*`],
              },
              // DescribeLogGroups authorizes on the account's log-group ARN pattern, not on one group; the flow-logs
              // service calls it to check its destination. Read-only, and the only permission outside the group.
              { Effect: "Allow", Action: ["logs:DescribeLogGroups"], Resource: "*" },
            ],
          }),
        ),
      },
      { parent: role },
    );
    new aws.ec2.FlowLog(
      `${name}-flow-log`,
      {
        vpcId: vpc.id,
        trafficType: "ALL",
        logDestination: logGroup.arn,
        iamRoleArn: role.arn,
        tags: { Name: `${name}-flow-log` },
      },
      { parent: vpc },
    );
  }
}

/**
 * Trust policy of the flow-log role. The conditions stop the confused deputy: VPC Flow Logs may assume the role
 * only on behalf of this account's flow logs in this region (AWS VPC User Guide, "Flow logs to CloudWatch Logs":
 * "IAM role for publishing flow logs", `aws:SourceAccount` / `aws:SourceArn`).
 */
export function flowLogTrustPolicy(accountId: string, region: string, partition: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "vpc-flow-logs.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": accountId },
          ArnLike: { "aws:SourceArn": `arn:${partition}:ec2:${region}:${accountId}:vpc-flow-log/*` },
        },
      },
    ],
  });
}

/**
 * Key policy of the flow-log group's KMS key: the account administers it; CloudWatch Logs of this region may use
 * it only for this account's log groups (CloudWatch Logs User Guide, "Encrypt log data using AWS KMS").
 */
export function flowLogKeyPolicy(accountId: string, region: string, partition: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AccountAdministers",
        Effect: "Allow",
        Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
        Action: "kms:*",
        Resource: "*",
      },
      {
        Sid: "CloudWatchLogsUsesForThisAccount",
        Effect: "Allow",
        Principal: { Service: `logs.${region}.amazonaws.com` },
        Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        Resource: "*",
        Condition: {
          ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:${partition}:logs:${region}:${accountId}:log-group:*` },
        },
      },
    ],
  });
}
