/** Security-group rules: world-open ports, descriptions, the default security group. */
import { EXCEPTION_TAG, PROD_WEB_ENTRY } from "../exceptions";
import { resourceRule } from "../lib/define";
import {
  coveredPorts,
  DEFAULT_SECURITY_GROUP,
  ingressEntries,
  inlineEntries,
  INGRESS_TYPES,
  type IngressEntry,
  opensAllPorts,
  SECURITY_GROUP,
  SECURITY_GROUP_EGRESS_RULE,
  SECURITY_GROUP_INGRESS_RULE,
  SECURITY_GROUP_RULE,
  worldCidrs,
} from "../lib/ingress";
import { type BreadthLimits, coveredFamilies, DEFAULT_BREADTH, widerThan } from "../lib/cidr";
import { list, type Props, toNumber } from "../lib/values";

/** Admin ports never open to the internet: SSH, RDP, and what the hand-built setup opened (Docker daemon, FTP) plus Telnet. */
export const ADMIN_PORTS: Record<number, string> = {
  21: "FTP",
  22: "SSH",
  23: "Telnet",
  2375: "Docker daemon",
  2376: "Docker daemon TLS",
  3389: "RDP",
};

/** Database and cache ports: reachable only from client security groups. */
export const DATABASE_PORTS: Record<number, string> = {
  1433: "SQL Server",
  1521: "Oracle",
  3306: "MySQL",
  5432: "PostgreSQL",
  6379: "Redis",
  9042: "Cassandra",
  11211: "Memcached",
  27017: "MongoDB",
};

export const WEB_PORTS: Record<number, string> = { 80: "HTTP", 443: "HTTPS" };

const portNumbers = (table: Record<number, string>) => Object.keys(table).map(Number);
const describePorts = (ports: number[], table: Record<number, string>) =>
  ports.map((p) => `${p} (${table[p]})`).join(", ");

/**
 * Policy config of the rules that judge admin and database sources by breadth, not only by `/0`
 * (`--policy-pack-config`: `{ "no-world-open-admin-ports": { "minIpv4PrefixLength": 24 } }`).
 */
export const BREADTH_CONFIG = {
  minIpv4PrefixLength: {
    type: "integer",
    minimum: 0,
    maximum: 32,
    default: DEFAULT_BREADTH.ipv4,
    description: "Smallest IPv4 prefix length a source may have (wider ranges count as the internet). Defaults to 16.",
  },
  minIpv6PrefixLength: {
    type: "integer",
    minimum: 0,
    maximum: 128,
    default: DEFAULT_BREADTH.ipv6,
    description: "Smallest IPv6 prefix length a source may have (wider ranges count as the internet). Defaults to 32.",
  },
} as const;

/** The breadth limits from a rule's config, with the documented defaults. */
export function breadthLimits(config: Record<string, unknown>): BreadthLimits {
  const pick = (key: string, fallback: number, max: number) => {
    const n = toNumber(config[key]);
    return n !== undefined && Number.isInteger(n) && n >= 0 && n <= max ? n : fallback;
  };
  return {
    ipv4: pick("minIpv4PrefixLength", DEFAULT_BREADTH.ipv4, 32),
    ipv6: pick("minIpv6PrefixLength", DEFAULT_BREADTH.ipv6, 128),
  };
}

/**
 * Sources that are too broad for what `opens` picks out of each entry (the listed ports it opens; for the all-ports
 * rule, a marker when it opens every port): each entry's ranges wider than `limits`, then (when no single range was
 * too wide) ranges of the resource that together cover a whole address family, e.g. `0.0.0.0/1` + `128.0.0.0/1`.
 * A plain `/0` is simply the widest range. Ranges at the limit cannot add up to the internet in practice: at /16 that
 * takes 65,536 rules, far above EC2's quota of rules per security group.
 */
