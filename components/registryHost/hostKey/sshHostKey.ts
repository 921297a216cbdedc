import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { hostKeyReadPolicy, renderHostKeyUserData } from "./userData";

export interface SshHostKeyArgs {
  /** SSM parameter name for the private key, e.g. `/startup-infra/dev/registry-host/ssh-host-ed25519-key`. */
  parameterName: string;
  /** Region of the parameter (the stack's region): the boot script signs its request for it. */
  region: string;
  /**
   * Customer-managed KMS key (ARN) that encrypts the parameter. Defaults to the AWS-managed `aws/ssm` key, whose key
   * policy already lets SSM decrypt for the account's principals.
   */
  kmsKeyArn?: string;
}

/**
 * The host's SSH host key, known before the instance exists: an ED25519 key generated here, its private half in an
 * SSM SecureString parameter only the host's instance role can read, installed by cloud-init before sshd starts
 * (userData.ts). Every provisioning connection pins `publicKey`, so the first connection already verifies the host.
 */
export class SshHostKey extends pulumi.ComponentResource {
  /** `ssh-ed25519 <key data>`: what every provisioning connection pins. */
  readonly publicKey: pulumi.Output<string>;
  /** The instance profile carrying the role that may read the parameter. */
  readonly instanceProfileName: pulumi.Output<string>;
  /** The instance's cloud-config (no secret: the script, the parameter's name and the region). */
  readonly userData: string;
  readonly parameterArn: pulumi.Output<string>;

  constructor(name: string, args: SshHostKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("startup:aws:SshHostKey", name, {}, opts);
    const parent = { parent: this };

    const key = new tls.PrivateKey(`${name}-key`, { algorithm: "ED25519" }, parent);
    const parameter = new aws.ssm.Parameter(
      `${name}-parameter`,
      {
        name: args.parameterName,
        description: "SSH host private key (ED25519) of the registry host, installed at boot by cloud-init",
        type: "SecureString",
        value: pulumi.secret(key.privateKeyOpenssh),
        ...(args.kmsKeyArn ? { keyId: args.kmsKeyArn } : {}),
        tier: "Standard",
        tags: { Name: args.parameterName },
      },
      parent,
    );

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        description: "Registry host instance role: reads its own SSH host key parameter, nothing else",
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
        tags: { Name: `${name}-role` },
      },
      parent,
    );
    new aws.iam.RolePolicy(
      `${name}-read`,
      {
        role: role.id,
        policy: parameter.arn.apply((parameterArn) =>
          JSON.stringify(
            hostKeyReadPolicy({
              parameterArn,
              region: args.region,
              ...(args.kmsKeyArn ? { kmsKeyArn: args.kmsKeyArn } : {}),
            }),
          ),
        ),
      },
      parent,
    );
    const profile = new aws.iam.InstanceProfile(
      `${name}-profile`,
      { role: role.name, tags: { Name: `${name}-profile` } },
      parent,
    );

    // The provider refuses any other key: `<type> <key data>` (tls appends a newline).
    this.publicKey = pulumi
      .unsecret(key.publicKeyOpenssh)
      .apply((line) => line.trim().split(/\s+/).slice(0, 2).join(" "));
    this.instanceProfileName = profile.name;
    this.userData = renderHostKeyUserData({ parameterName: args.parameterName, region: args.region });
    this.parameterArn = parameter.arn;
    this.registerOutputs({ publicKey: this.publicKey, parameterArn: this.parameterArn });
  }
}
