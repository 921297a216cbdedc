import { AGENT_NAMESPACE } from "./agentConfig";

/**
 * The only permission the host's instance role gets for monitoring: put metric data, into the agent's namespace
 * only. `cloudwatch:PutMetricData` has no resource-level ARNs ("*" is required); the `cloudwatch:namespace`
 * condition key is how AWS scopes it (IAM service authorization reference, Amazon CloudWatch condition keys).
 */
export function agentPolicyDocument(namespace: string = AGENT_NAMESPACE): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "PutHostMetrics",
        Effect: "Allow",
        Action: "cloudwatch:PutMetricData",
        Resource: "*",
        Condition: { StringEquals: { "cloudwatch:namespace": namespace } },
      },
    ],
  };
}