function tooBroad(
  type: string,
  props: Props,
  opens: (entry: IngressEntry) => number[],
  limits: BreadthLimits,
): { where: string; sources: string; ports: number[] }[] {
  const opening = ingressEntries(type, props)
    .map((entry) => ({ entry, ports: opens(entry) }))
    .filter((x) => x.ports.length > 0 && x.entry.cidrs.length > 0);
  const found = opening
    .map((x) => ({ where: x.entry.where, sources: widerThan(x.entry.cidrs, limits).join(", "), ports: x.ports }))
    .filter((x) => x.sources !== "");
  if (found.length > 0) return found;
  const families = coveredFamilies(opening.flatMap((x) => x.entry.cidrs));
  if (families.length === 0) return [];
  const all = opening.flatMap((x) => x.entry.cidrs);
  const covered = [...new Set(opening.flatMap((x) => x.ports))].sort((a, b) => a - b);
  return [
    {
      where: opening.length === 1 ? opening[0]!.entry.where : "its rules",
      sources: `${all.join(", ")} (together the whole ${families.map((f) => (f === "ipv4" ? "IPv4" : "IPv6")).join(" and ")} internet)`,
      ports: covered,
    },
  ];
}

const limitText = (l: BreadthLimits) => `wider than /${l.ipv4} (IPv4) or /${l.ipv6} (IPv6)`;

export const noWorldOpenAdminPorts = resourceRule({
  name: "no-world-open-admin-ports",
  description:
    "CKV_AWS_24 / AWS-0107 (22), CKV_AWS_25 (3389): no ingress to an admin port (SSH 22, RDP 3389, Docker daemon " +
    "2375/2376, FTP 21, Telnet 23) from 0.0.0.0/0, ::/0, any range wider than the configured prefix (default /16 " +
    "IPv4, /32 IPv6), or ranges that together cover the internet, in inline ingress, ec2.SecurityGroupRule and " +
    "vpc.SecurityGroupIngressRule.",
  enforcementLevel: "mandatory",
  types: INGRESS_TYPES,
  config: BREADTH_CONFIG,
  check: (r, report) => {
    const limits = breadthLimits(r.config);
    for (const x of tooBroad(r.type, r.props, (e) => coveredPorts(e, portNumbers(ADMIN_PORTS)), limits)) {
      report(
        `${x.where} admits ${x.sources} to admin port ${describePorts(x.ports, ADMIN_PORTS)}: ` +
          `admin ports must never be open to the internet or to ranges ${limitText(limits)}; admit only the ` +
          "configured admin CIDRs (CKV_AWS_24 / AWS-0107, CKV_AWS_25).",
      );
    }
  },
});

export const noWorldOpenAllPorts = resourceRule({
  name: "no-world-open-all-ports",
  description:
    "CKV_AWS_277 / AWS-0107: no ingress to all ports (protocol -1/all or 0-65535) from 0.0.0.0/0, ::/0, any range " +
    "wider than the configured prefix (default /16 IPv4, /32 IPv6), or ranges that together cover the internet, in " +
    "inline ingress, ec2.SecurityGroupRule and vpc.SecurityGroupIngressRule.",
  enforcementLevel: "mandatory",
  types: INGRESS_TYPES,
  config: BREADTH_CONFIG,
  check: (r, report) => {
    const limits = breadthLimits(r.config);
    for (const x of tooBroad(r.type, r.props, (e) => (opensAllPorts(e) ? [0] : []), limits)) {
      report(
        `${x.where} admits ${x.sources} to all ports: open only the ports the stack serves, never to the internet ` +
          `or to ranges ${limitText(limits)} (CKV_AWS_277 / AWS-0107).`,
      );
    }
  },
});

export const noWorldOpenDatabasePorts = resourceRule({
  name: "no-world-open-database-ports",
  description:
    "AWS-0107 and the security bar's database rule: no ingress to a database or cache port (3306, 5432, 1433, " +
    "1521, 27017, 6379, 9042, 11211) from 0.0.0.0/0, ::/0, any range wider than the configured prefix (default /16 " +
    "IPv4, /32 IPv6), or ranges that together cover the internet, in inline ingress, ec2.SecurityGroupRule and " +
    "vpc.SecurityGroupIngressRule.",
  enforcementLevel: "mandatory",
  types: INGRESS_TYPES,
  config: BREADTH_CONFIG,
  check: (r, report) => {
    const limits = breadthLimits(r.config);
    for (const x of tooBroad(r.type, r.props, (e) => coveredPorts(e, portNumbers(DATABASE_PORTS)), limits)) {
      report(
        `${x.where} admits ${x.sources} to database port ${describePorts(x.ports, DATABASE_PORTS)}: ` +
          `databases are reachable only from their clients' security groups, never from the internet or ranges ` +
          `${limitText(limits)} (AWS-0107).`,
      );
    }
  },
});

