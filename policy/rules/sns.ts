/** SNS topics (the alarm topic): each has a policy of its own, and no policy opens a topic to every principal. */
import { resourceRule, stackRule } from "../lib/define";
import {
  hasConditionOn,
  hasWildcardPrincipal,
  policyStatements,
  servicePrincipals,
  SOURCE_CONDITION_KEYS,
} from "../lib/iamPolicy";
import { referenced } from "../lib/relations";

export const SNS_TOPIC = "aws:sns/topic:Topic";
export const SNS_TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy";

export const snsTopicHasPolicy = stackRule({
  name: "sns-topic-has-policy",
  description:
    "SNS default-policy exposure (no Checkov/Trivy ID): every sns.Topic has an sns.TopicPolicy. Without one SNS " +
    "applies its default policy, which lets any principal of the account, even one without SNS permissions, delete " +
    "the topic, change its subscriptions and silence the alarms.",
  enforcementLevel: "mandatory",
  check: (s, report) => {
    const policies = s.ofType(SNS_TOPIC_POLICY);
    for (const topic of s.ofType(SNS_TOPIC)) {
      if (!policies.some((p) => referenced(p, "arn", [topic]).length > 0)) {
        report(
          `Topic ${topic.name} has no sns.TopicPolicy: SNS's default policy lets every principal of the account ` +
            "manage it; give it a policy that lets only its publishers publish and the account's IAM manage it.",
          topic.urn,
        );
      }
    }
  },
});

export const snsTopicPolicyNotPublic = resourceRule({
  name: "sns-topic-policy-not-public",
  description:
    'CKV_AWS_169: an sns.TopicPolicy allows no statement to every principal ("*" or AWS "*"), and each ' +
    "statement for a service principal (e.g. cloudwatch.amazonaws.com) carries aws:SourceAccount or aws:SourceArn " +
    "(confused deputy).",
  enforcementLevel: "mandatory",
  types: [SNS_TOPIC_POLICY],
  check: (r, report) => {
    const statements = policyStatements(r.props.policy);
    if (statements === undefined) return;
    statements.forEach((statement, i) => {
      if (statement.Effect !== "Allow") return;
      if (hasWildcardPrincipal(statement)) {
        report(
          `policy Statement[${i}] allows every principal ("*"): name the principals (an account, a role, a service ` +
            "with aws:SourceAccount / aws:SourceArn) (CKV_AWS_169).",
        );
      } else if (servicePrincipals(statement).length > 0 && !hasConditionOn(statement, SOURCE_CONDITION_KEYS)) {
        report(
          `policy Statement[${i}] lets ${servicePrincipals(statement).join(", ")} act without an aws:SourceAccount ` +
            "or aws:SourceArn condition: the service could be made to publish for another account's resources " +
            "(confused deputy); add the condition.",
        );
      }
    });
  },
});

export const snsRules = [snsTopicHasPolicy, snsTopicPolicyNotPublic];
