import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  hostKeyReadPolicy,
  installHostKeyScript,
  renderHostKeyUserData,
} from "../../components/registryHost/hostKey/userData";

const ARN = "arn:aws:ssm:ap-northeast-2:123456789012:parameter/startup-infra/dev/registry-host/ssh-host-ed25519-key";
const KMS = "arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

describe("host key user data (pure)", () => {
  it("is a cloud-config that keeps the installed key and runs the script with only the name and region", () => {
    const text = renderHostKeyUserData({ parameterName: "/a/b-key", region: "eu-west-1" });
    const config = parse(text) as Record<string, unknown>;
    expect(Object.keys(config).sort()).toEqual(["bootcmd", "ssh_deletekeys", "ssh_genkeytypes"]);
    expect(config.bootcmd).toEqual([
      ["bash", "-c", installHostKeyScript(), "install-host-key", "/a/b-key", "eu-west-1"],
    ]);
  });

  it("refuses a parameter name or region that is not one", () => {
    expect(() => renderHostKeyUserData({ parameterName: "a b", region: "eu-west-1" })).toThrow(/must be a path/);
    expect(() => renderHostKeyUserData({ parameterName: "/a", region: "eu-west-1; reboot" })).toThrow(/region/);
  });

  it("the boot script passes shellcheck", () => {
    const r = spawnSync("shellcheck", ["-s", "bash", "-"], { input: installHostKeyScript(), encoding: "utf8" });
    expect(r.error).toBeUndefined();
    expect(r.stdout).toBe("");
    expect(r.status).toBe(0);
  });
});

describe("the instance role's policy", () => {
  it("allows only ssm:GetParameter on that parameter with the AWS-managed key", () => {
    expect(hostKeyReadPolicy({ parameterArn: ARN, region: "ap-northeast-2" })).toEqual({
      Version: "2012-10-17",
      Statement: [{ Sid: "ReadHostKey", Effect: "Allow", Action: "ssm:GetParameter", Resource: ARN }],
    });
  });

  it("adds kms:Decrypt on a customer key only through SSM in the region", () => {
    expect(hostKeyReadPolicy({ parameterArn: ARN, region: "ap-northeast-2", kmsKeyArn: KMS }).Statement).toEqual([
      { Sid: "ReadHostKey", Effect: "Allow", Action: "ssm:GetParameter", Resource: ARN },
      {
        Sid: "DecryptHostKeyViaSsm",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: KMS,
        Condition: { StringEquals: { "kms:ViaService": "ssm.ap-northeast-2.amazonaws.com" } },
      },
    ]);
  });
});
