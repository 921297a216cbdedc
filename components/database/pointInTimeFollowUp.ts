/**
 * What a point-in-time restore leaves undone, as a script the operator runs once after the `pulumi up` that restored.
 *
 * The AWS provider creates a point-in-time restore with RestoreDBInstanceToPointInTime, whose request has no master
 * password, backup retention or backup window (terraform-provider-aws internal/service/rds/instance.go,
 * resourceInstanceCreate, the `restore_to_point_in_time` branch: unlike the snapshot branch it queues no
 * ModifyDBInstance for them). The restored instance keeps the source's master password, and the provider keeps the
 * stack's password in state without ever sending it: no later `up` sees a difference. The script sends the stack's
 * password, retention and window in one ModifyDBInstance.
 */

export interface PointInTimeFollowUpInput {
  /** The restored instance's identifier. */
  identifier: string;
  region: string;
  backupRetentionDays: number;
  /** Daily backup window `hh:mm-hh:mm` (UTC); omitted when RDS picks one. */
  backupWindow?: string;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The script (bash). The password goes from `pulumi stack output --show-secrets` into a request file readable only
 * by the operator (never a command-line argument other processes could read), which is removed on exit.
 */
export function renderPointInTimeFollowUp(input: PointInTimeFollowUpInput): string {
  const request = {
    DBInstanceIdentifier: input.identifier,
    BackupRetentionPeriod: input.backupRetentionDays,
    ...(input.backupWindow ? { PreferredBackupWindow: input.backupWindow } : {}),
    ApplyImmediately: true,
  };
  return `#!/usr/bin/env bash
# After a point-in-time restore of the database (docs/restore.md, section C): RDS restored ${input.identifier}
# without the stack's master password, backup retention and backup window. Run once, from the repository, with the
# stack selected and AWS credentials for its account:
#   pulumi stack output databaseRestoreFollowUp > pitr-follow-up.sh && bash pitr-follow-up.sh
set -euo pipefail
umask 077
request="$(mktemp)"
trap 'rm -f "$request"' EXIT
# The request, with the password read from the stack (secret output) on stdin.
pulumi stack output --show-secrets databasePassword | node -e '
  let password = "";
  process.stdin.on("data", (d) => (password += d)).on("end", () => {
    const request = JSON.parse(process.argv[1]);
    request.MasterUserPassword = password.replace(/\\r?\\n$/, "");
    if (request.MasterUserPassword === "") { console.error("databasePassword is empty"); process.exit(1); }
    process.stdout.write(JSON.stringify(request));
  });' ${quote(JSON.stringify(request))} >"$request"
aws rds modify-db-instance --region ${quote(input.region)} --cli-input-json "file://$request" >/dev/null
aws rds wait db-instance-available --region ${quote(input.region)} --db-instance-identifier ${quote(input.identifier)}
echo "${input.identifier}: the stack's master password, backup retention (${input.backupRetentionDays} days) and window are set."
echo "Now run: pulumi up --refresh"
`;
}
