/** Just enough CIDR arithmetic for the network rules: "is this the whole internet?" and "is this inside the VPC?". */

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
