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
  /** The host's instance role (instanceRole.ts): the read policy is attached to it, the only role the host has. */
  roleName: pulumi.Input<string>;
}

/**
 * The host's SSH host key, known before the instance exists: an ED25519 key generated here, its private half in an
 * SSM SecureString parameter only the host's instance role (a policy on it, attached here) can read, installed by cloud-init before sshd starts
 * (userData.ts). Every provisioning connection pins `publicKey`, so the first connection already verifies the host.
 */
export class SshHostKey extends pulumi.ComponentResource {
  /** `ssh-ed25519 <key data>`: what every provisioning connection pins. */
  readonly publicKey: pulumi.Output<string>;
  /** What the instance must wait for: the stored key and the role's permission to read it. */
  readonly deliveredBy: pulumi.Resource[];
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

    const readPolicy = new aws.iam.RolePolicy(
      `${name}-read`,
      {
        role: args.roleName,
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
    // The provider refuses any other key: `<type> <key data>` (tls appends a newline).
    this.publicKey = pulumi
      .unsecret(key.publicKeyOpenssh)
      .apply((line) => line.trim().split(/\s+/).slice(0, 2).join(" "));
    this.deliveredBy = [parameter, readPolicy];
    this.userData = renderHostKeyUserData({ parameterName: args.parameterName, region: args.region });
    this.parameterArn = parameter.arn;
    this.registerOutputs({ publicKey: this.publicKey, parameterArn: this.parameterArn });
  }
}