export const noWorldOpenWebPorts = resourceRule({
  name: "no-world-open-web-ports",
  description:
    "CKV_AWS_260 / AWS-0107: no ingress to 80 or 443 from 0.0.0.0/0, ::/0, any range wider than the configured " +
    "prefix (default /16 IPv4, /32 IPv6), or ranges that together cover the internet, except the named exception " +
    `"${PROD_WEB_ENTRY.name}" (prod stack; only the registry host's ingress rules under its own security group, ` +
    `tagged ${EXCEPTION_TAG} = ${PROD_WEB_ENTRY.name}, each opening one TCP port, 80 or 443; never by name or ` +
    "description; port 80 there serves only the HTTPS redirect and the ACME http-01 challenge files).",
  enforcementLevel: "mandatory",
  types: INGRESS_TYPES,
  config: BREADTH_CONFIG,
  check: (r, report) => {
    const subject = { environment: r.environment, type: r.type, parent: r.parent, props: r.props };
    if (PROD_WEB_ENTRY.applies(subject)) return;
    if (PROD_WEB_ENTRY.claimedBy(subject)) {
      report(
        `The rule is tagged ${EXCEPTION_TAG} = ${PROD_WEB_ENTRY.name} but opens ${describeOpening(r.props)}: the ` +
          `exception covers only TCP port 80 or 443, one port per rule (fromPort = toPort), on the registry host's ` +
          "own web-entry rules in prod (CKV_AWS_260).",
      );
    }
    const limits = breadthLimits(r.config);
    for (const x of tooBroad(r.type, r.props, (e) => coveredPorts(e, portNumbers(WEB_PORTS)), limits)) {
      report(
        `${x.where} admits ${x.sources} to ${describePorts(x.ports, WEB_PORTS)}: web ports open to the internet or ` +
          `to ranges ${limitText(limits)} are allowed only by the exception "${PROD_WEB_ENTRY.name}" (prod stack, ` +
          `the registry host's own web-entry rules, tagged ${EXCEPTION_TAG} = ${PROD_WEB_ENTRY.name}, one TCP port ` +
          "80 or 443 each) (CKV_AWS_260).",
      );
    }
  },
});

/** What a rule resource opens, in words: `tcp 24-1000`, `all protocols`. */
function describeOpening(props: Props): string {
  const protocol = String(props.ipProtocol ?? props.protocol ?? "tcp").toLowerCase();
  if (protocol === "-1" || protocol === "all") return "all protocols and ports";
  const from = props.fromPort;
  const to = props.toPort;
  return from === to ? `${protocol} ${String(from)}` : `${protocol} ${String(from)}-${String(to)}`;
}

/** The description the AWS provider fills in when none is given: it says nothing about the group. */
const PROVIDER_DEFAULT_DESCRIPTIONS = ["managed by pulumi", "managed by terraform"];

export const securityGroupDescription = resourceRule({
  name: "security-group-description",
  description: "CKV_AWS_23 / AWS-0099: every security group has a description of its own (not the provider default).",
  enforcementLevel: "mandatory",
  types: [SECURITY_GROUP],
  check: (r, report) => {
    const description = r.props.description;
    if (description !== undefined && typeof description !== "string") return; // not known yet
    const text = (description ?? "").trim();
    if (text === "" || PROVIDER_DEFAULT_DESCRIPTIONS.includes(text.toLowerCase())) {
      report("Security group has no description of its own: say what it admits and why (CKV_AWS_23 / AWS-0099).");
    }
  },
});

