import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

/**
 * The host's instance role and profile, with no permission of its own: each use attaches its policy separately (ACME
 * dns-01 attaches its Route53 policy in the stack composition, once the zone exists). EC2 is the only principal that
 * may assume it; IMDSv2 with hop limit 1 keeps its credentials away from containers.
 */
export function createInstanceRole(
  name: string,
  parent: pulumi.Resource,
): { role: aws.iam.Role; profile: aws.iam.InstanceProfile } {
  const role = new aws.iam.Role(
    `${name}-role`,
    {
      description: "Registry host instance role (policies attached separately)",
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
      tags: { Name: `${name}-role` },
    },
    { parent },
  );
  const profile = new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name }, { parent });
  return { role, profile };
}
