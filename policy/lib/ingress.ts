import { isWorld } from "./cidr";
import { hasUnknown, knownStrings, list, type Props, toNumber } from "./values";

/** The resource types that carry security-group rules. */
export const SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup";
export const SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
export const SECURITY_GROUP_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
export const SECURITY_GROUP_EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
export const DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";

/** Types whose ingress the world-open rules read. */
export const INGRESS_TYPES = [SECURITY_GROUP, SECURITY_GROUP_RULE, SECURITY_GROUP_INGRESS_RULE];

/** One ingress permission, whichever resource type it was written as. */
export interface IngressEntry {
  /** Where it was written: `ingress[0]` for inline rules, `the rule` for a rule resource. */
  where: string;
  /** Inclusive port range it opens; undefined for protocols without ports (ICMP, ESP, ...). */
  ports?: { from: number; to: number };
  /** True for protocol "-1" / "all": every protocol and port. */
  allProtocols: boolean;
  /** Known source CIDRs, IPv4 and IPv6. */
  cidrs: string[];
  /** True when some source CIDR is not known until deploy (computed from another resource). */
  unknownCidr: boolean;
  /** Rule description, when given. */
  description?: string;
}

const ALL_PORTS = { from: 0, to: 65535 };

/** Port range of a protocol + from/to pair as the AWS API reads it. */
function portRange(
  protocol: unknown,
  fromPort: unknown,
  toPort: unknown,
): { all: boolean; ports?: { from: number; to: number } } {
  const p = String(protocol ?? "tcp")
    .trim()
    .toLowerCase();
  if (p === "-1" || p === "all") return { all: true, ports: ALL_PORTS };
  if (p === "tcp" || p === "6" || p === "udp" || p === "17") {
    const from = toNumber(fromPort);
    const to = toNumber(toPort);
    // A missing or -1 bound is read as "any port", the safe reading for a rule we are judging.
    return {
      all: false,
      ports: {
        from: from === undefined || from < 0 ? 0 : from,
        to: to === undefined || to < 0 ? 65535 : to,
      },
    };
  }
  // ICMP (type/code in the port fields), ESP, GRE, ...: no ports to open.
  return { all: false };
}

function entry(
  where: string,
  protocol: unknown,
  fromPort: unknown,
  toPort: unknown,
  cidrValues: unknown[],
  description: unknown,
): IngressEntry {
  const range = portRange(protocol, fromPort, toPort);
  const cidrs = cidrValues.flatMap(knownStrings);
  const unknownCidr = cidrValues.some(hasUnknown) || cidrValues.some((v) => list(v) === undefined);
  return {
    where,
    ports: range.ports,
    allProtocols: range.all,
    cidrs,
    unknownCidr,
    description: typeof description === "string" && description.trim() !== "" ? description : undefined,
  };
}

/** Inline `ingress` (or `egress`) blocks of a SecurityGroup / DefaultSecurityGroup. */
export function inlineEntries(props: Props, direction: "ingress" | "egress"): IngressEntry[] {
  const blocks = list(props[direction]) ?? [];
  return blocks.map((raw, i) => {
    const b = (typeof raw === "object" && raw !== null ? raw : {}) as Props;
    return entry(
      `${direction}[${i}]`,
      b.protocol,
      b.fromPort,
      b.toPort,
      [b.cidrBlocks, b.ipv6CidrBlocks],
      b.description,
    );
  });
}

/**
 * The ingress entries a resource of one of the INGRESS_TYPES carries: inline blocks of a security group, or the
 * rule itself (a SecurityGroupRule of type "ingress", a vpc.SecurityGroupIngressRule).
 */
export function ingressEntries(type: string, props: Props): IngressEntry[] {
  switch (type) {
    case SECURITY_GROUP:
      return inlineEntries(props, "ingress");
    case SECURITY_GROUP_RULE:
      if (props.type !== "ingress") return [];
      return [
        entry(
          "the rule",
          props.protocol,
          props.fromPort,
          props.toPort,
          [props.cidrBlocks, props.ipv6CidrBlocks],
          props.description,
        ),
      ];
    case SECURITY_GROUP_INGRESS_RULE:
      return [
        entry(
          "the rule",
          props.ipProtocol,
          props.fromPort,
          props.toPort,
          [props.cidrIpv4, props.cidrIpv6],
          props.description,
        ),
      ];
    default:
      return [];
  }
}

/** The world-open CIDRs (`0.0.0.0/0`, `::/0`) of an entry. */
export function worldCidrs(e: IngressEntry): string[] {
  return e.cidrs.filter(isWorld);
}

/** Which of `ports` the entry opens. */
export function coveredPorts(e: IngressEntry, ports: number[]): number[] {
  if (!e.ports) return [];
  const { from, to } = e.ports;
  return ports.filter((p) => p >= from && p <= to);
}

/** True when the entry opens every port (protocol all, or a TCP/UDP range 0/1..65535). */
export function opensAllPorts(e: IngressEntry): boolean {
  return e.allProtocols || (e.ports !== undefined && e.ports.from <= 1 && e.ports.to >= 65535);
}
