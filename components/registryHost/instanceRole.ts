import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

/** Trust policy of the host's role: only EC2 may assume it (for this instance's profile). */
export function ec2TrustPolicy(): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
  };
}

/**
 * The host's instance role and profile, with no permission of its own: each feature that needs one attaches its own
 * narrowly scoped policy (the CloudWatch agent's put-metric policy lives with the Monitoring component; ACME dns-01
 * attaches its Route53 policy in the stack composition, once the zone exists). IMDSv2 with
 * hop limit 1 keeps these credentials away from containers.
 */
export function createInstanceRole(
  name: string,
  parent: pulumi.Resource,
): { role: aws.iam.Role; profile: aws.iam.InstanceProfile } {
  const role = new aws.iam.Role(
    `${name}-role`,
    {
      description: `${name}: instance role of the registry host (policies attached per feature)`,
      assumeRolePolicy: JSON.stringify(ec2TrustPolicy()),
      tags: { Name: `${name}-role` },
    },
    { parent },
  );
  const profile = new aws.iam.InstanceProfile(
    `${name}-profile`,
    { role: role.name, tags: { Name: `${name}-profile` } },
    { parent },
  );
  return { role, profile };
}
