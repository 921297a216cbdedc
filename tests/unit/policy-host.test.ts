import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { WIRE_SECRET_SIG, WIRE_SIG_KEY } from "../../policy/lib/values";
import {
  ebsVolumeEncrypted,
  ec2DetailedMonitoringProd,
  ec2ImdsHopLimit,
  ec2Imdsv2Required,
  ec2PublicIpOnlyOnEntryHost,
  ec2VolumesEncrypted,
  noSecretsInUserData,
} from "../../policy/rules/host";
import { messages, planned, run } from "../../policy/testing";

const INSTANCE = "aws:ec2/instance:Instance";
const goodInstance = {
  instanceType: "t3.xlarge",
  metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
  rootBlockDevice: { encrypted: true, volumeSize: 64 },
  ebsBlockDevices: [{ deviceName: "/dev/sdf", encrypted: true }],
  monitoring: true,
  userData: "#cloud-config\npackages: [docker.io]\n",
};
const instance = (overrides: Record<string, unknown> = {}, name = "host", stack = "dev") =>
  planned(INSTANCE, name, { ...goodInstance, ...overrides }, { stack });

describe("ec2-imdsv2-required (CKV_AWS_79 / AWS-0028)", () => {
  const message =
    'metadataOptions.httpTokens is not "required": IMDSv1 lets any SSRF read the instance credentials; require ' +
    "IMDSv2 session tokens (CKV_AWS_79 / AWS-0028).";
  it("fails optional or missing tokens", () => {
    expect(messages(ec2Imdsv2Required, [instance({ metadataOptions: { httpTokens: "optional" } })])).toEqual([message]);
    expect(messages(ec2Imdsv2Required, [instance({ metadataOptions: undefined })])).toEqual([message]);
  });
  it("passes required tokens, and a disabled metadata endpoint", () => {
    expect(
      run(ec2Imdsv2Required, [instance(), instance({ metadataOptions: { httpEndpoint: "disabled" } }, "host-2")]),
    ).toEqual([]);
  });
});

describe("ec2-imds-hop-limit-1 (CKV_AWS_341)", () => {
  const tail = ": set it to 1 so containers (one hop further) cannot fetch the instance credentials (CKV_AWS_341).";
  it("fails a hop limit of 2 or an unset one", () => {
    expect(
      messages(ec2ImdsHopLimit, [
        instance({ metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 } }),
        instance({ metadataOptions: { httpTokens: "required" } }, "host-2"),
      ]),
    ).toEqual([
      `metadataOptions.httpPutResponseHopLimit is 2${tail}`,
      `metadataOptions.httpPutResponseHopLimit is not set (the AMI decides)${tail}`,
    ]);
  });
  it("passes a hop limit of 1", () => {
    expect(run(ec2ImdsHopLimit, [instance()])).toEqual([]);
  });
});

describe("ec2-volumes-encrypted (CKV_AWS_8 / AWS-0131) and ebs-volume-encrypted (CKV_AWS_3)", () => {
  it("fails an unencrypted or default root volume and unencrypted data devices", () => {
    expect(
      messages(ec2VolumesEncrypted, [
        instance({ rootBlockDevice: undefined, ebsBlockDevices: [{ encrypted: true }, { deviceName: "/dev/sdg" }] }),
        instance({ rootBlockDevice: { encrypted: false } }, "host-2"),
      ]),
    ).toEqual([
      "rootBlockDevice.encrypted is not true: encrypt the root volume (CKV_AWS_8 / AWS-0131).",
      "ebsBlockDevices[1].encrypted is not true: encrypt every data volume (CKV_AWS_8 / AWS-0131).",
      "rootBlockDevice.encrypted is not true: encrypt the root volume (CKV_AWS_8 / AWS-0131).",
    ]);
  });
  it("passes encrypted root and data devices", () => {
    expect(run(ec2VolumesEncrypted, [instance()])).toEqual([]);
  });
  it("fails an unencrypted ebs.Volume and passes an encrypted one", () => {
    const VOLUME = "aws:ebs/volume:Volume";
    expect(messages(ebsVolumeEncrypted, [planned(VOLUME, "data", { size: 100 })])).toEqual([
      "EBS volume is not encrypted: set encrypted to true (CKV_AWS_3).",
    ]);
    expect(run(ebsVolumeEncrypted, [planned(VOLUME, "data", { size: 100, encrypted: true })])).toEqual([]);
  });
});

