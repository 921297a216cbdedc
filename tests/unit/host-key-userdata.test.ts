import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderBootUserData } from "../../components/registryHost/boot/userData";
import {
  hostKeyKmsKeyPolicy,
  KEY_ADMINISTRATION_ACTIONS,
  parameterArnOf,
} from "../../components/registryHost/hostKey/kmsKeyPolicy";
import { hostKeyReadPolicy, installHostKeyScript } from "../../components/registryHost/hostKey/userData";

const ARN = "arn:aws:ssm:ap-northeast-2:123456789012:parameter/startup-infra/dev/registry-host/ssh-host-ed25519-key";
const KMS = "arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

describe("host key user data (pure)", () => {
  it("keeps the installed key and runs the script with only the name and region, after the metadata firewall", () => {
    const text = renderBootUserData({
      imdsUsers: ["cwagent"],
      hostKey: { parameterName: "/a/b-key", region: "eu-west-1" },
    });
    const config = parse(text) as { bootcmd: string[][] } & Record<string, unknown>;
    expect(Object.keys(config).sort()).toEqual(["bootcmd", "ssh_deletekeys", "ssh_genkeytypes"]);
    expect(config.ssh_deletekeys).toBe(false);
    expect(config.ssh_genkeytypes).toEqual([]);
    expect(config.bootcmd.map((argv) => argv[3])).toEqual(["imds-firewall", "install-host-key"]);
    expect(config.bootcmd[1]).toEqual([
      "bash",
      "-c",
      installHostKeyScript(),
      "install-host-key",
      "/a/b-key",
      "eu-west-1",
    ]);
  });

  it("refuses a parameter name or region that is not one", () => {
    const render = (parameterName: string, region: string) =>
      renderBootUserData({ imdsUsers: [], hostKey: { parameterName, region } });
    expect(() => render("a b", "eu-west-1")).toThrow(/must be a path/);
    expect(() => render("/a", "eu-west-1; reboot")).toThrow(/region/);
  });
});

describe("the instance role's policy", () => {
  it("allows ssm:GetParameter on that parameter, and kms:Decrypt only through SSM for that parameter", () => {
    expect(hostKeyReadPolicy({ parameterArn: ARN, region: "ap-northeast-2", kmsKeyArn: KMS })).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Sid: "ReadHostKey", Effect: "Allow", Action: "ssm:GetParameter", Resource: ARN },
        {
          Sid: "DecryptHostKeyViaSsm",
          Effect: "Allow",
          Action: "kms:Decrypt",
          Resource: KMS,
          Condition: {
            StringEquals: {
              "kms:ViaService": "ssm.ap-northeast-2.amazonaws.com",
              "kms:EncryptionContext:PARAMETER_ARN": ARN,
            },
          },
        },
      ],
    });
  });
});

describe("the host key's KMS key policy (pure)", () => {
  const ROLE = "arn:aws:iam::123456789012:role/prod-host-role-1a2b3c4";
  const DEPLOYER = "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123";
  const policy = hostKeyKmsKeyPolicy({
    partition: "aws",
    accountId: "123456789012",
    region: "ap-northeast-2",
    parameterArn: ARN,
    instanceRoleArn: ROLE,
    deployerArn: DEPLOYER,
  });
  const statements = policy.Statement as {
    Sid: string;
    Principal: { AWS: string | string[] };
    Action: string | string[];
    Condition?: unknown;
  }[];
  const actionsOf = (principal: string) =>
    statements
      .filter((s) => [s.Principal.AWS].flat().includes(principal))
      .flatMap((s) => [s.Action].flat().map((a) => ({ action: a, condition: s.Condition })));
  const onlyThisParameter = {
    StringEquals: {
      "kms:ViaService": "ssm.ap-northeast-2.amazonaws.com",
      "kms:EncryptionContext:PARAMETER_ARN": ARN,
    },
  };

  it("lets the instance role decrypt, and nothing else, only this parameter through SSM", () => {
    expect(actionsOf(ROLE)).toEqual([{ action: "kms:Decrypt", condition: onlyThisParameter }]);
  });

  it("lets the deployer encrypt and decrypt only this parameter through SSM, and administer the key", () => {
    const crypto = actionsOf(DEPLOYER).filter(
      (a) => !(KEY_ADMINISTRATION_ACTIONS as readonly string[]).includes(a.action),
    );
    expect(crypto).toEqual([
      { action: "kms:Encrypt", condition: onlyThisParameter },
      { action: "kms:Decrypt", condition: onlyThisParameter },
    ]);
    expect(actionsOf(DEPLOYER).map((a) => a.action)).toEqual(
      expect.arrayContaining(["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"]),
    );
  });

  it("gives the account administration only: no principal but those two may encrypt, decrypt or grant", () => {
    const root = "arn:aws:iam::123456789012:root";
    expect(actionsOf(root).every((a) => (KEY_ADMINISTRATION_ACTIONS as readonly string[]).includes(a.action))).toBe(
      true,
    );
    const all = statements.flatMap((s) => [s.Action].flat());
    for (const forbidden of ["kms:*", "kms:CreateGrant", "kms:ReEncryptFrom", "kms:GenerateDataKey", "kms:Decrypt*"]) {
      expect(all).not.toContain(forbidden);
    }
    expect(all.filter((a) => /\*/.test(a))).toEqual([]);
    const decrypters = statements.filter((s) => [s.Action].flat().includes("kms:Decrypt")).map((s) => s.Principal.AWS);
    expect(decrypters).toEqual([DEPLOYER, ROLE]);
  });

  it("names the parameter as Parameter Store's encryption context does", () => {
    expect(
      parameterArnOf({
        partition: "aws",
        region: "ap-northeast-2",
        accountId: "123456789012",
        name: "/startup-infra/dev/registry-host/ssh-host-ed25519-key",
      }),
    ).toBe(ARN);
  });
});
