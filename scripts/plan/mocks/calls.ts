import type { MockCallArgs } from "@pulumi/pulumi/runtime";
import { azureCalls } from "./azure";
import { hostCalls } from "./host";
import type { CallHandler } from "./types";
import { MOCK_ACCOUNT_ID } from "./values";

/** Every invoke the program makes, answered deterministically. Anything else throws. */
export const callHandlers: Record<string, CallHandler> = {
  "aws:index/getAvailabilityZones:getAvailabilityZones": (inputs) => availabilityZones(inputs),
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

/**
 * The region's zones as EC2 lists them for an account that opted in to a Wavelength Zone: DescribeAvailabilityZones
 * returns opted-in Local/Wavelength Zones beside the Availability Zones unless an `opt-in-status` filter says
 * otherwise. Honours `filters` on opt-in-status and zone-type, so a program that forgets the filter gets the
 * Wavelength Zone in its list, as it would on such an account.
 */
const MOCK_ZONES = [
  { name: "ap-northeast-2a", zoneId: "apne2-az1", optInStatus: "opt-in-not-required", zoneType: "availability-zone" },
  {
    name: "ap-northeast-2-wl1-cjj-wlz-1",
    zoneId: "apne2-wl1-cjj-wlz1",
    optInStatus: "opted-in",
    zoneType: "wavelength-zone",
  },
  { name: "ap-northeast-2b", zoneId: "apne2-az2", optInStatus: "opt-in-not-required", zoneType: "availability-zone" },
  { name: "ap-northeast-2c", zoneId: "apne2-az3", optInStatus: "opt-in-not-required", zoneType: "availability-zone" },
  { name: "ap-northeast-2d", zoneId: "apne2-az4", optInStatus: "opt-in-not-required", zoneType: "availability-zone" },
];

function availabilityZones(inputs: Record<string, unknown>): Record<string, unknown> {
  const filters = (inputs.filters ?? []) as { name: string; values: string[] }[];
  const field = { "opt-in-status": "optInStatus", "zone-type": "zoneType" } as const;
  const zones = MOCK_ZONES.filter((z) =>
    filters.every((f) => {
      const key = field[f.name as keyof typeof field];
      if (!key) throw new Error(`unmocked getAvailabilityZones filter: ${f.name}`);
      return f.values.includes(z[key]);
    }),
  );
  return {
    names: zones.map((z) => z.name),
    zoneIds: zones.map((z) => z.zoneId),
    state: "available",
    id: "ap-northeast-2",
  };
}

export function mockCall(args: MockCallArgs): Record<string, unknown> {
  const handler = callHandlers[args.token];
  if (!handler) throw new Error(`unmocked call: ${args.token} (add it to scripts/plan/mocks/calls.ts)`);
  return handler(args.inputs as Record<string, unknown>);
}
