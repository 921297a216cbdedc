/**
 * Burstable EC2 families earn and spend CPU credits; only they publish `CPUCreditBalance` (AWS/EC2). t2 runs out and
 * throttles to its baseline; t3/t3a/t4g default to "unlimited" and bill the surplus instead, which an alarm on the
 * balance also catches before the bill does.
 */
const CREDIT_FAMILIES = new Set(["t2", "t3", "t3a", "t4g"]);

/** Whether `instanceType` (e.g. `t3.medium`, `m6i.xlarge`) earns CPU credits. */
export function hasCpuCredits(instanceType: string): boolean {
  const family = instanceType.split(".")[0] ?? "";
  return CREDIT_FAMILIES.has(family);
}
