/**
 * The alarm topic's access policy. Without one, SNS attaches its default policy, which grants every principal of the
 * account (`"AWS": "*"` with `AWS:SourceOwner` = the account) Publish, Subscribe, SetTopicAttributes, DeleteTopic and
 * the permission actions, even principals whose IAM policies grant no SNS action at all, such as the registry host's
 * instance role. Anyone holding such a credential could delete the topic, re-point its subscriptions or replace its
 * policy, and silence every alarm. This policy replaces the default:
 * - CloudWatch publishes, and only on behalf of this stack's alarms in this account and region (`aws:SourceAccount`
 *   and `aws:SourceArn`, the confused-deputy conditions; the CloudWatch alarm ARN form and the `cloudwatch.amazonaws.com`
 *   principal as in AWS's "Why didn't I receive an SNS notification for my CloudWatch alarm trigger?",
 *   https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger).
 * - Management is granted to the account principal (`arn:<partition>:iam::<account>:root`), which in a resource
 *   policy grants nothing by itself: a principal of the account may manage the topic only when its own IAM policies
 *   allow it (the deploy role does; the host's role and the read-only preview roles do not). No `"*"` principal.
 *
 * Why not a Deny for everyone but the deploying identity: the account's admins could still silence the alarms
 * through CloudWatch (`DisableAlarmActions`, `DeleteAlarms`), so it would add no protection against them, while it
 * would lock out a person repairing the stack with another identity and change with whoever previews (the read-only
 * preview identities plan a different caller). One AWS account per stack (docs/ci.md) keeps the account principal
 * to that stack's deployers.
 */

/**
 * What the account's IAM principals may do on the topic, when their own IAM policies allow it: every action SNS
 * accepts in a topic policy except Publish (AWS, "Amazon SNS API permissions: Actions and resources reference",
 * https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-language-api-permissions-reference.html; TagResource and
 * UntagResource are not among them).
 */
export const TOPIC_MANAGEMENT_ACTIONS = [
  "sns:AddPermission",
  "sns:DeleteTopic",
  "sns:GetDataProtectionPolicy",
  "sns:GetTopicAttributes",
  "sns:ListSubscriptionsByTopic",
  "sns:ListTagsForResource",
  "sns:PutDataProtectionPolicy",
  "sns:RemovePermission",
  "sns:SetTopicAttributes",
  "sns:Subscribe",
] as const;

export interface TopicPolicyArgs {
  topicArn: string;
  accountId: string;
  region: string;
  partition: string;
  /** Prefix of the stack's alarm names (`<prefix>-...`): only those alarms may publish. */
  alarmPrefix: string;
}

/**
 * The topic policy document (IAM JSON) for the alarm topic. SNS wants a policy `Id`, a unique `Sid` per statement and
 * the topic's own ARN as the only resource (same reference).
 */
export function alertTopicPolicyDocument(args: TopicPolicyArgs) {
  const { topicArn, accountId, region, partition, alarmPrefix } = args;
  return {
    Version: "2012-10-17",
    Id: `${alarmPrefix}-alerts-policy`,
    Statement: [
      {
        Sid: "StackAlarmsPublish",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: "sns:Publish",
        Resource: topicArn,
        Condition: {
          StringEquals: { "aws:SourceAccount": accountId },
          ArnLike: { "aws:SourceArn": `arn:${partition}:cloudwatch:${region}:${accountId}:alarm:${alarmPrefix}-*` },
        },
      },
      {
        Sid: "AccountIamManages",
        Effect: "Allow",
        Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
        Action: [...TOPIC_MANAGEMENT_ACTIONS],
        Resource: topicArn,
      },
    ],
  };
}
