import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { agentPolicyDocument } from "./agentPolicy";
import { type AlarmSpec, type AlarmThresholds, planAlarms } from "./alarms";
import { DLM_MANAGED_POLICY_ARN, snapshotPolicyDescription, snapshotPolicyDetails } from "./snapshots";
import { alertTopicPolicyDocument } from "./topicPolicy";

export interface MonitoringArgs {
  /** Prefix of alarm names, e.g. the stack name. */
  prefix: string;
  region: string;
  host: {
    instanceId: pulumi.Input<string>;
    instanceType: string;
    /** The host's instance role: the CloudWatch agent's put-metric permission is attached to it. */
    instanceRoleName: pulumi.Input<string>;
    /** Mount point and file system of the registry data volume (the agent's disk metric dimensions). */
    dataMount: string;
    dataFsType: string;
  };
  database: { identifier: pulumi.Input<string> };
  /** Addresses told about alarms. Defaults to none: no topic, only the auto-recovery alarm. */
  emails?: string[];
  thresholds: AlarmThresholds;
  /** Daily snapshots of the data volume (targets the tags of `snapshotTargetTags`). Defaults to off. */
  snapshots?: { stack: string; retentionCount: number; timeUtc: string };
}

/**
 * What watches the platform and keeps its data: the alarm topic and its e-mail subscriptions, the CloudWatch alarms
 * (planAlarms decides which), the host's auto-recovery, the agent's put-metric permission, and the data volume's
 * snapshot policy. The stack composes it beside the host and the database.
 */
export class Monitoring extends pulumi.ComponentResource {
  /** The alarm topic's ARN; undefined when nobody is notified. */
  readonly topicArn: pulumi.Output<string> | undefined;
  /** CloudWatch alarm names. */
  readonly alarmNames: string[];
  /** The DLM policy's id; undefined when snapshots are off. */
  readonly snapshotPolicyId: pulumi.Output<string> | undefined;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("startup:aws:Monitoring", name, {}, opts);
    const emails = args.emails ?? [];
    const topic = emails.length > 0 ? this.topic(name, emails, args) : undefined;

    const specs = planAlarms({
      prefix: args.prefix,
      region: args.region,
      instanceType: args.host.instanceType,
      dataMount: args.host.dataMount,
      dataFsType: args.host.dataFsType,
      thresholds: args.thresholds,
      notify: topic !== undefined,
    });
    for (const spec of specs) this.alarm(name, spec, args, topic?.arn);

    new aws.iam.RolePolicy(
      `${name}-agent-put-metrics`,
      { role: args.host.instanceRoleName, policy: JSON.stringify(agentPolicyDocument()) },
      { parent: this },
    );

    this.snapshotPolicyId = args.snapshots ? this.snapshotPolicy(name, args.snapshots) : undefined;
    this.topicArn = topic?.arn;
    this.alarmNames = specs.map((s) => s.alarmName);
    this.registerOutputs({ topicArn: this.topicArn, alarmNames: this.alarmNames });
  }

  private topic(name: string, emails: string[], args: MonitoringArgs): aws.sns.Topic {
    const topic = new aws.sns.Topic(`${name}-alerts`, { tags: { Name: `${name}-alerts` } }, { parent: this });
    // Replaces SNS's default policy, which lets any principal of the account delete or re-point the topic.
    const account = aws.getCallerIdentityOutput({}, { parent: this });
    const partition = aws.getPartitionOutput({}, { parent: this });
    new aws.sns.TopicPolicy(
      `${name}-alerts-policy`,
      {
        arn: topic.arn,
        policy: pulumi.all([topic.arn, account.accountId, partition.partition]).apply(([topicArn, accountId, part]) =>
          JSON.stringify(
            alertTopicPolicyDocument({
              topicArn,
              accountId,
              region: args.region,
              partition: part,
              alarmPrefix: args.prefix,
            }),
          ),
        ),
      },
      { parent: topic },
    );
    emails.forEach((email, i) => {
      new aws.sns.TopicSubscription(
        `${name}-alerts-email-${i}`,
        { topic: topic.arn, protocol: "email", endpoint: email },
        { parent: topic },
      );
    });
    return topic;
  }

  private alarm(name: string, spec: AlarmSpec, args: MonitoringArgs, topicArn: pulumi.Output<string> | undefined) {
    const subject: Record<string, pulumi.Input<string>> = spec.subject === "host"
      ? { InstanceId: args.host.instanceId }
      : { DBInstanceIdentifier: args.database.identifier };
    const notify = spec.notify && topicArn ? [topicArn] : [];
    const actions = [...spec.ec2Actions, ...notify];
    return new aws.cloudwatch.MetricAlarm(
      `${name}-${spec.key}`,
      {
        name: spec.alarmName,
        alarmDescription: spec.description,
        namespace: spec.namespace,
        metricName: spec.metricName,
        dimensions: { ...subject, ...spec.extraDimensions },
        statistic: spec.statistic,
        period: spec.periodSeconds,
        evaluationPeriods: spec.evaluationPeriods,
        threshold: spec.threshold,
        comparisonOperator: spec.comparisonOperator,
        treatMissingData: spec.treatMissingData,
        alarmActions: actions,
        okActions: notify,
        tags: { Name: spec.alarmName },
      },
      { parent: this },
    );
  }

  private snapshotPolicy(name: string, snapshots: NonNullable<MonitoringArgs["snapshots"]>): pulumi.Output<string> {
    const role = new aws.iam.Role(
      `${name}-dlm-role`,
      {
        description: "Data Lifecycle Manager: snapshots of the registry data volume",
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "dlm.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
      },
      { parent: this },
    );
    const attachment = new aws.iam.RolePolicyAttachment(
      `${name}-dlm-role-policy`,
      { role: role.name, policyArn: DLM_MANAGED_POLICY_ARN },
      { parent: role },
    );
    const policy = new aws.dlm.LifecyclePolicy(
      `${name}-data-snapshots`,
      {
        description: snapshotPolicyDescription(snapshots.stack),
        executionRoleArn: role.arn,
        state: "ENABLED",
        policyDetails: snapshotPolicyDetails(snapshots),
        tags: { Name: `${name}-data-snapshots` },
      },
      { parent: this, dependsOn: [attachment] },
    );
    return policy.id;
  }
}
