import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { HostFile } from "../components/hostFile";
import type { Network } from "../components/network/network";
import type { StackSecrets } from "./config/load";
import type { StackConfig } from "./config/parse";
import type { HostShape } from "./compose";

/** What the composition needs from the host. */
export interface HostResult {
  securityGroupId: pulumi.Output<string>;
  publicIp: pulumi.Output<string>;
  /** Registry passwords (secret), user -> password, for Key Vault. */
  registryPasswords: pulumi.Output<Record<string, string>>;
  hostFiles: pulumi.Output<HostFile[]>;
  outputs: Record<string, pulumi.Input<unknown>>;
}

/** Stand-in for the RegistryHost component (its own issue): the host's security group and Elastic IP. */
export function createHost(
  config: StackConfig,
  _secrets: StackSecrets,
  _shape: HostShape,
  network: Network,
  provider: aws.Provider,
): HostResult {
  const opts = { provider };
  const prefix = config.stack;
  const securityGroup = new aws.ec2.SecurityGroup(
    `${prefix}-host-sg`,
    { vpcId: network.vpcId, description: "Registry host", tags: { Name: `${prefix}-host-sg` } },
    opts,
  );
  const eip = new aws.ec2.Eip(`${prefix}-host-eip`, { domain: "vpc", tags: { Name: `${prefix}-host` } }, opts);
  return {
    securityGroupId: securityGroup.id,
    publicIp: eip.publicIp,
    registryPasswords: pulumi.secret<Record<string, string>>({}),
    hostFiles: pulumi.output([]),
    outputs: { hostPublicIp: eip.publicIp },
  };
}
