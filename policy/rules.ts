/**
 * Every rule of the pack, as plain CrossGuard policies. Importing this file starts nothing: only `index.ts` builds
 * the PolicyPack (which serves it to the engine). Tests and the offline plan (`evaluate.ts`) call these directly.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { azureRules } from "./rules/azure";
import { databaseRules } from "./rules/database-reachability";
import { hostRules } from "./rules/host";
import { loggingRules } from "./rules/logging";
import { networkRules } from "./rules/network";
import { providerConstraintRules } from "./rules/provider-constraints";
import { operationsRules } from "./rules/operations";
import { rdsRules } from "./rules/rds";
import { snsRules } from "./rules/sns";
import { vpcRules } from "./rules/vpc";

export const rules: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  ...networkRules,
  ...vpcRules,
  ...loggingRules,
  ...hostRules,
  ...rdsRules,
  ...databaseRules,
  ...operationsRules,
  ...snsRules,
  ...azureRules,
  ...providerConstraintRules,
];
