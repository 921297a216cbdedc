import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { hostKeyKmsKeyPolicy, parameterArnOf } from "./kmsKeyPolicy";
import { hostKeyReadPolicy, type HostKeyUserDataInput } from "./userData";

export interface SshHostKeyArgs {
  /** SSM parameter name for the private key, e.g. `/startup-infra/dev/registry-host/ssh-host-ed25519-key`. */
  parameterName: string;
  /** Region of the parameter (the stack's region): the boot script signs its request for it. */
  region: string;
  /**
   * Your own KMS key (ARN) for the parameter; its key policy must let the instance role decrypt through SSM.
   * Defaults to a key made here (rotation on) whose policy lets only the instance role and the deployer decrypt, and
   * only this parameter through SSM (kmsKeyPolicy.ts).
   */
  kmsKeyArn?: string;
  /**
   * The IAM role or user (ARN) the made key's policy names as the deployer. Defaults to the IAM role or user behind
   * the session running the command; pin it when other identities run the stack (a read-only preview identity, people
   * beside CI), or the key policy follows whoever ran last. Unused with `kmsKeyArn`.
   */
  deployerArn?: string;
  /** The host's instance role (instanceRole.ts): the read policy is attached to it, the only role the host has. */
  roleName: pulumi.Input<string>;
  /** That role's ARN: the made key's policy admits it. */
  roleArn: pulumi.Input<string>;
}

/**
 * The host's SSH host key, known before the instance exists: an ED25519 key generated here, its private half in an
 * SSM SecureString parameter only the host's instance role (and the deployer) can decrypt, installed by cloud-init
 * before sshd starts (userData.ts, boot/userData.ts). Every provisioning connection pins `publicKey`, so the first
 * connection already verifies the host.
 */
export class SshHostKey extends pulumi.ComponentResource {
  /** `ssh-ed25519 <key data>`: what every provisioning connection pins. */
  readonly publicKey: pulumi.Output<string>;
  /** What the instance must wait for: the stored key and the role's permission to read it. */
  readonly deliveredBy: pulumi.Resource[];
  /** What the instance's user data needs to install the key (boot/userData.ts): the parameter's name and region. */
  readonly userDataInput: HostKeyUserDataInput;
  readonly parameterArn: pulumi.Output<string>;
  /** The KMS key that encrypts the parameter (the one given, or the one made here). */
  readonly kmsKeyArn: pulumi.Output<string>;

  constructor(name: string, args: SshHostKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("startup:aws:SshHostKey", name, {}, opts);
    const parent = { parent: this };

    const key = new tls.PrivateKey(`${name}-key`, { algorithm: "ED25519" }, parent);
    const kmsKey = args.kmsKeyArn ? undefined : this.kmsKey(name, args);
    const kmsKeyArn = kmsKey ? kmsKey.arn : pulumi.output(args.kmsKeyArn!);
    const parameter = new aws.ssm.Parameter(
      `${name}-parameter`,
      {
        name: args.parameterName,
        description: "SSH host private key (ED25519) of the registry host, installed at boot by cloud-init",
        type: "SecureString",
        value: pulumi.secret(key.privateKeyOpenssh),
        keyId: kmsKeyArn,
        tier: "Standard",
        tags: { Name: args.parameterName },
      },
      parent,
    );

    const readPolicy = new aws.iam.RolePolicy(
      `${name}-read`,
      {
        role: args.roleName,
        policy: pulumi
          .all([parameter.arn, kmsKeyArn])
          .apply(([parameterArn, keyArn]) =>
            JSON.stringify(hostKeyReadPolicy({ parameterArn, region: args.region, kmsKeyArn: keyArn })),
          ),
      },
      parent,
    );
    // The provider refuses any other key: `<type> <key data>` (tls appends a newline).
    this.publicKey = pulumi
      .unsecret(key.publicKeyOpenssh)
      .apply((line) => line.trim().split(/\s+/).slice(0, 2).join(" "));
    this.deliveredBy = [parameter, readPolicy];
    this.userDataInput = { parameterName: args.parameterName, region: args.region };
    this.parameterArn = parameter.arn;
    this.kmsKeyArn = kmsKeyArn;
    this.registerOutputs({ publicKey: this.publicKey, parameterArn: this.parameterArn, kmsKeyArn: this.kmsKeyArn });
  }

  /**
   * The parameter's own customer-managed key. The deployer is `deployerArn` when pinned, else the IAM role behind the
   * deployment's session (a key policy cannot name an assumed-role session): the provider's session-context lookup
   * resolves it, path included (it reads the role with iam:GetRole). KMS refuses principals it cannot see yet, and the instance role is created
   * just before the key: the provider retries CreateKey while IAM propagates (terraform-provider-aws
   * internal/service/kms/key.go, resourceKeyCreate: waitIAMPropagation).
   */
  private kmsKey(name: string, args: SshHostKeyArgs): aws.kms.Key {
    const parent = { parent: this };
    const caller = aws.getCallerIdentityOutput({}, parent);
    const partition = aws.getPartitionOutput({}, parent).partition;
    const deployer = args.deployerArn
      ? pulumi.output(args.deployerArn)
      : aws.iam.getSessionContextOutput({ arn: caller.arn }, parent).issuerArn;
    const policy = pulumi
      .all([partition, caller.accountId, deployer, args.roleArn])
      .apply(([part, accountId, deployerArn, instanceRoleArn]) =>
        JSON.stringify(
          hostKeyKmsKeyPolicy({
            partition: part,
            accountId,
            region: args.region,
            parameterArn: parameterArnOf({ partition: part, region: args.region, accountId, name: args.parameterName }),
            instanceRoleArn,
            deployerArn,
          }),
        ),
      );
    return new aws.kms.Key(
      `${name}-kms`,
      {
        description: `Encrypts the SSM parameter ${args.parameterName} (registry host SSH host key)`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy,
        tags: { Name: `${name}-kms` },
      },
      parent,
    );
  }
}
