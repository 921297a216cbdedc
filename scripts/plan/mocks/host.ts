import type { ComputedOutputs, CallHandler } from "./types";
import { hexOf, MOCK_ACCOUNT_ID } from "./values";

/** Computed outputs of the host resources (beyond resources.ts) the program creates. */
export const hostOutputs: Record<string, ComputedOutputs> = {
  "aws:ec2/keyPair:KeyPair": (name, inputs) => ({
    keyName:
      (inputs.keyName as string | undefined) ??
      `${String(inputs.keyNamePrefix ?? `${name}-`)}${hexOf(`key/${name}`, 12)}`,
    keyPairId: `key-0${hexOf(`keypair/${name}`, 16)}`,
    fingerprint: hexOf(`fingerprint/${name}`, 32).replace(/(..)(?!$)/g, "$1:"),
  }),
  "aws:kms/key:Key": (name) => {
    const id = hexOf(`aws:kms/key:Key/${name}`, 32).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");
    return { keyId: id, arn: `arn:aws:kms:ap-northeast-2:${MOCK_ACCOUNT_ID}:key/${id}` };
  },
  "aws:ebs/volume:Volume": (name) => ({
    arn: `arn:aws:ec2:ap-northeast-2:${MOCK_ACCOUNT_ID}:volume/vol-0${hexOf(`aws:ebs/volume:Volume/${name}`, 16)}`,
    iops: 3000,
    throughput: 125,
  }),
};

/** Host invokes the program makes. */
export const hostCalls: Record<string, CallHandler> = {
  // The role behind an assumed-role session (IAM users and roles are their own issuer), as the provider resolves it.
  "aws:iam/getSessionContext:getSessionContext": (inputs) => {
    const arn = String(inputs.arn);
    const session = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/.exec(arn);
    const issuerArn = session ? `arn:${session[1]}:iam::${session[2]}:role/${session[3]}` : arn;
    return { arn, issuerArn, issuerName: issuerArn.split("/").pop(), sessionName: session?.[4] ?? "", id: arn };
  },
  // The mock network's first zone: the one the (single) host subnet lands in.
  "aws:ec2/getSubnet:getSubnet": (inputs) => ({
    id: inputs.id,
    availabilityZone: "ap-northeast-2a",
    availabilityZoneId: "apne2-az1",
    vpcId: `vpc-0${hexOf("mock-subnet-vpc", 16)}`,
    cidrBlock: "10.0.0.0/24",
    mapPublicIpOnLaunch: false,
  }),
};
