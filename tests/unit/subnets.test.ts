import fc from "fast-check";
import { IPv4CidrRange } from "ip-num";
import { describe, expect, it } from "vitest";
import { planSubnets } from "../../components/network/subnets";
import { pickZones } from "../../components/network/zones";

const range = (cidr: string) => IPv4CidrRange.fromCidr(cidr);

describe("planSubnets", () => {
  it("gives the seed's layout for 10.0.0.0/16 (prod: 2 public, 2 private)", () => {
    expect(
      planSubnets({ vpcCidr: "10.0.0.0/16", publicSubnetCount: 2, privateSubnetCount: 2, subnetPrefixLength: 24 }),
    ).toEqual({
      publicCidrs: ["10.0.0.0/24", "10.0.1.0/24"],
      privateCidrs: ["10.0.128.0/24", "10.0.129.0/24"],
    });
  });

  it("keeps existing subnets where they are when a subnet is added (no replacement)", () => {
    const dev = planSubnets({
      vpcCidr: "10.0.0.0/16",
      publicSubnetCount: 1,
      privateSubnetCount: 2,
      subnetPrefixLength: 24,
    });
    const prod = planSubnets({
      vpcCidr: "10.0.0.0/16",
      publicSubnetCount: 2,
      privateSubnetCount: 2,
      subnetPrefixLength: 24,
    });
    expect(prod.publicCidrs.slice(0, 1)).toEqual(dev.publicCidrs);
    expect(prod.privateCidrs).toEqual(dev.privateCidrs);
  });

  it("says what VPC size would fit when the VPC is too small", () => {
    expect(() =>
      planSubnets({ vpcCidr: "10.0.0.0/24", publicSubnetCount: 1, privateSubnetCount: 2, subnetPrefixLength: 24 }),
    ).toThrow(
      "VPC 10.0.0.0/24 is too small for 1 public and 2 private /24 subnets: that needs a VPC of /22 or larger. " +
        "Use a larger network.vpcCidr or a longer network.subnetPrefixLength.",
    );
  });

  const inputs = fc.record({
    a: fc.integer({ min: 0, max: 255 }),
    b: fc.integer({ min: 0, max: 255 }),
    vpcPrefix: fc.integer({ min: 8, max: 26 }),
    publicSubnetCount: fc.integer({ min: 1, max: 6 }),
    privateSubnetCount: fc.integer({ min: 2, max: 6 }),
    subnetPrefixLength: fc.integer({ min: 16, max: 28 }),
  });

  it("property: subnets are inside the VPC, of the asked size and count, pairwise disjoint, or a clear error", () => {
    fc.assert(
      fc.property(inputs, (p) => {
        const network = range(`10.${p.a}.${p.b}.0/${p.vpcPrefix}`).getFirst().toString();
        const vpcCidr = `${network}/${p.vpcPrefix}`;
        const input = {
          vpcCidr,
          publicSubnetCount: p.publicSubnetCount,
          privateSubnetCount: p.privateSubnetCount,
          subnetPrefixLength: p.subnetPrefixLength,
        };
        const needed =
          p.subnetPrefixLength - 1 - Math.ceil(Math.log2(Math.max(p.publicSubnetCount, p.privateSubnetCount)));
        if (p.vpcPrefix > needed) {
          expect(() => planSubnets(input)).toThrow(/is too small/);
          return;
        }
        const layout = planSubnets(input);
        const all = [...layout.publicCidrs, ...layout.privateCidrs];
        expect(layout.publicCidrs).toHaveLength(p.publicSubnetCount);
        expect(layout.privateCidrs).toHaveLength(p.privateSubnetCount);
        const vpc = range(vpcCidr);
        for (const c of all) {
          expect(Number(range(c).getPrefix().getValue())).toBe(p.subnetPrefixLength);
          expect(range(c).inside(vpc)).toBe(true);
        }
        for (let i = 0; i < all.length; i++)
          for (let j = i + 1; j < all.length; j++) expect(range(all[i]!).isOverlapping(range(all[j]!))).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe("pickZones", () => {
  it("takes distinct zones in the region's order", () => {
    expect(pickZones(["a", "b", "c"], 2, "network.privateSubnetCount")).toEqual(["a", "b"]);
  });

  it("says how many zones the region has when asked for more", () => {
    expect(() => pickZones(["a", "b"], 3, "network.publicSubnetCount")).toThrow(
      "network.publicSubnetCount asks for 3 subnets in distinct availability zones, but the region offers only 2 (a, b). " +
        "Lower network.publicSubnetCount or choose another aws.region.",
    );
  });
});
