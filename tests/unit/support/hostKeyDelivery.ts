import { expect } from "vitest";
import { parse } from "yaml";
import { USER_DATA_SECRET_PATTERNS } from "../../../policy/rules/host";
import { computedOutputs } from "../../../scripts/plan/mocks/resources";
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
  expect(parameter.props.keyId).toBeUndefined(); // the AWS-managed aws/ssm key by default

  // The role may do exactly one thing: read exactly that parameter.
  const parameterArn = `arn:aws:ssm:ap-northeast-2:${MOCK_ACCOUNT_ID}:parameter${parameter.props.name}`;
  const role = run.named(`${name}-role`);
  expect(JSON.parse(role.props.assumeRolePolicy)).toEqual({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
  });
  const policies = run.ofType("aws:iam/rolePolicy:RolePolicy").filter((p) => p.parent === component.urn);
  expect(policies).toHaveLength(1);
  expect(JSON.parse(policies[0]!.props.policy)).toEqual({
    Version: "2012-10-17",
    Statement: [{ Sid: "ReadHostKey", Effect: "Allow", Action: "ssm:GetParameter", Resource: parameterArn }],
  });
  expect(run.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => a.parent === component.urn))
    .toEqual([]); // prettier-ignore
  const profile = run.named(`${name}-profile`);
  // The instance boots only once the key is stored and readable (first boot's cloud-init fetches it).
  const instanceDeps = run.named(`${prefix}-instance`).dependsOn;
  for (const r of [parameter, profile, ...policies]) expect(instanceDeps).toContain(r.urn);
  const instance = run.named(`${prefix}-instance`).props;
  expect(profile.dependsOn).toContain(role.urn); // its role input is that role
  expect(instance.iamInstanceProfile).toMatch(new RegExp(`^${name}-profile-`));

  // User data: cloud-config naming the parameter and region, no key material, nothing the policy calls a secret.
  const userData = instance.userData as string;
  expect(userData.startsWith("#cloud-config\n")).toBe(true);
  const cloudConfig = parse(userData) as { ssh_deletekeys: boolean; ssh_genkeytypes: string[]; bootcmd: string[][] };
  expect(cloudConfig.ssh_deletekeys).toBe(false);
  expect(cloudConfig.ssh_genkeytypes).toEqual([]);
  expect(cloudConfig.bootcmd[0]!.slice(3)).toEqual(["install-host-key", parameter.props.name, "ap-northeast-2"]);
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
