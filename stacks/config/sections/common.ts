import { IPv4CidrRange, IPv6CidrRange } from "ip-num";
import { z } from "zod";

/** An IPv4 CIDR block such as `10.0.0.0/16` (the address must be the network address). */
export const ipv4Cidr = z.string().superRefine((value, ctx) => {
  const problem = ipv4CidrProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/** An IPv4 or IPv6 CIDR block used in a firewall allow list. */
export const anyCidr = z.string().superRefine((value, ctx) => {
  const problem = value.includes(":") ? ipv6CidrProblem(value) : ipv4CidrProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

export const port = z.number().int().min(1).max(65535);

/** A DNS label such as `www` (lower case letters, digits and inner hyphens, at most 63 characters). */
export const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be a DNS label: lower case letters, digits and inner hyphens");

/** A domain name such as `example.com`. */
export const domainName = z
  .string()
  .max(253)
  .regex(
    /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    "must be a lower-case domain name such as example.com (no trailing dot, no scheme)",
  );

export function ipv4CidrProblem(value: string): string | undefined {
  if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(value))
    return `"${value}" is not an IPv4 CIDR block such as 10.0.0.0/16`;
  let range: IPv4CidrRange;
  try {
    range = IPv4CidrRange.fromCidr(value);
  } catch {
    return `"${value}" is not an IPv4 CIDR block such as 10.0.0.0/16`;
  }
  const network = range.getFirst().toString();
  if (`${network}/${range.getPrefix().getValue()}` !== value) {
    return `"${value}" has host bits set: the network address of that block is ${network}/${range.getPrefix().getValue()}`;
  }
  return undefined;
}

function ipv6CidrProblem(value: string): string | undefined {
  try {
    IPv6CidrRange.fromCidr(value);
    return undefined;
  } catch {
    return `"${value}" is not an IPv6 CIDR block such as 2001:db8::/32`;
  }
}
