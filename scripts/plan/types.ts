// The plan's resource and violation types live with the policies that evaluate them (policy/ imports nothing
// from scripts/); re-exported here for the plan's own modules.
export type { PlannedResource, PlanViolation } from "../../policy/planned";
