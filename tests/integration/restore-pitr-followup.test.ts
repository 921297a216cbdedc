// The point-in-time restore follow-up (output databaseRestoreFollowUp, components/database/pointInTimeFollowUp.ts) run
// by the real bash and node, with stand-ins for `pulumi` and `aws` that record what they are given: the password
// travels from the stack's secret output into a request file only the operator can read, never on a command line,
// the file is gone afterwards, and a failing AWS call or an empty password fails the script.
import { chmod, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderPointInTimeFollowUp } from "../../components/database/pointInTimeFollowUp.js";
import { makeTempDir, removeDir, run } from "./support/index.js";

// Quotes, a space, a dollar and a backslash: what a shell or JSON would mangle if the script got it wrong.
const PASSWORD = `p'a "s$w\\rd x`;
const INPUT = {
  identifier: "prod-database-db-pitr-1a2b3c4d",
  region: "ap-northeast-2",
  backupRetentionDays: 14,
  backupWindow: "17:00-18:00",
};

let work: string;
beforeAll(async () => {
  work = await makeTempDir("pitr-follow-up-");
});
afterAll(() => removeDir(work));

/** Runs the script with `pulumi` printing `password` and `aws` exiting `awsExit`; returns what the stand-ins saw. */
async function runScript(name: string, password: string, awsExit = 0) {
  const dir = join(work, name);
  const bin = join(dir, "bin");
  const tmp = join(dir, "tmp");
  await mkdir(bin, { recursive: true });
  await mkdir(tmp);
  await writeFile(join(dir, "password"), password === "" ? "" : `${password}\n`);
  await writeFile(
    join(bin, "pulumi"),
    `#!/bin/sh\n[ "$*" = "stack output --show-secrets databasePassword" ] || exit 2\ncat '${dir}/password'\n`,
  );
  // Records its arguments; for modify-db-instance, the request file's content and mode.
  await writeFile(
    join(bin, "aws"),
    `#!/bin/bash
printf '%s\\n' "$*" >>'${dir}/aws-args'
if [ "$2" = modify-db-instance ]; then
  file="\${6#file://}"
  cp "$file" '${dir}/request.json'
  stat -c %a "$file" >'${dir}/request.mode'
fi
exit ${awsExit}
`,
  );
  await chmod(join(bin, "pulumi"), 0o755);
  await chmod(join(bin, "aws"), 0o755);
  await writeFile(join(dir, "follow-up.sh"), renderPointInTimeFollowUp(INPUT));
  const result = await run("bash", [join(dir, "follow-up.sh")], {
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, TMPDIR: tmp },
  });
  const read = (f: string) => readFile(join(dir, f), "utf8").catch(() => "");
  return {
    result,
    awsArgs: (await read("aws-args")).trim().split("\n"),
    request: await read("request.json"),
    mode: (await read("request.mode")).trim(),
    leftInTmp: await readdir(tmp),
  };
}

describe("databaseRestoreFollowUp", () => {
  it("sends the stack's password, retention and window in one ModifyDBInstance, then waits for the instance", async () => {
    const { result, awsArgs, request, mode, leftInTmp } = await runScript("ok", PASSWORD);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(request)).toEqual({
      DBInstanceIdentifier: INPUT.identifier,
      BackupRetentionPeriod: 14,
      PreferredBackupWindow: "17:00-18:00",
      ApplyImmediately: true,
      MasterUserPassword: PASSWORD,
    });
    expect(mode).toBe("600");
    expect(awsArgs[0]).toMatch(/^rds modify-db-instance --region ap-northeast-2 --cli-input-json file:\/\/.+$/);
    expect(awsArgs[1]).toBe(
      `rds wait db-instance-available --region ap-northeast-2 --db-instance-identifier ${INPUT.identifier}`,
    );
    for (const a of awsArgs) expect(a).not.toContain("s$w");
    expect(leftInTmp).toEqual([]);
    expect(result.stdout).toContain("pulumi up --refresh");
  });

  it("fails, and leaves no request file, when AWS refuses the change", async () => {
    const { result, leftInTmp } = await runScript("aws-fails", PASSWORD, 254);
    expect(result.code).not.toBe(0);
    expect(leftInTmp).toEqual([]);
  });

  it("refuses to send an empty password", async () => {
    const { result, awsArgs, leftInTmp } = await runScript("empty", "");
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("databasePassword is empty");
    expect(awsArgs).toEqual([""]);
    expect(leftInTmp).toEqual([]);
  });
});
