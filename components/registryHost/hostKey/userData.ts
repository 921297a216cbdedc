import { readFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";

/** The boot script (plain bash beside this file), run by cloud-init's bootcmd with the parameter name and region. */
export function installHostKeyScript(): string {
  return readFileSync(join(__dirname, "install-host-key.bash"), "utf8");
}

export interface HostKeyUserDataInput {
  /** SSM parameter (SecureString) holding the host's ED25519 private key, e.g. `/startup-infra/dev/ssh-host-key`. */
  parameterName: string;
  /** Region of the parameter, e.g. ap-northeast-2. */
  region: string;
}

/**
 * The instance's user data: a cloud-config that installs the pinned host key before sshd starts. It holds no secret:
 * the script, the parameter's name and the region only (the key itself is read with the instance role).
 *
 * - `bootcmd` runs in cloud-init's network stage, before its `ssh` module (config/cloud.cfg.tmpl, `cloud_init_modules`)
 *   and before sshd (systemd/cloud-init-network.service.tmpl: `Before=sshd.service`), on every boot.
 * - `ssh_deletekeys: false`: the `ssh` module would otherwise delete the key just installed on first boot.
 * - `ssh_genkeytypes: []`: no other host keys; the script's sshd drop-in serves only the pinned one. If the fetch
 *   fails there is no host key at all and sshd refuses everyone (fail closed) rather than serving an unknown key.
 */
export function renderHostKeyUserData(input: HostKeyUserDataInput): string {
  if (!/^\/[A-Za-z0-9_.\-/]{1,1000}$/.test(input.parameterName)) {
    throw new Error(
      `SSM parameter name ${JSON.stringify(input.parameterName)} must be a path such as /app/ssh-host-key`,
    );
  }
  if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(input.region)) {
    throw new Error(`region ${JSON.stringify(input.region)} must be an AWS region code such as ap-northeast-2`);
  }
  const config = {
    ssh_deletekeys: false,
    ssh_genkeytypes: [],
    bootcmd: [["bash", "-c", installHostKeyScript(), "install-host-key", input.parameterName, input.region]],
  };
  return `#cloud-config\n${stringify(config, { lineWidth: 0 })}`;
}

/**
 * The instance role's only permission: read (and decrypt) exactly this parameter. With a customer-managed KMS key,
 * `kms:Decrypt` on that key too, and only when SSM asks for it (`kms:ViaService`). With the AWS-managed `aws/ssm` key
 * its key policy already lets SSM decrypt for principals of the account, so nothing more is granted.
 */
export function hostKeyReadPolicy(args: { parameterArn: string; region: string; kmsKeyArn?: string }): {
  Version: string;
  Statement: Record<string, unknown>[];
} {
  const statements: Record<string, unknown>[] = [
    { Sid: "ReadHostKey", Effect: "Allow", Action: "ssm:GetParameter", Resource: args.parameterArn },
  ];
  if (args.kmsKeyArn) {
    statements.push({
      Sid: "DecryptHostKeyViaSsm",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: args.kmsKeyArn,
      Condition: { StringEquals: { "kms:ViaService": `ssm.${args.region}.amazonaws.com` } },
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}
