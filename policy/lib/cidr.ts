/** Just enough CIDR arithmetic for the network rules: "is this the whole internet?" and "is this inside the VPC?". */
import { IPv4CidrRange, IPv6CidrRange } from "ip-num";

export interface Ipv4Cidr {
  network: number;
  prefix: number;
}

/** Parses `a.b.c.d/n` (or a bare address as /32); undefined for anything else (IPv6, garbage). */
export function parseIpv4Cidr(text: string): Ipv4Cidr | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(text.trim());
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  const prefix = match[5] === undefined ? 32 : Number(match[5]);
  if (prefix > 32) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  return { network: maskIpv4(address, prefix), prefix };
}

function maskIpv4(address: number, prefix: number): number {
  if (prefix === 0) return 0;
  const hostBits = 32 - prefix;
  return Math.floor(address / 2 ** hostBits) * 2 ** hostBits;
}

/** True when `inner` lies entirely inside `outer`. */
export function ipv4Contains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  return inner.prefix >= outer.prefix && maskIpv4(inner.network, outer.prefix) === outer.network;
}

export function isIpv6(text: string): boolean {
  return text.includes(":");
}

/** Prefix length of an IPv4 or IPv6 CIDR (a bare address counts as a host route). */
function prefixLength(text: string): number | undefined {
  const slash = text.indexOf("/");
  if (slash === -1) return isIpv6(text) ? 128 : 32;
  const n = Number(text.slice(slash + 1));
  return Number.isInteger(n) ? n : undefined;
}

/** `0.0.0.0/0`, `::/0` and every other spelling of "any address" (prefix length 0). */
export function isWorld(cidr: string): boolean {
  return prefixLength(cidr.trim()) === 0;
}

/** RFC 1918 ranges: where a VPC's private addresses live when the VPC's own CIDR is not known. */
export const RFC1918: Ipv4Cidr[] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map((c) => parseIpv4Cidr(c)!);

/**
 * True when `cidr` lies inside one of `privateRanges` (the VPC's CIDR blocks, or RFC 1918 when unknown).
 * IPv6 CIDRs are never private here: a VPC's IPv6 block is globally routable.
 */
export function isInsidePrivateRanges(cidr: string, privateRanges: Ipv4Cidr[]): boolean {
  const parsed = parseIpv4Cidr(cidr);
  if (!parsed) return false;
  return privateRanges.some((range) => ipv4Contains(range, parsed));
}

/** True when `cidr` is exactly the single address `ip` (`ip/32` or the bare address). */
export function isSingleAddress(cidr: string, ip: string): boolean {
  const parsed = parseIpv4Cidr(cidr);
  const address = parseIpv4Cidr(ip);
  return parsed !== undefined && address !== undefined && parsed.prefix === 32 && parsed.network === address.network;
}

/**
 * The narrowest prefix an admin or database source may have: anything wider (a smaller prefix length) is treated
 * like the internet. Configurable per rule (`maxIpv4PrefixWidth` / `maxIpv6PrefixWidth` in the policy config).
 */
export interface BreadthLimits {
  /** Smallest IPv4 prefix length admitted. Defaults to 16 (65,536 addresses). */
  ipv4: number;
  /** Smallest IPv6 prefix length admitted. Defaults to 32 (an ISP-sized allocation). */
  ipv6: number;
}

export const DEFAULT_BREADTH: BreadthLimits = { ipv4: 16, ipv6: 32 };

type Interval = { first: bigint; last: bigint };

/** First and last address of an IPv4 or IPv6 CIDR (a bare address is a host route), via ip-num; undefined if invalid. */
function interval(cidr: string): { family: "ipv4" | "ipv6"; range: Interval; prefix: number } | undefined {
  const text = cidr.trim();
  const family = isIpv6(text) ? "ipv6" : "ipv4";
  const withPrefix = text.includes("/") ? text : `${text}/${family === "ipv6" ? 128 : 32}`;
  try {
    const range = family === "ipv6" ? IPv6CidrRange.fromCidr(withPrefix) : IPv4CidrRange.fromCidr(withPrefix);
    return {
      family,
      range: { first: range.getFirst().getValue(), last: range.getLast().getValue() },
      prefix: Number(range.getPrefix().getValue()),
    };
  } catch {
    return undefined;
  }
}

/** The CIDRs wider than `limits` (world-open ones included). */
export function widerThan(cidrs: string[], limits: BreadthLimits): string[] {
  return cidrs.filter((c) => {
    const parsed = interval(c);
    if (parsed === undefined) return isWorld(c);
    return parsed.prefix < limits[parsed.family];
  });
}

const FAMILY_LAST = { ipv4: 2n ** 32n - 1n, ipv6: 2n ** 128n - 1n };

/**
 * The address families whose whole space `cidrs` cover together (e.g. `0.0.0.0/1` + `128.0.0.0/1`): the union of
 * the ranges, merged in address order, is one interval from the first to the last address.
 */
export function coveredFamilies(cidrs: string[]): ("ipv4" | "ipv6")[] {
  const covered: ("ipv4" | "ipv6")[] = [];
  for (const family of ["ipv4", "ipv6"] as const) {
    const ranges = cidrs
      .map(interval)
      .filter((p) => p !== undefined && p.family === family)
      .map((p) => p!.range)
      .sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    let reach = -1n; // the last address covered so far, contiguously from 0
    for (const r of ranges) {
      if (r.first > reach + 1n) break;
      if (r.last > reach) reach = r.last;
    }
    if (reach >= FAMILY_LAST[family]) covered.push(family);
  }
  return covered;
}
