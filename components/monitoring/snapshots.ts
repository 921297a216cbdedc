/**
 * Daily snapshots of the registry data volume by Data Lifecycle Manager. DLM finds the volume by tag, so the host
 * tags its data volume with `snapshotTargetTags` and the policy targets exactly that tag.
 */

/** The tag the data volume carries and the policy targets (unique per stack: policies must not share target tags). */
export function snapshotTargetTags(stack: string): Record<string, string> {
  return { "startup-infra:snapshots": `${stack}-registry-data` };
}

export interface SnapshotPolicyInput {
  stack: string;
  /** Daily snapshots kept (the oldest is deleted past this count). */
  retentionCount: number;
  /** hh:mm UTC; DLM starts within the hour after. */
  timeUtc: string;
}

/** `policyDetails` of the DLM policy: one daily schedule, count-based retention, the volume's tags copied. */
export function snapshotPolicyDetails(input: SnapshotPolicyInput): {
  policyType: "EBS_SNAPSHOT_MANAGEMENT";
  resourceTypes: ["VOLUME"];
  targetTags: Record<string, string>;
  schedules: {
    name: string;
    createRule: { interval: number; intervalUnit: "HOURS"; times: string };
    retainRule: { count: number };
    copyTags: boolean;
    tagsToAdd: Record<string, string>;
  }[];
} {
  return {
    policyType: "EBS_SNAPSHOT_MANAGEMENT",
    resourceTypes: ["VOLUME"],
    targetTags: snapshotTargetTags(input.stack),
    schedules: [
      {
        name: dlmText(`daily keep ${input.retentionCount}`),
        createRule: { interval: 24, intervalUnit: "HOURS", times: input.timeUtc },
        retainRule: { count: input.retentionCount },
        // The volume's own tags (Name, Purpose) travel with each snapshot, so a snapshot says what it holds.
        copyTags: true,
        tagsToAdd: { SnapshotOf: `${input.stack} registry data`, CreatedBy: "startup-infra DLM" },
      },
    ],
  };
}

/**
 * DLM's text fields accept only letters, digits, spaces, `_` and `-` (botocore `dlm` shapes `PolicyDescription` and
 * `ScheduleName`: pattern `[0-9A-Za-z _-]+`; the AWS provider checks the description with `^[0-9A-Za-z _-]+$` at
 * preview). A colon or comma stops the deploy, so any other character of the stack name becomes `-`.
 */
export function dlmText(text: string): string {
  return text.replace(/[^0-9A-Za-z _-]/g, "-");
}

/** The policy's description: which stack's registry data it snapshots (DLM's character set, see `dlmText`). */
export function snapshotPolicyDescription(stack: string): string {
  return dlmText(`${stack} registry data volume daily snapshots`);
}

/** AWS's managed policy for DLM's service role (create/delete snapshots, tag them). */
export const DLM_MANAGED_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole";
