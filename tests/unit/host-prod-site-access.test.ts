import { beforeAll, describe, expect, it } from "vitest";
import { prodSiteSecrets } from "../fixtures/certs";
import { runStack, type StackRun } from "./support/runStack";

// Prod with host.siteAllowedCidrs and a customer KMS key for the host key parameter: the limited site's Nginx file
// admits only those ranges (the others stay open); the parameter uses that key and the role may decrypt only via SSM.
const KMS = "arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
let run: StackRun;
beforeAll(async () => {
  run = await runStack(
    "prod",
    {
      host: {
        sshAllowedCidrs: ["203.0.113.10/32"],
        siteAllowedCidrs: { admin: ["198.51.100.0/24"] },
        sshHostKeyKmsKeyArn: KMS,
      },
    },
    prodSiteSecrets(),
  );
});

describe("prod site access lists", () => {
  it("limits admin to its ranges and leaves www and the registry open", () => {
    const file = (site: string) =>
      run.hostFiles.find((f) => f.path === `/etc/nginx/sites-available/${site}.example.com.conf`)!;
    expect(file("admin").content).toMatch(/allow 198\.51\.100\.0\/24;\s+deny all;/);
    expect(file("www").content).not.toMatch(/deny all/);
    expect(file("docker").content).not.toMatch(/deny all/);
  });
});

describe("prod host key parameter with a customer KMS key", () => {
  it("encrypts the parameter with it (no key made) and lets the role decrypt only this parameter through SSM", () => {
    expect(run.named("prod-host-ssh-host-key-parameter").props.keyId).toBe(KMS);
    expect(run.ofType("aws:kms/key:Key").filter((k) => k.name.startsWith("prod-host-ssh-host-key"))).toEqual([]);
    const policy = JSON.parse(run.named("prod-host-ssh-host-key-read").props.policy);
    expect(policy.Statement[1]).toEqual({
      Sid: "DecryptHostKeyViaSsm",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: KMS,
      Condition: {
        StringEquals: {
          "kms:ViaService": "ssm.ap-northeast-2.amazonaws.com",
          "kms:EncryptionContext:PARAMETER_ARN":
            "arn:aws:ssm:ap-northeast-2:123456789012:parameter/startup-infra/prod/registry-host/ssh-host-ed25519-key",
        },
      },
    });
  });
});
