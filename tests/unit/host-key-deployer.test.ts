// The host key parameter's KMS key policy names a deployer. By default that is whoever runs the command (the IAM role
// behind the session), so a preview by CI's read-only preview identity would show the policy replaced. With
// host.sshHostKeyDeployerArn pinned, the policy names the deploy identity whoever runs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callHandlers } from "../../scripts/plan/mocks/calls";
import { MOCK_ACCOUNT_ID } from "../../scripts/plan/mocks/values";
import { parseStackConfig } from "../../stacks/config/parse";
import { problems, raw } from "./support/rawConfig";
import { runStack, type StackRun } from "./support/runStack";

const DEPLOYER = `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/ci/startup-infra-prod-deploy`;
const PREVIEW_ROLE = "startup-infra-prod-preview";
const CALLER = "aws:index/getCallerIdentity:getCallerIdentity";
const SESSION_CONTEXT = "aws:iam/getSessionContext:getSessionContext";
const HOST = { sshAllowedCidrs: ["203.0.113.10/32"] };

type Statement = { Sid: string; Principal: { AWS: string | string[] }; Action: string | string[] };

describe("prod previewed by the read-only preview identity, deployer pinned", () => {
  let run: StackRun;
  let sessionLookups = 0;
  const saved = { caller: callHandlers[CALLER]!, session: callHandlers[SESSION_CONTEXT]! };

  beforeAll(async () => {
    // The caller is CI's preview role, signed in through OIDC (an assumed-role session).
    callHandlers[CALLER] = (inputs) => ({
      ...saved.caller(inputs),
      arn: `arn:aws:sts::${MOCK_ACCOUNT_ID}:assumed-role/${PREVIEW_ROLE}/GitHubActions`,
    });
    callHandlers[SESSION_CONTEXT] = (inputs) => {
      sessionLookups += 1;
      return saved.session(inputs);
    };
    run = await runStack("prod", { host: { ...HOST, sshHostKeyDeployerArn: DEPLOYER } });
  });

  afterAll(() => {
    callHandlers[CALLER] = saved.caller;
    callHandlers[SESSION_CONTEXT] = saved.session;
  });

  it("names the pinned deployer in the key policy, never the identity running the preview", () => {
    const policy = JSON.parse(run.named("prod-host-ssh-host-key-kms").props.policy as string) as {
      Statement: Statement[];
    };
    const principals = (sid: string) => [policy.Statement.find((st) => st.Sid === sid)!.Principal.AWS].flat();
    expect(principals("AdministerKeyNotData")).toEqual([`arn:aws:iam::${MOCK_ACCOUNT_ID}:root`, DEPLOYER]);
    expect(principals("DeployerWritesAndRefreshesTheHostKeyParameter")).toEqual([DEPLOYER]);
    expect(JSON.stringify(policy)).not.toContain(PREVIEW_ROLE);
    // Nothing asks who runs: the policy cannot depend on it.
    expect(sessionLookups).toBe(0);
  });
});

describe("config: host.sshHostKeyDeployerArn", () => {
  const parse = (host: Record<string, unknown>) => raw("dev", { host: { ...HOST, ...host } });
  const FORM =
    "must be the ARN of an IAM role or user, such as arn:aws:iam::123456789012:role/startup-infra-deploy (the " +
    "deploy identity's role, path included: `aws iam get-role --role-name <name> --query Role.Arn`; not an " +
    "arn:aws:sts::...:assumed-role/... session).";

  it("accepts a role (path included) or a user, in any partition, trimmed", () => {
    for (const arn of [
      DEPLOYER,
      `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/startup-infra-deploy`,
      `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/deploy.bot@example.com`,
      `arn:aws-cn:iam::${MOCK_ACCOUNT_ID}:role/a/b/deploy`,
    ]) {
      expect(parseStackConfig(parse({ sshHostKeyDeployerArn: ` ${arn} ` })).host.sshHostKeyDeployerArn).toBe(arn);
    }
  });

  it.each([
    ["an assumed-role session", `arn:aws:sts::${MOCK_ACCOUNT_ID}:assumed-role/deploy/GitHubActions`],
    ["a role name alone", "startup-infra-deploy"],
    ["a KMS key ARN", `arn:aws:kms:ap-northeast-2:${MOCK_ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`],
    ["a group", `arn:aws:iam::${MOCK_ACCOUNT_ID}:group/admins`],
    ["a name IAM refuses", `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/deploy#1`],
    ["a path without its closing slash", `arn:aws:iam::${MOCK_ACCOUNT_ID}:role//deploy`],
  ])("refuses %s, naming the key, the form and the fix", (_what, value) => {
    expect(problems(parse({ sshHostKeyDeployerArn: value }))).toEqual([
      {
        key: "host.sshHostKeyDeployerArn",
        message: FORM,
        fix: "pulumi config set --path 'host.sshHostKeyDeployerArn' arn:aws:iam::123456789012:role/startup-infra-deploy",
      },
    ]);
  });

  it("points a misspelt key at it", () => {
    expect(problems(parse({ sshHostKeyDeployer: DEPLOYER }))[0]).toMatchObject({
      key: "host.sshHostKeyDeployer",
      message: 'is not a known setting (did you mean "host.sshHostKeyDeployerArn"?).',
    });
  });

  it("refuses it where no key is made (your own KMS key, or no generated host key)", () => {
    const KMS = `arn:aws:kms:ap-northeast-2:${MOCK_ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    expect(problems(parse({ sshHostKeyDeployerArn: DEPLOYER, sshHostKeyKmsKeyArn: KMS }))).toEqual([
      {
        key: "host.sshHostKeyDeployerArn",
        message: "has no effect with host.sshHostKeyKmsKeyArn: no KMS key is made, your key's own policy decides.",
        fix: "pulumi config rm --path 'host.sshHostKeyDeployerArn'",
      },
    ]);
    const pin = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJPMVIP+1OQNhT0Tcn0oowZ92HSssUmbyCbAeBAFtJhV root@host";
    expect(problems(parse({ sshHostKeyDeployerArn: DEPLOYER, sshHostKey: pin }))[0]).toMatchObject({
      key: "host.sshHostKeyDeployerArn",
      message: expect.stringContaining("no host key is generated"),
    });
  });
});
