// The alarm topic's own policy, planned for both stacks (dev with alerts turned on): CloudWatch publishes only for
// this stack's alarms in this account and region, the account's IAM manages, and nothing is granted to "*" (SNS's
// default policy, used when a topic has none, grants every principal of the account DeleteTopic and
// SetTopicAttributes). The policy pack's SNS rules judge the same plan.
import { beforeAll, describe, expect, it } from "vitest";
import { alertTopicPolicyDocument } from "../../components/monitoring/topicPolicy";
import { evaluate } from "../../policy/evaluate";
import { snsRules } from "../../policy/rules/sns";
import { MOCK_ACCOUNT_ID } from "../../scripts/plan/mocks/values";
import { runStack, type StackRun } from "./support/runStack";

const TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy";
/**
 * The actions SNS accepts in a topic policy, and its rules for one: an `Id`, unique statement `Sid`s, the topic's own
 * ARN as the only resource (AWS, "Amazon SNS API permissions: Actions and resources reference",
 * https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-language-api-permissions-reference.html).
 */
const SNS_POLICY_ACTIONS = [
  "sns:AddPermission",
  "sns:DeleteTopic",
  "sns:GetDataProtectionPolicy",
  "sns:GetTopicAttributes",
  "sns:ListSubscriptionsByTopic",
  "sns:ListTagsForResource",
  "sns:Publish",
  "sns:PutDataProtectionPolicy",
  "sns:RemovePermission",
  "sns:SetTopicAttributes",
  "sns:Subscribe",
];
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

/** IAM's ArnLike with `*` wildcards (no `?` in our patterns). */
const arnLike = (pattern: string, arn: string) =>
  new RegExp(
    `^${pattern
      .split("*")
      .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  ).test(arn);

describe.each([
  ["dev", { alerts: { email: ["ops@example.com"] } }],
  ["prod", {}],
])("%s: the alarm topic's policy", (stack, overrides) => {
  let run: StackRun;
  let document: { Id?: string; Statement: Record<string, any>[] };
  beforeAll(async () => {
    run = await runStack(stack, overrides);
    const policies = run.ofType(TOPIC_POLICY);
    expect(policies).toHaveLength(1);
    document = JSON.parse(policies[0]!.props.policy);
  });

  it("is the topic's own policy, a child of the topic", () => {
    const topic = run.named(`${stack}-monitoring-alerts`);
    const policy = run.named(`${stack}-monitoring-alerts-policy`);
    expect(policy.parent).toBe(topic.urn);
    expect(policy.props.arn).toBe(run.outputs.alertTopicArn!.value);
  });

  it("lets CloudWatch publish only for this stack's alarms of this account and region", () => {
    const topicArn = String(run.outputs.alertTopicArn!.value);
    const publish = document.Statement.filter((s) => [s.Action].flat().includes("sns:Publish"));
    expect(publish).toEqual([
      {
        Sid: "StackAlarmsPublish",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: "sns:Publish",
        Resource: topicArn,
        Condition: {
          StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID },
          ArnLike: { "aws:SourceArn": `arn:aws:cloudwatch:ap-northeast-2:${MOCK_ACCOUNT_ID}:alarm:${stack}-*` },
        },
      },
    ]);
    // Every alarm that notifies the topic is one the condition admits; another stack's alarm is not.
    const pattern = publish[0]!.Condition.ArnLike["aws:SourceArn"];
    const notifying = run.ofType(ALARM).filter((a) => (a.props.alarmActions as string[]).includes(topicArn));
    expect(notifying.length).toBeGreaterThan(0);
    for (const alarm of notifying) {
      const arn = `arn:aws:cloudwatch:ap-northeast-2:${MOCK_ACCOUNT_ID}:alarm:${alarm.props.name}`;
      expect(arnLike(pattern, arn), arn).toBe(true);
    }
    const other = stack === "dev" ? "prod" : "dev";
    expect(
      arnLike(pattern, `arn:aws:cloudwatch:ap-northeast-2:${MOCK_ACCOUNT_ID}:alarm:${other}-host-memory-high`),
    ).toBe(false);
    expect(arnLike(pattern, `arn:aws:cloudwatch:ap-northeast-2:999999999999:alarm:${stack}-host-memory-high`)).toBe(
      false,
    );
  });

  it("grants management only to the account's IAM, never to every principal", () => {
    const manage = document.Statement.filter((s) => s.Sid === "AccountIamManages");
    expect(manage).toHaveLength(1);
    expect(manage[0]!.Principal).toEqual({ AWS: `arn:aws:iam::${MOCK_ACCOUNT_ID}:root` });
    expect(manage[0]!.Action).toEqual(
      expect.arrayContaining(["sns:DeleteTopic", "sns:SetTopicAttributes", "sns:Subscribe"]),
    );
    for (const s of document.Statement) {
      expect(JSON.stringify(s.Principal), s.Sid).not.toMatch(/"\*"/);
      expect(s.Principal, s.Sid).not.toBe("*");
    }
    expect(document.Statement.map((s) => s.Sid)).toEqual(["StackAlarmsPublish", "AccountIamManages"]);
  });

  it("is a policy SNS accepts: an Id, unique Sids, only topic-policy actions, only the topic as resource", () => {
    const topicArn = String(run.outputs.alertTopicArn!.value);
    expect(document.Id).toBe(`${stack}-alerts-policy`);
    const sids = document.Statement.map((s) => s.Sid);
    expect(new Set(sids).size).toBe(sids.length);
    for (const s of document.Statement) {
      for (const action of [s.Action].flat()) expect(SNS_POLICY_ACTIONS, `${s.Sid}: ${action}`).toContain(action);
      expect(s.Resource).toBe(topicArn);
    }
  });

  it("passes the policy pack's SNS rules", () => {
    expect(evaluate(snsRules, run.resources, stack === "prod" ? "prod" : "dev", {})).toEqual([]);
  });
});

describe("alertTopicPolicyDocument", () => {
  it("follows the partition and region it is given", () => {
    const doc = alertTopicPolicyDocument({
      topicArn: "arn:aws-cn:sns:cn-north-1:123456789012:t",
      accountId: "123456789012",
      region: "cn-north-1",
      partition: "aws-cn",
      alarmPrefix: "prod",
    });
    expect(doc.Statement[0]!.Condition!.ArnLike["aws:SourceArn"]).toBe(
      "arn:aws-cn:cloudwatch:cn-north-1:123456789012:alarm:prod-*",
    );
    expect(doc.Statement[1]!.Principal).toEqual({ AWS: "arn:aws-cn:iam::123456789012:root" });
  });
});
