/** CloudWatch Logs and VPC flow-log rules: retention, encryption, flow logs in dev, the flow-log role's trust. */
import { resourceRule, stackRule } from "../lib/define";
import { referenced } from "../lib/relations";
import { hasConditionOn, policyStatements, servicePrincipals, SOURCE_CONDITION_KEYS } from "../lib/iamPolicy";
import { read, toNumber } from "../lib/values";
import { FLOW_LOG, VPC } from "./vpc";

export const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
export const IAM_ROLE = "aws:iam/role:Role";

/** Service principals that deliver logs on a customer's behalf and honour aws:SourceAccount / aws:SourceArn. */
export const LOG_DELIVERY_SERVICES = [
  "vpc-flow-logs.amazonaws.com",
  "delivery.logs.amazonaws.com",
  "logs.amazonaws.com",
];

/** CKV_AWS_338 asks for a year of CloudWatch log retention. */
export const RECOMMENDED_LOG_RETENTION_DAYS = 365;

export const cloudwatchLogGroupRetention = resourceRule({
  name: "cloudwatch-log-group-retention",
  description:
    "CKV_AWS_66: every CloudWatch log group sets retentionInDays (absent or 0 keeps the logs forever, billed forever).",
  enforcementLevel: "mandatory",
  types: [LOG_GROUP],
  check: (r, report) => {
    const days = read(r.props, "retentionInDays");
    if (days.state === "unknown") return;
    if (days.state === "absent" || !(toNumber(days.value)! > 0)) {
      report("retentionInDays is not set: the log group keeps everything forever; set a retention (CKV_AWS_66).");
    }
  },
});

export const cloudwatchLogGroupRetentionYear = resourceRule({
  name: "cloudwatch-log-group-retention-1-year",
  description:
    `CKV_AWS_338 (option): CloudWatch log groups keep at least ${RECOMMENDED_LOG_RETENTION_DAYS} days. Advisory: ` +
    "retention is a cost choice (network.flowLogRetentionDays).",
  enforcementLevel: "advisory",
  types: [LOG_GROUP],
  check: (r, report) => {
    const days = toNumber(r.props.retentionInDays);
    if (days !== undefined && days > 0 && days < RECOMMENDED_LOG_RETENTION_DAYS) {
      report(
        `retentionInDays is ${days}: incident investigations often need a year of logs; consider ` +
          `${RECOMMENDED_LOG_RETENTION_DAYS} (CKV_AWS_338, option).`,
      );
    }
  },
});

export const cloudwatchLogGroupKms = resourceRule({
  name: "cloudwatch-log-group-kms",
  description:
    "CKV_AWS_158 / AWS-0017: every CloudWatch log group is encrypted with a customer-managed KMS key (kmsKeyId).",
  enforcementLevel: "mandatory",
  types: [LOG_GROUP],
  check: (r, report) => {
    const key = read(r.props, "kmsKeyId");
    if (key.state === "unknown") return;
    if (key.state === "absent" || String(key.value).trim() === "") {
      report(
        "kmsKeyId is not set: the log group is encrypted only with CloudWatch's own key; use a KMS key whose policy " +
          "you control (CKV_AWS_158 / AWS-0017).",
      );
    }
  },
});

export const vpcFlowLogsDev = stackRule({
  name: "vpc-flow-logs-dev",
  description:
    "CKV2_AWS_11 / AWS-0178 (option): in dev too, every VPC has an ec2.FlowLog (network.flowLogs). Advisory: a cost " +
    "choice outside prod.",
  enforcementLevel: "advisory",
  check: (s, report) => {
    if (s.environment !== "dev") return;
    const flowLogs = s.ofType(FLOW_LOG);
    for (const vpc of s.ofType(VPC)) {
      if (!flowLogs.some((f) => referenced(f, "vpcId", [vpc]).length > 0)) {
        report(
          `VPC ${vpc.name} has no flow log: turn on network.flowLogs to record dev traffic too (CKV2_AWS_11 / ` +
            "AWS-0178, option).",
          vpc.urn,
        );
      }
    }
  },
});

export const logDeliveryRoleConfusedDeputy = resourceRule({
  name: "log-delivery-role-confused-deputy",
  description:
    "AWS IAM confused-deputy prevention (no Checkov/Trivy ID; AWS VPC and CloudWatch Logs guides): a role that " +
    `${LOG_DELIVERY_SERVICES.join(", ")} may assume limits each such trust statement with aws:SourceAccount or ` +
    "aws:SourceArn, so the service cannot be made to use it for another account's resources.",
  enforcementLevel: "mandatory",
  types: [IAM_ROLE],
  check: (r, report) => {
    const statements = policyStatements(r.props.assumeRolePolicy);
    if (statements === undefined) return;
    statements.forEach((statement, i) => {
      if (statement.Effect !== "Allow") return;
      const services = servicePrincipals(statement).filter((s) => LOG_DELIVERY_SERVICES.includes(s));
      if (services.length > 0 && !hasConditionOn(statement, SOURCE_CONDITION_KEYS)) {
        report(
          `assumeRolePolicy Statement[${i}] lets ${services.join(", ")} assume the role without an aws:SourceAccount ` +
            "or aws:SourceArn condition: any account's flow logs could use it (confused deputy); add the condition.",
        );
      }
    });
  },
});

export const loggingRules = [
  cloudwatchLogGroupRetention,
  cloudwatchLogGroupRetentionYear,
  cloudwatchLogGroupKms,
  vpcFlowLogsDev,
  logDeliveryRoleConfusedDeputy,
];
