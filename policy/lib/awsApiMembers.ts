/**
 * Which AWS API member each string input of each AWS resource type this program plans is sent as. The AWS provider
 * (terraform-provider-aws, file named per type) copies the input into that member of that operation's request; the
 * API's own rule for the member (its shape's `pattern`, `min`, `max`, `enum`) is read from botocore's model of the
 * service at test time (tests/unit/aws-api-rules*.test.ts, docs/aws-api-rules.md), so every string the program sends
 * is judged by the rule the API applies, not by a copy of it.
 *
 * Grammar of an input path: segments joined by `.`, `[]` after a list, `<key>` / `<value>` for the keys / values of a
 * map (tags, dimensions). A member is `Operation Member.Path` in the same grammar (structure members, `[]` list
 * elements, `<key>` / `<value>` of a map), resolved in botocore's model of `service`; a row that names a member the
 * model does not have fails the test.
 *
 * Exemptions are inputs that reach no length/pattern-checked member as a string: provider settings, values the
 * provider converts first (base64, JSON into another shape), or timestamps. Each says why.
 */

/** One resource type: the botocore service (directory name under botocore/data) and where each input goes. */
export interface ResourceApiMap {
  /** botocore's directory name of the service: `ec2`, `iam`, `dlm`, `cloudwatch` (CloudWatch's model), ... */
  service: string;
  /** The provider source that builds the requests (terraform-provider-aws). */
  source: string;
  /** Input path -> `Operation Member.Path`. */
  members: Record<string, string>;
  /** Input path -> why no checked string member receives it. */
  exempt?: Record<string, string>;
}

/** EC2 creates take their tags in the request (`TagSpecifications`; CreateTags for resources adopted, not created). */
const ec2Tags = (operation: string): Record<string, string> => ({
  "tags.<key>": `${operation} TagSpecifications[].Tags[].Key`,
  "tags.<value>": `${operation} TagSpecifications[].Tags[].Value`,
});
/** IAM, RDS, SNS, SSM, CloudWatch: a `Tags` list of `{ Key, Value }` in the create request. */
const listTags = (operation: string): Record<string, string> => ({
  "tags.<key>": `${operation} Tags[].Key`,
  "tags.<value>": `${operation} Tags[].Value`,
});

const TF = "terraform-provider-aws internal/service/";

