/**
 * The AWS API check over one stack's plan (one stack per test file: the mock engine is global): every string input
 * of every planned AWS resource is mapped to its API member (policy/lib/awsApiMembers.ts) and matches that member's
 * rule in botocore's model. Used by aws-api-rules-{dev,prod,examples-dev,examples-prod}.test.ts.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { checkPlan, type ApiCheckResult } from "./awsApiCheck";
import { botocore } from "./botocore";
import { withExamples, type Excluded } from "./configExamples";
import { runStack } from "./runStack";

/** The sections whose settings can reach an AWS request. */
export const AWS_SECTIONS = ["aws", "host", "database", "network", "dns", "backups", "alerts", "restore"];

/** Example runs: which settings each leaves at the stack file's value, and why. */
const UNUSABLE_EXAMPLES: Excluded = {
  "host.sshPublicKey":
    "the documented example is abbreviated (AAAA...), not a key; a key reaches EC2 only as ImportKeyPair " +
    "PublicKeyMaterial, a blob with no string rule",
  "host.sshHostKey": "the documented example is abbreviated (AAAA...); a host key pin is never sent to AWS",
};
export const EXAMPLE_RUNS: Record<"dev" | "prod", Excluded> = {
  prod: {
    ...UNUSABLE_EXAMPLES,
    "host.apiGatewayPort": "dev only: run in the dev example plan",
    "host.apiGatewayAllowedCidrs": "dev only: run in the dev example plan",
    "host.registryAllowedCidrs": "dev only: run in the dev example plan",
    "restore.databaseSourceInstance": "point-in-time restore excludes a snapshot restore: run in the dev example plan",
    "restore.databaseRestoreTime": "point-in-time restore excludes a snapshot restore: run in the dev example plan",
    "host.sshHostKeyDeployerArn":
      "names the deployer in the made key's policy, which host.sshHostKeyKmsKeyArn replaces: run in the dev example plan",
  },
  dev: {
    ...UNUSABLE_EXAMPLES,
    "host.siteAllowedCidrs": "prod only (Nginx sites): run in the prod example plan",
    "restore.databaseSnapshotIdentifier":
      "a snapshot restore excludes point-in-time restore: run in the prod example plan",
    "host.sshHostKeyKmsKeyArn":
      "your own key means no key is made, whose policy host.sshHostKeyDeployerArn pins: run in the prod example plan",
  },
};

export function describeAwsApiRules(stack: "dev" | "prod", withConfigExamples = false): void {
  const label = withConfigExamples ? `${stack} with every documented config example` : `${stack} (stack file)`;
  let result: ApiCheckResult;
  beforeAll(async () => {
    const models = botocore();
    const overrides = withConfigExamples ? withExamples(stack, AWS_SECTIONS, EXAMPLE_RUNS[stack]) : {};
    const run = await runStack(stack, overrides);
    result = checkPlan(run.resources, models);
    const members = new Set(result.judged.map((j) => j.member)).size;
    console.log(
      `AWS API check, ${label}: botocore ${models.version}, ${result.judged.length} strings judged ` +
        `against ${members} API members`,
    );
  });

  describe(`AWS API rules: ${label}`, () => {
    it("maps every string input of every planned AWS resource to its API member (or exempts it with a reason)", () => {
      expect(result.unmapped).toEqual([]);
      expect(result.judged.length).toBeGreaterThan(100);
    });

    it("sends only strings that match their API member's pattern, length and enum (botocore's model)", () => {
      expect(result.violations).toEqual([]);
    });
  });
}
