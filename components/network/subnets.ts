import { IPv4CidrRange, IPv4Prefix } from "ip-num";

export interface SubnetLayoutInput {
  /** VPC CIDR block, e.g. 10.0.0.0/16. */
  vpcCidr: string;
  publicSubnetCount: number;
  privateSubnetCount: number;
  /** Prefix length of every subnet, e.g. 24. */
  subnetPrefixLength: number;
}

export interface SubnetLayout {
  /** Public subnets, in order: 10.0.0.0/24, 10.0.1.0/24, ... */
  publicCidrs: string[];
  /** Private (database) subnets, from the second half of the VPC: 10.0.128.0/24, 10.0.129.0/24, ... */
  privateCidrs: string[];
}

/**
 * Derives subnet CIDRs from the VPC CIDR. Public subnets take the first blocks of the VPC's lower half, private
 * subnets the first blocks of its upper half, so adding a subnet of one kind never moves a subnet of the other
 * (a moved CIDR would replace the subnet and everything in it). Throws a message that says what would fit.
 */
export function planSubnets(input: SubnetLayoutInput): SubnetLayout {
  const vpc = IPv4CidrRange.fromCidr(input.vpcCidr);
  const vpcPrefix = vpc.getPrefix().getValue();
  const { publicSubnetCount, privateSubnetCount, subnetPrefixLength } = input;
  const half = Math.max(publicSubnetCount, privateSubnetCount);
  // Bits needed so that each half holds `half` subnets: one bit for the halves, then enough for `half` blocks.
  const neededPrefix = subnetPrefixLength - 1 - Math.ceil(Math.log2(half));
  if (subnetPrefixLength <= vpcPrefix || vpcPrefix > neededPrefix) {
    throw new Error(
      `VPC ${input.vpcCidr} is too small for ${publicSubnetCount} public and ${privateSubnetCount} private /${subnetPrefixLength} ` +
        `subnets: that needs a VPC of /${Math.max(0, neededPrefix)} or larger. Use a larger network.vpcCidr or a longer network.subnetPrefixLength.`,
    );
  }
  const [lower, upper] = vpc.split();
  // The first `count` consecutive blocks of the half (computed one by one: a /8 holds a million /28s).
  const take = (half: IPv4CidrRange, count: number) => {
    const blocks: string[] = [];
    let block: IPv4CidrRange | undefined = new IPv4CidrRange(
      half.getFirst(),
      new IPv4Prefix(BigInt(subnetPrefixLength)),
    );
    for (let i = 0; i < count && block; i++) {
      blocks.push(block.toCidrString());
      block = block.nextRange();
    }
    return blocks;
  };
  return { publicCidrs: take(lower, publicSubnetCount), privateCidrs: take(upper, privateSubnetCount) };
}