export const AWS_API_MEMBERS: Record<string, ResourceApiMap> = {
  "aws:cloudwatch/logGroup:LogGroup": {
    service: "logs",
    source: `${TF}logs/group.go (CreateLogGroup)`,
    members: {
      name: "CreateLogGroup logGroupName",
      namePrefix: "CreateLogGroup logGroupName",
      kmsKeyId: "CreateLogGroup kmsKeyId",
      logGroupClass: "CreateLogGroup logGroupClass",
      "tags.<key>": "CreateLogGroup tags.<key>",
      "tags.<value>": "CreateLogGroup tags.<value>",
    },
  },
  "aws:cloudwatch/metricAlarm:MetricAlarm": {
    service: "cloudwatch",
    source: `${TF}cloudwatch/metric_alarm.go (PutMetricAlarm)`,
    members: {
      name: "PutMetricAlarm AlarmName",
      alarmDescription: "PutMetricAlarm AlarmDescription",
      "alarmActions[]": "PutMetricAlarm AlarmActions[]",
      "okActions[]": "PutMetricAlarm OKActions[]",
      "insufficientDataActions[]": "PutMetricAlarm InsufficientDataActions[]",
      comparisonOperator: "PutMetricAlarm ComparisonOperator",
      "dimensions.<key>": "PutMetricAlarm Dimensions[].Name",
      "dimensions.<value>": "PutMetricAlarm Dimensions[].Value",
      metricName: "PutMetricAlarm MetricName",
      namespace: "PutMetricAlarm Namespace",
      statistic: "PutMetricAlarm Statistic",
      extendedStatistic: "PutMetricAlarm ExtendedStatistic",
      unit: "PutMetricAlarm Unit",
      treatMissingData: "PutMetricAlarm TreatMissingData",
      ...listTags("PutMetricAlarm"),
    },
  },
  "aws:dlm/lifecyclePolicy:LifecyclePolicy": {
    service: "dlm",
    source: `${TF}dlm/lifecycle_policy.go (CreateLifecyclePolicy, expandPolicyDetails)`,
    members: {
      description: "CreateLifecyclePolicy Description",
      executionRoleArn: "CreateLifecyclePolicy ExecutionRoleArn",
      state: "CreateLifecyclePolicy State",
      "policyDetails.policyType": "CreateLifecyclePolicy PolicyDetails.PolicyType",
      "policyDetails.resourceTypes[]": "CreateLifecyclePolicy PolicyDetails.ResourceTypes[]",
      "policyDetails.targetTags.<key>": "CreateLifecyclePolicy PolicyDetails.TargetTags[].Key",
      "policyDetails.targetTags.<value>": "CreateLifecyclePolicy PolicyDetails.TargetTags[].Value",
      "policyDetails.schedules[].name": "CreateLifecyclePolicy PolicyDetails.Schedules[].Name",
      "policyDetails.schedules[].createRule.intervalUnit":
        "CreateLifecyclePolicy PolicyDetails.Schedules[].CreateRule.IntervalUnit",
      // The provider's `times` is one hh:mm; it sends it as the one element of CreateRule.Times.
      "policyDetails.schedules[].createRule.times":
        "CreateLifecyclePolicy PolicyDetails.Schedules[].CreateRule.Times[]",
      "policyDetails.schedules[].tagsToAdd.<key>": "CreateLifecyclePolicy PolicyDetails.Schedules[].TagsToAdd[].Key",
      "policyDetails.schedules[].tagsToAdd.<value>":
        "CreateLifecyclePolicy PolicyDetails.Schedules[].TagsToAdd[].Value",
      "tags.<key>": "CreateLifecyclePolicy Tags.<key>",
      "tags.<value>": "CreateLifecyclePolicy Tags.<value>",
    },
  },
  "aws:ebs/volume:Volume": {
    service: "ec2",
    source: `${TF}ec2/ebs_volume.go (CreateVolume)`,
    members: {
      availabilityZone: "CreateVolume AvailabilityZone",
      type: "CreateVolume VolumeType",
      snapshotId: "CreateVolume SnapshotId",
      kmsKeyId: "CreateVolume KmsKeyId",
      ...ec2Tags("CreateVolume"),
    },
  },
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": {
    service: "ec2",
    source: `${TF}ec2/vpc_default_security_group.go (adopts the VPC's default group, revokes its rules, CreateTags)`,
    members: {
      vpcId: "DescribeSecurityGroups Filters[].Values[]",
      "tags.<key>": "CreateTags Tags[].Key",
      "tags.<value>": "CreateTags Tags[].Value",
    },
  },
  "aws:ec2/eip:Eip": {
    service: "ec2",
    source: `${TF}ec2/ec2_eip.go (AllocateAddress)`,
    members: { domain: "AllocateAddress Domain", ...ec2Tags("AllocateAddress") },
  },
  "aws:ec2/eipAssociation:EipAssociation": {
    service: "ec2",
    source: `${TF}ec2/ec2_eip_association.go (AssociateAddress)`,
    members: { allocationId: "AssociateAddress AllocationId", instanceId: "AssociateAddress InstanceId" },
  },
  "aws:ec2/flowLog:FlowLog": {
    service: "ec2",
    source: `${TF}ec2/vpc_flow_log.go (CreateFlowLogs)`,
    members: {
      iamRoleArn: "CreateFlowLogs DeliverLogsPermissionArn",
      logDestination: "CreateFlowLogs LogDestination",
      logDestinationType: "CreateFlowLogs LogDestinationType",
      trafficType: "CreateFlowLogs TrafficType",
      vpcId: "CreateFlowLogs ResourceIds[]",
      logFormat: "CreateFlowLogs LogFormat",
      ...ec2Tags("CreateFlowLogs"),
    },
  },
  "aws:ec2/instance:Instance": {
    service: "ec2",
    source: `${TF}ec2/ec2_instance.go (RunInstances)`,
    members: {
      ami: "RunInstances ImageId",
      instanceType: "RunInstances InstanceType",
      iamInstanceProfile: "RunInstances IamInstanceProfile.Name",
      keyName: "RunInstances KeyName",
      subnetId: "RunInstances SubnetId",
      "vpcSecurityGroupIds[]": "RunInstances SecurityGroupIds[]",
      "metadataOptions.httpEndpoint": "RunInstances MetadataOptions.HttpEndpoint",
      "metadataOptions.httpTokens": "RunInstances MetadataOptions.HttpTokens",
      "metadataOptions.instanceMetadataTags": "RunInstances MetadataOptions.InstanceMetadataTags",
      "metadataOptions.httpProtocolIpv6": "RunInstances MetadataOptions.HttpProtocolIpv6",
      "rootBlockDevice.volumeType": "RunInstances BlockDeviceMappings[].Ebs.VolumeType",
      "rootBlockDevice.kmsKeyId": "RunInstances BlockDeviceMappings[].Ebs.KmsKeyId",
      ...ec2Tags("RunInstances"),
    },
    exempt: {
      userData:
        "the provider base64-encodes it into RunInstances UserData, whose shape (RunInstancesUserData) has no " +
        "pattern or length in the model",
    },
  },
  "aws:ec2/internetGateway:InternetGateway": {
    service: "ec2",
    source: `${TF}ec2/vpc_internet_gateway.go (CreateInternetGateway, AttachInternetGateway)`,
    members: { vpcId: "AttachInternetGateway VpcId", ...ec2Tags("CreateInternetGateway") },
  },
  "aws:ec2/keyPair:KeyPair": {
    service: "ec2",
    source: `${TF}ec2/ec2_key_pair.go (ImportKeyPair)`,
    members: {
      keyName: "ImportKeyPair KeyName",
      // The provider appends a unique suffix to the prefix: the prefix is judged as the start of KeyName.
      keyNamePrefix: "ImportKeyPair KeyName",
      // A blob member: the SDK base64-encodes the bytes; no string rule applies.
      publicKey: "ImportKeyPair PublicKeyMaterial",
      ...ec2Tags("ImportKeyPair"),
    },
  },
  "aws:ec2/route:Route": {
    service: "ec2",
    source: `${TF}ec2/vpc_route.go (CreateRoute)`,
    members: {
      destinationCidrBlock: "CreateRoute DestinationCidrBlock",
      destinationIpv6CidrBlock: "CreateRoute DestinationIpv6CidrBlock",
      gatewayId: "CreateRoute GatewayId",
      routeTableId: "CreateRoute RouteTableId",
    },
  },
  "aws:ec2/routeTable:RouteTable": {
    service: "ec2",
    source: `${TF}ec2/vpc_route_table.go (CreateRouteTable)`,
    members: { vpcId: "CreateRouteTable VpcId", ...ec2Tags("CreateRouteTable") },
  },
  "aws:ec2/routeTableAssociation:RouteTableAssociation": {
    service: "ec2",
    source: `${TF}ec2/vpc_route_table_association.go (AssociateRouteTable)`,
    members: { routeTableId: "AssociateRouteTable RouteTableId", subnetId: "AssociateRouteTable SubnetId" },
  },
  "aws:ec2/securityGroup:SecurityGroup": {
    service: "ec2",
    source: `${TF}ec2/vpc_security_group.go (CreateSecurityGroup)`,
    members: {
      name: "CreateSecurityGroup GroupName",
      namePrefix: "CreateSecurityGroup GroupName",
      description: "CreateSecurityGroup Description",
      vpcId: "CreateSecurityGroup VpcId",
      ...ec2Tags("CreateSecurityGroup"),
    },
  },
  "aws:ec2/subnet:Subnet": {
    service: "ec2",
    source: `${TF}ec2/vpc_subnet.go (CreateSubnet)`,
    members: {
      availabilityZone: "CreateSubnet AvailabilityZone",
      cidrBlock: "CreateSubnet CidrBlock",
      vpcId: "CreateSubnet VpcId",
      ...ec2Tags("CreateSubnet"),
    },
  },
  "aws:ec2/volumeAttachment:VolumeAttachment": {
    service: "ec2",
    source: `${TF}ec2/ebs_volume_attachment.go (AttachVolume)`,
    members: {
      deviceName: "AttachVolume Device",
      instanceId: "AttachVolume InstanceId",
      volumeId: "AttachVolume VolumeId",
    },
  },
  "aws:ec2/vpc:Vpc": {
    service: "ec2",
    source: `${TF}ec2/vpc_.go (CreateVpc)`,
    members: {
      cidrBlock: "CreateVpc CidrBlock",
      instanceTenancy: "CreateVpc InstanceTenancy",
      ...ec2Tags("CreateVpc"),
    },
  },
  "aws:iam/instanceProfile:InstanceProfile": {
    service: "iam",
    source: `${TF}iam/instance_profile.go (CreateInstanceProfile, AddRoleToInstanceProfile)`,
    members: {
      name: "CreateInstanceProfile InstanceProfileName",
      path: "CreateInstanceProfile Path",
      role: "AddRoleToInstanceProfile RoleName",
      ...listTags("CreateInstanceProfile"),
    },
  },
  "aws:iam/role:Role": {
    service: "iam",
    source: `${TF}iam/role.go (CreateRole)`,
    members: {
      name: "CreateRole RoleName",
      namePrefix: "CreateRole RoleName",
      path: "CreateRole Path",
      assumeRolePolicy: "CreateRole AssumeRolePolicyDocument",
      description: "CreateRole Description",
      ...listTags("CreateRole"),
    },
  },
  "aws:iam/rolePolicy:RolePolicy": {
    service: "iam",
    source: `${TF}iam/role_policy.go (PutRolePolicy)`,
    members: {
      name: "PutRolePolicy PolicyName",
      policy: "PutRolePolicy PolicyDocument",
      role: "PutRolePolicy RoleName",
    },
  },
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": {
    service: "iam",
    source: `${TF}iam/role_policy_attachment.go (AttachRolePolicy)`,
    members: { policyArn: "AttachRolePolicy PolicyArn", role: "AttachRolePolicy RoleName" },
  },
  "aws:kms/key:Key": {
    service: "kms",
    source: `${TF}kms/key.go (CreateKey)`,
    members: {
      description: "CreateKey Description",
      policy: "CreateKey Policy",
      keyUsage: "CreateKey KeyUsage",
      customerMasterKeySpec: "CreateKey KeySpec",
      "tags.<key>": "CreateKey Tags[].TagKey",
      "tags.<value>": "CreateKey Tags[].TagValue",
    },
  },
  "aws:rds/instance:Instance": {
    service: "rds",
    source: `${TF}rds/instance.go (CreateDBInstance; RestoreDBInstanceFromDBSnapshot, RestoreDBInstanceToPointInTime)`,
    members: {
      identifier: "CreateDBInstance DBInstanceIdentifier",
      identifierPrefix: "CreateDBInstance DBInstanceIdentifier",
      engine: "CreateDBInstance Engine",
      engineVersion: "CreateDBInstance EngineVersion",
      instanceClass: "CreateDBInstance DBInstanceClass",
      storageType: "CreateDBInstance StorageType",
      dbName: "CreateDBInstance DBName",
      username: "CreateDBInstance MasterUsername",
      password: "CreateDBInstance MasterUserPassword",
      dbSubnetGroupName: "CreateDBInstance DBSubnetGroupName",
      parameterGroupName: "CreateDBInstance DBParameterGroupName",
      "vpcSecurityGroupIds[]": "CreateDBInstance VpcSecurityGroupIds[]",
      backupWindow: "CreateDBInstance PreferredBackupWindow",
      maintenanceWindow: "CreateDBInstance PreferredMaintenanceWindow",
      caCertIdentifier: "CreateDBInstance CACertificateIdentifier",
      kmsKeyId: "CreateDBInstance KmsKeyId",
      performanceInsightsKmsKeyId: "CreateDBInstance PerformanceInsightsKMSKeyId",
      "enabledCloudwatchLogsExports[]": "CreateDBInstance EnableCloudwatchLogsExports[]",
      finalSnapshotIdentifier: "DeleteDBInstance FinalDBSnapshotIdentifier",
      snapshotIdentifier: "RestoreDBInstanceFromDBSnapshot DBSnapshotIdentifier",
      "restoreToPointInTime.sourceDbInstanceIdentifier": "RestoreDBInstanceToPointInTime SourceDBInstanceIdentifier",
      ...listTags("CreateDBInstance"),
    },
    exempt: {
      "restoreToPointInTime.restoreTime":
        "sent as RestoreDBInstanceToPointInTime RestoreTime, a timestamp shape (the SDK serialises the parsed time); " +
        "the config schema requires ISO 8601 UTC",
    },
  },
  "aws:rds/parameterGroup:ParameterGroup": {
    service: "rds",
    source: `${TF}rds/parameter_group.go (CreateDBParameterGroup, ModifyDBParameterGroup)`,
    members: {
      name: "CreateDBParameterGroup DBParameterGroupName",
      namePrefix: "CreateDBParameterGroup DBParameterGroupName",
      description: "CreateDBParameterGroup Description",
      family: "CreateDBParameterGroup DBParameterGroupFamily",
      "parameters[].name": "ModifyDBParameterGroup Parameters[].ParameterName",
      "parameters[].value": "ModifyDBParameterGroup Parameters[].ParameterValue",
      "parameters[].applyMethod": "ModifyDBParameterGroup Parameters[].ApplyMethod",
      ...listTags("CreateDBParameterGroup"),
    },
  },
  "aws:rds/subnetGroup:SubnetGroup": {
    service: "rds",
    source: `${TF}rds/subnet_group.go (CreateDBSubnetGroup)`,
    members: {
      name: "CreateDBSubnetGroup DBSubnetGroupName",
      namePrefix: "CreateDBSubnetGroup DBSubnetGroupName",
      description: "CreateDBSubnetGroup DBSubnetGroupDescription",
      "subnetIds[]": "CreateDBSubnetGroup SubnetIds[]",
      ...listTags("CreateDBSubnetGroup"),
    },
  },
  "aws:route53/record:Record": {
    service: "route53",
    source: `${TF}route53/record.go (ChangeResourceRecordSets)`,
    members: {
      zoneId: "ChangeResourceRecordSets HostedZoneId",
      name: "ChangeResourceRecordSets ChangeBatch.Changes[].ResourceRecordSet.Name",
      type: "ChangeResourceRecordSets ChangeBatch.Changes[].ResourceRecordSet.Type",
      // The provider quotes TXT values itself (and splits nothing): the quoted form is 2 characters longer.
      "records[]": "ChangeResourceRecordSets ChangeBatch.Changes[].ResourceRecordSet.ResourceRecords[].Value",
      setIdentifier: "ChangeResourceRecordSets ChangeBatch.Changes[].ResourceRecordSet.SetIdentifier",
    },
  },
  "aws:route53/zone:Zone": {
    service: "route53",
    source: `${TF}route53/zone.go (CreateHostedZone, ChangeTagsForResource)`,
    members: {
      name: "CreateHostedZone Name",
      comment: "CreateHostedZone HostedZoneConfig.Comment",
      delegationSetId: "CreateHostedZone DelegationSetId",
      "tags.<key>": "ChangeTagsForResource AddTags[].Key",
      "tags.<value>": "ChangeTagsForResource AddTags[].Value",
    },
  },
  "aws:sns/topic:Topic": {
    service: "sns",
    source: `${TF}sns/topic.go (CreateTopic)`,
    members: {
      name: "CreateTopic Name",
      namePrefix: "CreateTopic Name",
      kmsMasterKeyId: "CreateTopic Attributes.<value>",
      ...listTags("CreateTopic"),
    },
  },
  "aws:sns/topicPolicy:TopicPolicy": {
    service: "sns",
    source: `${TF}sns/topic_policy.go (SetTopicAttributes, AttributeName Policy)`,
    members: {
      arn: "SetTopicAttributes TopicArn",
      policy: "SetTopicAttributes AttributeValue",
    },
  },
  "aws:sns/topicSubscription:TopicSubscription": {
    service: "sns",
    source: `${TF}sns/topic_subscription.go (Subscribe)`,
    members: {
      topic: "Subscribe TopicArn",
      protocol: "Subscribe Protocol",
      endpoint: "Subscribe Endpoint",
    },
  },
  "aws:ssm/parameter:Parameter": {
    service: "ssm",
    source: `${TF}ssm/parameter.go (PutParameter)`,
    members: {
      name: "PutParameter Name",
      description: "PutParameter Description",
      type: "PutParameter Type",
      tier: "PutParameter Tier",
      value: "PutParameter Value",
      keyId: "PutParameter KeyId",
      dataType: "PutParameter DataType",
      ...listTags("PutParameter"),
    },
  },
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": {
    service: "ec2",
    source: `${TF}ec2/vpc_security_group_egress_rule.go (AuthorizeSecurityGroupEgress)`,
    members: sgRuleMembers("AuthorizeSecurityGroupEgress"),
  },
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {
    service: "ec2",
    source: `${TF}ec2/vpc_security_group_ingress_rule.go (AuthorizeSecurityGroupIngress)`,
    members: sgRuleMembers("AuthorizeSecurityGroupIngress"),
  },
};

