import { expect } from "vitest";
import { parse } from "yaml";
import { USER_DATA_SECRET_PATTERNS } from "../../../policy/rules/host";
import { computedOutputs, mockState } from "../../../scripts/plan/mocks/resources";
import { MOCK_ACCOUNT_ID } from "../../../scripts/plan/mocks/values";
import { isWireSecret } from "../../../scripts/plan/secrets";
import type { StackRun } from "./runStack";

/**
 * Checks, on a stack run under mocks, that the host's SSH host key is generated, delivered through a SecureString
 * parameter only the instance role reads, installed by cloud-init with no secret in user data, and pinned on every
 * provisioning connection. `prefix` is the host's resource name (dev-host, prod-host).
 */
export function expectGeneratedHostKeyPinned(run: StackRun, prefix: string, stack: string): void {
  const name = `${prefix}-ssh-host-key`;
  const component = run.named(name);
  expect(component.type).toBe("startup:aws:SshHostKey");
  expect(component.parent).toBe(run.named(prefix).urn);

  const key = run.named(`${name}-key`);
  expect(key.props.algorithm).toBe("ED25519");
  expect(key.parent).toBe(component.urn);

  // The private half goes into a SecureString parameter, as a Pulumi secret.
  const parameter = run.named(`${name}-parameter`);
  expect(parameter.type).toBe("aws:ssm/parameter:Parameter");
  expect(parameter.props.type).toBe("SecureString");
  expect(parameter.props.name).toBe(`/startup-infra/${stack}/registry-host/ssh-host-ed25519-key`);
  expect(parameter.props.value).toMatch(/OPENSSH PRIVATE KEY/);
  expect(isWireSecret(parameter.inputs.value)).toBe(true);

  // By default a customer-managed key made for it (not aws/ssm, which any principal with ssm:GetParameter decrypts),
  // rotated, whose policy lets only the instance role and the deployer decrypt, and only this parameter through SSM.
  const kmsKey = run.named(`${name}-kms`);
  expect(kmsKey.type).toBe("aws:kms/key:Key");
  expect(kmsKey.parent).toBe(component.urn);
  expect(kmsKey.props.enableKeyRotation).toBe(true);
  expect(kmsKey.props.deletionWindowInDays).toBe(30);
  const kmsKeyArn = computedOutputs["aws:kms/key:Key"]!(`${name}-kms`, {}).arn as string;
  expect(kmsKeyArn).toMatch(/^arn:aws:kms:ap-northeast-2:\d{12}:key\/[0-9a-f-]{36}$/);
  expect(parameter.props.keyId).toBe(kmsKeyArn);

  // The role may do exactly one thing: read exactly that parameter.
  const parameterArn = `arn:aws:ssm:ap-northeast-2:${MOCK_ACCOUNT_ID}:parameter${parameter.props.name}`;
  // The host's one instance role (shared with monitoring and ACME, each attaching its own policy).
  const role = run.named(`${prefix}-role`);
  expect(JSON.parse(role.props.assumeRolePolicy)).toEqual({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
  });
  const policies = run.ofType("aws:iam/rolePolicy:RolePolicy").filter((p) => p.parent === component.urn);
  expect(policies).toHaveLength(1);
  expect(policies[0]!.props.role).toMatch(new RegExp(`^${prefix}-role`));
  const onlyThisParameter = {
    StringEquals: {
      "kms:ViaService": "ssm.ap-northeast-2.amazonaws.com",
      "kms:EncryptionContext:PARAMETER_ARN": parameterArn,
    },
  };
  expect(JSON.parse(policies[0]!.props.policy)).toEqual({
    Version: "2012-10-17",
    Statement: [
      { Sid: "ReadHostKey", Effect: "Allow", Action: "ssm:GetParameter", Resource: parameterArn },
      {
        Sid: "DecryptHostKeyViaSsm",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: kmsKeyArn,
        Condition: onlyThisParameter,
      },
    ],
  });
  // The key policy as planned: the role (its ARN as the provider returns it) and the deployer (the mock caller, an
  // IAM user, is its own issuer) decrypt only this parameter via SSM; the account administers, never decrypts.
  const roleArn = mockState({ type: role.type, name: role.name, inputs: role.inputs } as never).arn as string;
  expect(roleArn).toContain(`${prefix}-role`);
  const deployer = `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/mock`;
  const keyPolicy = JSON.parse(kmsKey.props.policy as string) as {
    Statement: { Sid: string; Principal: { AWS: string | string[] }; Action: string | string[]; Condition?: unknown }[];
  };
  const byPrincipal = (principal: string) =>
    keyPolicy.Statement.filter((st) => [st.Principal.AWS].flat().includes(principal));
  expect(byPrincipal(roleArn)).toEqual([
    expect.objectContaining({ Action: "kms:Decrypt", Condition: onlyThisParameter }),
  ]);
  expect(byPrincipal(deployer).map((st) => st.Sid)).toEqual([
    "AdministerKeyNotData",
    "DeployerWritesAndRefreshesTheHostKeyParameter",
  ]);
  expect(byPrincipal(deployer)[1]).toMatchObject({
    Action: ["kms:Encrypt", "kms:Decrypt"],
    Condition: onlyThisParameter,
  });
  const accountStatements = byPrincipal(`arn:aws:iam::${MOCK_ACCOUNT_ID}:root`);
  expect(accountStatements.map((st) => st.Sid)).toEqual(["AdministerKeyNotData"]);
  expect([accountStatements[0]!.Action].flat()).not.toContain("kms:Decrypt");
  expect(keyPolicy.Statement.flatMap((st) => [st.Action].flat()).filter((a) => a.includes("*"))).toEqual([]);
  // KMS CreateKey's own limits (botocore 1.44.5 data/kms/2014-11-01/service-2.json: PolicyType max 131072, pattern
  // [\u0009\u000A\u000D\u0020-\u00FF]+; DescriptionType max 8192).
  const policyText = kmsKey.props.policy as string;
  expect(policyText.length).toBeGreaterThan(0);
  expect(policyText.length).toBeLessThanOrEqual(131072);
  expect([...policyText].filter((c) => !"\t\n\r".includes(c) && (c < " " || c > "\u00ff"))).toEqual([]);
  expect((kmsKey.props.description as string).length).toBeLessThanOrEqual(8192);
  expect(run.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => a.parent === component.urn))
    .toEqual([]); // prettier-ignore
  const profile = run.named(`${prefix}-profile`);
  const instanceResource = run.named(`${prefix}-instance`);
  const instance = instanceResource.props;
  expect(profile.dependsOn).toContain(role.urn); // its role input is that role
  expect(instance.iamInstanceProfile).toMatch(new RegExp(`^${prefix}-profile-`));
  // The instance boots only once the key is stored and readable.
  expect(instanceResource.dependsOn).toEqual(expect.arrayContaining([parameter.urn, policies[0]!.urn]));

  // User data: cloud-config naming the parameter and region, no key material, nothing the policy calls a secret.
  const userData = instance.userData as string;
  expect(userData.startsWith("#cloud-config\n")).toBe(true);
  const cloudConfig = parse(userData) as { ssh_deletekeys: boolean; ssh_genkeytypes: string[]; bootcmd: string[][] };
  expect(cloudConfig.ssh_deletekeys).toBe(false);
  expect(cloudConfig.ssh_genkeytypes).toEqual([]);
  // First the metadata firewall (root and the CloudWatch agent's user only), then the host key.
  expect(cloudConfig.bootcmd.map((argv) => argv.slice(3))).toEqual([
    ["imds-firewall", "cwagent"],
    ["install-host-key", parameter.props.name, "ap-northeast-2"],
  ]);
  expect(userData).not.toMatch(/PRIVATE KEY-----/);
  expect(userData).not.toContain(parameter.props.value);
  for (const { pattern } of USER_DATA_SECRET_PATTERNS) expect(userData).not.toMatch(pattern);

  // Every remote step pins the generated public key (what the mock provider returns for that key), comment dropped.
  const generated = computedOutputs["tls:index/privateKey:PrivateKey"]!(`${name}-key`, {}).publicKeyOpenssh as string;
  const expected = generated.split(" ").slice(0, 2).join(" ");
  expect(expected).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5\S+$/);
  expect(run.outputs.sshHostKey).toEqual({ value: expected, secret: false });
  const commands = run.ofType("command:remote:Command").filter((c) => c.name.startsWith(`${prefix}-`));
  expect(commands.length).toBeGreaterThanOrEqual(6);
  for (const c of commands) expect(c.props.connection.hostKey).toBe(expected);
}
