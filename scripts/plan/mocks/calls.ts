import type { MockCallArgs } from "@pulumi/pulumi/runtime";
import { azureCalls } from "./azure";
import { hostCalls } from "./host";
import type { CallHandler } from "./types";
import { MOCK_ACCOUNT_ID } from "./values";

/** Every invoke the program makes, answered deterministically. Anything else throws. */
export const callHandlers: Record<string, CallHandler> = {
  "aws:index/getAvailabilityZones:getAvailabilityZones": () => ({
    names: ["ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c", "ap-northeast-2d"],
    zoneIds: ["apne2-az1", "apne2-az2", "apne2-az3", "apne2-az4"],
    state: "available",
    id: "ap-northeast-2",
  }),
  "aws:index/getCallerIdentity:getCallerIdentity": () => ({
    accountId: MOCK_ACCOUNT_ID,
    arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/mock`,
    userId: "AIDAMOCK",
    id: MOCK_ACCOUNT_ID,
  }),
  "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" }),
  "aws:index/getRegion:getRegion": () => ({ name: "ap-northeast-2", region: "ap-northeast-2", id: "ap-northeast-2" }),
  "aws:ec2/getAmi:getAmi": (inputs) => ({
    id: "ami-0123456789abcdef0",
    imageId: "ami-0123456789abcdef0",
    name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261101",
    owners: inputs.owners,
    architecture: "x86_64",
  }),
};

Object.assign(callHandlers, hostCalls, azureCalls);

export function mockCall(args: MockCallArgs): Record<string, unknown> {
  const handler = callHandlers[args.token];
  if (!handler) throw new Error(`unmocked call: ${args.token} (add it to scripts/plan/mocks/calls.ts)`);
  return handler(args.inputs as Record<string, unknown>);
}