export const securityGroupRuleDescription = resourceRule({
  name: "security-group-rule-description",
  description:
    "CKV_AWS_23 / AWS-0124: every security group rule has a description: inline ingress and egress, " +
    "ec2.SecurityGroupRule, vpc.SecurityGroupIngressRule and vpc.SecurityGroupEgressRule.",
  enforcementLevel: "mandatory",
  types: [SECURITY_GROUP, SECURITY_GROUP_RULE, SECURITY_GROUP_INGRESS_RULE, SECURITY_GROUP_EGRESS_RULE],
  check: (r, report) => {
    if (r.type === SECURITY_GROUP) {
      for (const entry of [...inlineEntries(r.props, "ingress"), ...inlineEntries(r.props, "egress")]) {
        if (!entry.description)
          report(`${entry.where} has no description: say what it admits and why (CKV_AWS_23 / AWS-0124).`);
      }
      return;
    }
    const description = r.props.description;
    if (typeof description !== "string" || description.trim() === "") {
      if (description !== undefined && typeof description !== "string") return; // not known yet
      report("Security group rule has no description: say what it admits and why (CKV_AWS_23 / AWS-0124).");
    }
  },
});

export const defaultSecurityGroupNoRules = resourceRule({
  name: "default-security-group-no-rules",
  description:
    "CKV2_AWS_12 / AWS-0173: the VPC's default security group (ec2.DefaultSecurityGroup) has no ingress and no egress rules.",
  enforcementLevel: "mandatory",
  types: [DEFAULT_SECURITY_GROUP],
  check: (r, report) => {
    const ingress = list(r.props.ingress);
    const egress = list(r.props.egress);
    const counts = [
      ingress && ingress.length > 0 ? `${ingress.length} ingress` : undefined,
      egress && egress.length > 0 ? `${egress.length} egress` : undefined,
    ].filter((x) => x !== undefined);
    if (counts.length > 0) {
      report(
        `The VPC's default security group has ${counts.join(" and ")} rule(s): it must allow nothing, so anything ` +
          "launched without an explicit group is isolated (CKV2_AWS_12 / AWS-0173).",
      );
    }
  },
});

/** Egress entries of a resource, whichever type it was written as. */
function egressEntries(type: string, props: Props): IngressEntry[] {
  if (type === SECURITY_GROUP) return inlineEntries(props, "egress");
  if (type === SECURITY_GROUP_RULE && props.type === "egress") {
    return ingressEntries(SECURITY_GROUP_RULE, { ...props, type: "ingress" });
  }
  if (type === SECURITY_GROUP_EGRESS_RULE) return ingressEntries(SECURITY_GROUP_INGRESS_RULE, props);
  return [];
}

export const noWorldOpenEgressAllPorts = resourceRule({
  name: "no-world-open-egress-all-ports",
  description:
    "CKV_AWS_382 / AWS-0104 (advisory): no egress to 0.0.0.0/0 or ::/0 on all ports, in inline egress, " +
    "ec2.SecurityGroupRule and vpc.SecurityGroupEgressRule. Advisory: the registry host reaches OS mirrors, " +
    "container registries and the team's external APIs, which a port list would break (docs/policy.md).",
  enforcementLevel: "advisory",
  types: [SECURITY_GROUP, SECURITY_GROUP_RULE, SECURITY_GROUP_EGRESS_RULE],
  check: (r, report) => {
    for (const entry of egressEntries(r.type, r.props)) {
      const world = worldCidrs(entry);
      if (world.length === 0 || !opensAllPorts(entry)) continue;
      report(
        `${entry.where} lets the group reach ${world.join(", ")} on all ports: a ` +
          "compromised host can talk to anything; narrow it where the workload allows (CKV_AWS_382 / AWS-0104).",
      );
    }
  },
});

export const networkRules = [
  noWorldOpenAdminPorts,
  noWorldOpenAllPorts,
  noWorldOpenDatabasePorts,
  noWorldOpenWebPorts,
  noWorldOpenEgressAllPorts,
  securityGroupDescription,
  securityGroupRuleDescription,
  defaultSecurityGroupNoRules,
];
