import { readFileSync } from "node:fs";
import { join } from "node:path";
import { stripShellComments } from "../boot/stripComments";

/** The boot script as written (plain bash beside this file), with its comments. */
export function installHostKeySource(): string {
  return readFileSync(join(__dirname, "install-host-key.bash"), "utf8");
}

/** The boot script as it ships in user data: comments and blank lines stripped (boot/stripComments.ts). */
export function installHostKeyScript(): string {
  return stripShellComments(installHostKeySource());
}

export interface HostKeyUserDataInput {
  /** SSM parameter (SecureString) holding the host's ED25519 private key, e.g. `/startup-infra/dev/ssh-host-key`. */
  parameterName: string;
  /** Region of the parameter, e.g. ap-northeast-2. */
  region: string;
}

/**
 * The cloud-config keys that install the pinned host key before sshd starts (boot/userData.ts composes them). They
 * hold no secret: the script, the parameter's name and the region only (the key itself is read with the instance
 * role).
 *
 * - `bootcmd` runs in cloud-init's network stage, before its `ssh` module (config/cloud.cfg.tmpl, `cloud_init_modules`)
 *   and before sshd (systemd/cloud-init-network.service.tmpl: `Before=sshd.service`), on every boot.
 * - `ssh_deletekeys: false`: the `ssh` module would otherwise delete the key just installed on first boot.
 * - `ssh_genkeytypes: []`: no other host keys; the script's sshd drop-in serves only the pinned one. If the fetch
 *   fails there is no host key at all and sshd refuses everyone (fail closed) rather than serving an unknown key.
 */
export function hostKeyCloudConfig(
  input: HostKeyUserDataInput,
  script: string = installHostKeyScript(),
): {
  ssh_deletekeys: false;
  ssh_genkeytypes: never[];
  bootcmd: string[][];
} {
  if (!/^\/[A-Za-z0-9_.\-/]{1,1000}$/.test(input.parameterName)) {
    throw new Error(
      `SSM parameter name ${JSON.stringify(input.parameterName)} must be a path such as /app/ssh-host-key`,
    );
  }
  if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(input.region)) {
    throw new Error(`region ${JSON.stringify(input.region)} must be an AWS region code such as ap-northeast-2`);
  }
  return {
    ssh_deletekeys: false,
    ssh_genkeytypes: [],
    bootcmd: [["bash", "-c", script, "install-host-key", input.parameterName, input.region]],
  };
}

/**
 * The instance role's only permission: read (and decrypt) exactly this parameter: `ssm:GetParameter` on it, and
 * `kms:Decrypt` on its key only when SSM asks for it (`kms:ViaService`) for this parameter (the encryption context
 * Parameter Store passes, `PARAMETER_ARN`: see kmsKeyPolicy.ts). The key's own policy must admit the role too (the
 * key made by SshHostKey does; a key of your own, `kmsKeyArn`, must).
 */
export function hostKeyReadPolicy(args: { parameterArn: string; region: string; kmsKeyArn: string }): {
  Version: string;
  Statement: Record<string, unknown>[];
} {
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "ReadHostKey", Effect: "Allow", Action: "ssm:GetParameter", Resource: args.parameterArn },
      {
        Sid: "DecryptHostKeyViaSsm",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: args.kmsKeyArn,
        Condition: {
          StringEquals: {
            "kms:ViaService": `ssm.${args.region}.amazonaws.com`,
            "kms:EncryptionContext:PARAMETER_ARN": args.parameterArn,
          },
        },
      },
    ],
  };
}