describe("no-secrets-in-user-data (CKV_AWS_46 / AWS-0029)", () => {
  const tail =
    ": user data is readable by anyone who can describe the instance or reach its metadata; ship secrets another " +
    "way (CKV_AWS_46 / AWS-0029).";
  it.each([
    ["a private key (PEM)", "write_files:\n- content: |\n    -----BEGIN OPENSSH PRIVATE KEY-----\n    b3Blbn...\n"],
    ["a private key (PEM)", "-----BEGIN PRIVATE KEY-----\nMIIE...\n"],
    ["an AWS access key id", "export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n"],
    ["an AWS secret access key", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG\n"],
    ["a password assignment", "docker login -u ci --password=hunter2 registry\n"],
    ["a bcrypt htpasswd hash", "echo 'ci:$2y$10$abcdefghijklmnopqrstuu5Wj6Q1uZbq2eYbTqY3Mqv4N2Ew5sQ1e' > htpasswd\n"],
    ["a Pulumi secret in wire form", `{"${WIRE_SIG_KEY}":"${WIRE_SECRET_SIG}","value":"x"}`],
  ])("fails user data with %s", (what, userData) => {
    expect(messages(noSecretsInUserData, [instance({ userData })])).toEqual([`userData contains ${what}${tail}`]);
  });

  it("decodes userDataBase64 and names every kind found, never the secret itself", () => {
    const text = "password=hunter2\n-----BEGIN RSA PRIVATE KEY-----\n";
    const found = messages(noSecretsInUserData, [
      instance({ userData: undefined, userDataBase64: Buffer.from(text).toString("base64") }),
    ]);
    expect(found).toEqual([`userDataBase64 contains a private key (PEM), a password assignment${tail}`]);
    expect(found[0]).not.toContain("hunter2");
  });

  it("fails user data that is itself a secret (wire form kept)", () => {
    const secretUserData = { [WIRE_SIG_KEY]: WIRE_SECRET_SIG, value: "#!/bin/sh\n" };
    // Straight to the rule: evaluatePolicies unwraps secrets, CrossGuard may not.
    const reported: string[] = [];
    const validate = noSecretsInUserData.validateResource as (args: unknown, report: (m: string) => void) => void;
    validate(
      { type: INSTANCE, name: "host", urn: instance().urn, props: { userData: secretUserData }, getConfig: () => ({}) },
      (m) => reported.push(m),
    );
    expect(reported).toEqual([
      "userData is a Pulumi secret: secrets must reach the host another way (SSH copy, secrets manager), not " +
        "through user data (CKV_AWS_46 / AWS-0029).",
    ]);
  });

  it("passes plain cloud-config and a password prompt without a value", () => {
    expect(
      run(noSecretsInUserData, [
        instance(),
        instance({ userData: "#!/bin/sh\necho 'set a password later'\n" }, "host-2"),
      ]),
    ).toEqual([]);
  });

  it("uses the engine's own secret signature", () => {
    expect(WIRE_SIG_KEY).toBe(pulumi.runtime.specialSigKey);
    expect(WIRE_SECRET_SIG).toBe(pulumi.runtime.specialSecretSig);
  });
});

describe("ec2-detailed-monitoring-prod (CKV_AWS_126)", () => {
  it("fails in prod without detailed monitoring, not in dev", () => {
    const quiet = (stack: string) => instance({ monitoring: undefined }, "host", stack);
    expect(messages(ec2DetailedMonitoringProd, [quiet("prod")], "prod")).toEqual([
      "Detailed monitoring is off: set monitoring to true on prod instances (CKV_AWS_126).",
    ]);
    expect(run(ec2DetailedMonitoringProd, [quiet("dev")], "dev")).toEqual([]);
  });
  it("passes in prod with monitoring", () => {
    expect(run(ec2DetailedMonitoringProd, [instance({}, "host", "prod")], "prod")).toEqual([]);
  });
});

describe('ec2-public-ip-only-on-entry-host (CKV_AWS_88) and the named exception "single-entry-host"', () => {
  it("passes the one entry host with an Elastic IP", () => {
    const host = instance();
    const eip = planned("aws:ec2/eip:Eip", "host-eip", { domain: "vpc", instance: "i-1" }, { dependsOn: [host] });
    const worker = instance({}, "worker");
    expect(run(ec2PublicIpOnlyOnEntryHost, [host, eip, worker])).toEqual([]);
  });
  it("fails when a second instance gets a public address", () => {
    const host = instance();
    const eip = planned("aws:ec2/eip:Eip", "host-eip", { domain: "vpc" });
    const association = planned(
      "aws:ec2/eipAssociation:EipAssociation",
      "host-eip-assoc",
      {},
      { dependsOn: [host, eip] },
    );
    const worker = instance({ associatePublicIpAddress: true }, "worker");
    const found = run(ec2PublicIpOnlyOnEntryHost, [host, eip, association, worker]);
    expect(found.map((v) => v.urn)).toEqual([host.urn, worker.urn]);
    expect(found[1]!.message).toBe(
      'Instance worker is one of 2 instances with a public address: only the stack\'s one entry host may have one (exception "single-entry-host"); reach the others through it (CKV_AWS_88).',
    );
  });
});