/** A security group rule resource sends one IpPermission; its description goes with the source it names. */
function sgRuleMembers(operation: string): Record<string, string> {
  return {
    securityGroupId: `${operation} GroupId`,
    ipProtocol: `${operation} IpPermissions[].IpProtocol`,
    cidrIpv4: `${operation} IpPermissions[].IpRanges[].CidrIp`,
    cidrIpv6: `${operation} IpPermissions[].Ipv6Ranges[].CidrIpv6`,
    prefixListId: `${operation} IpPermissions[].PrefixListIds[].PrefixListId`,
    referencedSecurityGroupId: `${operation} IpPermissions[].UserIdGroupPairs[].GroupId`,
    // The description rides on whichever source the rule names; the IpRanges one stands for all four (each is a
    // plain string in the model: EC2's documented character set is kept in policy/lib/constraints.ts).
    description: `${operation} IpPermissions[].IpRanges[].Description`,
    ...ec2Tags(operation),
  };
}

/** The AWS provider's own inputs: none is a request member. */
export const AWS_PROVIDER_EXEMPT: Record<string, string> = {
  region: "selects the endpoint; never a request member",
  skipCredentialsValidation: "a provider setting, never sent",
  skipRegionValidation: "a provider setting, never sent",
  skipMetadataApiCheck: "a provider setting, never sent",
  allowedAccountIds: "a provider setting (JSON list), checked against the caller's account, never sent",
  defaultTags: "merged into the `tags` of every tagged resource (tags_all), and judged there",
};
