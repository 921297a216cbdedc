/** What the cloud APIs reject (descriptions, names, tags): the table in lib/constraints.ts, as one resource policy. */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { environmentConfigSchema } from "../lib/environment";
import { checkConstraints, constraintMessage, PROVIDER_CONSTRAINTS } from "../lib/constraints";
import { rawProps } from "../lib/values";

export const providerConstraints: ResourceValidationPolicy = {
  name: "provider-constraints",
  description:
    "Values the cloud APIs reject at create time, which the mock engine and preview accept, where botocore's AWS " +
    "models say nothing (the tests judge every other string against the models): EC2 security group and rule " +
    "descriptions and names (character set, 255), RDS identifiers, group names and tag characters, Route53 TXT " +
    "strings, AWS and Azure tag limits, Azure storage account, Key Vault, Key Vault object, resource group and blob " +
    `container names. Rules: ${PROVIDER_CONSTRAINTS.map((c) => c.id).join(", ")}.`,
  enforcementLevel: "mandatory",
  // Same config shape as the other rules (an environment is accepted, and ignored: the APIs do not care).
  configSchema: environmentConfigSchema,
  validateResource: (args, reportViolation) => {
    for (const v of checkConstraints({ type: args.type, name: args.name, props: rawProps(args.props) })) {
      reportViolation(constraintMessage(v));
    }
  },
};

export const providerConstraintRules = [providerConstraints];
