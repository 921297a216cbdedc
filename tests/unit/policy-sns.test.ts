import { describe, expect, it } from "vitest";
import { snsTopicHasPolicy, snsTopicPolicyNotPublic } from "../../policy/rules/sns";
import { messages, planned, run } from "../../policy/testing";

const TOPIC = "aws:sns/topic:Topic";
const TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy";
const ARN = "arn:aws:sns:ap-northeast-2:123456789012:alerts";

const policyOf = (...statements: Record<string, unknown>[]) =>
  JSON.stringify({ Version: "2012-10-17", Statement: statements });
const publishByCloudWatch = (condition?: Record<string, unknown>) => ({
  Effect: "Allow",
  Principal: { Service: "cloudwatch.amazonaws.com" },
  Action: "sns:Publish",
  Resource: ARN,
  ...(condition ? { Condition: condition } : {}),
});

describe("sns-topic-has-policy", () => {
  it("fails a topic left with SNS's default policy", () => {
    const topic = planned(TOPIC, "alerts");
    expect(run(snsTopicHasPolicy, [topic]).map((v) => [v.urn, v.message])).toEqual([
      [
        topic.urn,
        "Topic alerts has no sns.TopicPolicy: SNS's default policy lets every principal of the account manage it; " +
          "give it a policy that lets only its publishers publish and the account's IAM manage it.",
      ],
    ]);
  });

  it("passes a topic with a policy that refers to it, and fails one whose policy is another topic's", () => {
    const topic = planned(TOPIC, "alerts");
    const other = planned(TOPIC, "other");
    const policy = planned(TOPIC_POLICY, "alerts-policy", { arn: ARN }, { dependsOn: [topic] });
    expect(messages(snsTopicHasPolicy, [topic, policy])).toEqual([]);
    expect(messages(snsTopicHasPolicy, [topic, other, policy])).toEqual([
      expect.stringMatching(/^Topic other has no sns.TopicPolicy/),
    ]);
  });
});

describe("sns-topic-policy-not-public (CKV_AWS_169)", () => {
  const topicPolicy = (policy: string) => planned(TOPIC_POLICY, "p", { arn: ARN, policy });

  it('fails SNS\'s default shape (AWS "*") and a bare "*" principal, and a service without source conditions', () => {
    const defaultLike = policyOf({
      Effect: "Allow",
      Principal: { AWS: "*" },
      Action: ["SNS:DeleteTopic", "SNS:SetTopicAttributes"],
      Resource: ARN,
      Condition: { StringEquals: { "AWS:SourceOwner": "123456789012" } },
    });
    expect(messages(snsTopicPolicyNotPublic, [topicPolicy(defaultLike)])).toEqual([
      'policy Statement[0] allows every principal ("*"): name the principals (an account, a role, a service with ' +
        "aws:SourceAccount / aws:SourceArn) (CKV_AWS_169).",
    ]);
    expect(
      messages(snsTopicPolicyNotPublic, [
        topicPolicy(policyOf({ Effect: "Allow", Principal: "*", Action: "sns:Publish" }, publishByCloudWatch())),
      ]),
    ).toEqual([
      expect.stringMatching(/^policy Statement\[0\] allows every principal/),
      "policy Statement[1] lets cloudwatch.amazonaws.com act without an aws:SourceAccount or aws:SourceArn " +
        "condition: the service could be made to publish for another account's resources (confused deputy); add " +
        "the condition.",
    ]);
  });

  it('passes CloudWatch with source conditions, the account principal, a Deny to "*", and an unknown policy', () => {
    const good = policyOf(
      publishByCloudWatch({
        StringEquals: { "aws:SourceAccount": "123456789012" },
        ArnLike: { "aws:SourceArn": "arn:aws:cloudwatch:ap-northeast-2:123456789012:alarm:prod-*" },
      }),
      { Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "sns:DeleteTopic" },
      {
        Effect: "Deny",
        Principal: "*",
        Action: "sns:Publish",
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    );
    expect(run(snsTopicPolicyNotPublic, [topicPolicy(good)])).toEqual([]);
    expect(run(snsTopicPolicyNotPublic, [planned(TOPIC_POLICY, "unknown", { arn: ARN })])).toEqual([]);
  });
});
