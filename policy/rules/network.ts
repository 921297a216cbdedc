/** Security-group rules: world-open ports, descriptions, the default security group. */
import { PROD_WEB_ENTRY } from "../exceptions";
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
import { list, type Props } from "../lib/values";

/** Admin ports never open to the internet: SSH, RDP, and what the seed opened (Docker daemon, FTP) plus Telnet. */
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

/** World-open entries of a resource that open any of `ports`, with the ports they open. */
function worldOpen(
  type: string,
  props: Props,
  ports: number[],
): { entry: IngressEntry; world: string[]; ports: number[] }[] {
  return ingressEntries(type, props)
    .map((entry) => ({ entry, world: worldCidrs(entry), ports: coveredPorts(entry, ports) }))
    .filter((x) => x.world.length > 0 && x.ports.length > 0);
}

export const noWorldOpenAdminPorts = resourceRule({
  name: "no-world-open-admin-ports",
  description:
    "CKV_AWS_24 / AWS-0107 (22), CKV_AWS_25 (3389): no ingress from 0.0.0.0/0 or ::/0 to an admin port " +
    "(SSH 22, RDP 3389, Docker daemon 2375/2376, FTP 21, Telnet 23), in inline ingress, ec2.SecurityGroupRule " +
    "and vpc.SecurityGroupIngressRule.",
  enforcementLevel: "mandatory",
  types: INGRESS_TYPES,
  check: (r, report) => {
    for (const x of worldOpen(r.type, r.props, portNumbers(ADMIN_PORTS))) {
      report(
        `${x.entry.where} admits ${x.world.join(", ")} to admin port ${describePorts(x.ports, ADMIN_PORTS)}: ` +
          "admin ports must never be open to the internet; admit only the configured admin CIDRs (CKV_AWS_24 / AWS-0107, CKV_AWS_25).",
      );
    }
  },
});

export const noWorldOpenAllPorts = resourceRule({
  name: "no-world-open-all-ports",
  description:
    "CKV_AWS_277 / AWS-0107: no ingress from 0.0.0.0/0 or ::/0 to all ports (protocol -1/all or 0-65535), in inline " +
    "ingress, ec2.SecurityGroupRule and vpc.SecurityGroupIngressRule.",
  enforcementLevel: "mandatory",
  types: INGRESS_TYPES,
  check: (r, report) => {
    for (const entry of ingressEntries(r.type, r.props)) {
      const world = worldCidrs(entry);
      if (world.length === 0 || !opensAllPorts(entry)) continue;
      report(
        `${entry.where} admits ${world.join(", ")} to all ports: open only the ports the stack serves (CKV_AWS_277 / AWS-0107).`,
      );
    }
  },
});

export const noWorldOpenDatabasePorts = resourceRule({
  name: "no-world-open-database-ports",
  description:
    "AWS-0107 and the security bar's database rule: no ingress from 0.0.0.0/0 or ::/0 to a database or cache port " +
    "(3306, 5432, 1433, 1521, 27017, 6379, 9042, 11211), in inline ingress, ec2.SecurityGroupRule and " +
    "vpc.SecurityGroupIngressRule.",
  enforcementLevel: "mandatory",
  types: INGRESS_TYPES,
  check: (r, report) => {
    for (const x of worldOpen(r.type, r.props, portNumbers(DATABASE_PORTS))) {
      report(
        `${x.entry.where} admits ${x.world.join(", ")} to database port ${describePorts(x.ports, DATABASE_PORTS)}: ` +
          "databases are reachable only from their clients' security groups, never from the internet (AWS-0107).",
      );
    }
  },
});

export const noWorldOpenWebPorts = resourceRule({
  name: "no-world-open-web-ports",
  description:
    "CKV_AWS_260 / AWS-0107: no ingress from 0.0.0.0/0 or ::/0 to 80 or 443, except the named exception " +
    `"${PROD_WEB_ENTRY.name}" (prod stack, security group or rule marked as the web entry by name or description; ` +
    "port 80 there serves only the HTTPS redirect and the ACME http-01 challenge files).",
  enforcementLevel: "mandatory",
  types: INGRESS_TYPES,
  check: (r, report) => {
    const groupDescription = r.type === SECURITY_GROUP ? (r.props.description as string | undefined) : undefined;
    for (const x of worldOpen(r.type, r.props, portNumbers(WEB_PORTS))) {
      const texts = [r.name, x.entry.description, groupDescription];
      if (PROD_WEB_ENTRY.applies({ environment: r.environment, texts })) continue;
      report(
        `${x.entry.where} admits ${x.world.join(", ")} to ${describePorts(x.ports, WEB_PORTS)}: world-open web ports ` +
          `are allowed only by the exception "${PROD_WEB_ENTRY.name}" (prod stack, security group or rule named or ` +
          'described as the "web entry") (CKV_AWS_260).',
      );
    }
  },
});

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

export const networkRules = [
  noWorldOpenAdminPorts,
  noWorldOpenAllPorts,
  noWorldOpenDatabasePorts,
  noWorldOpenWebPorts,
  securityGroupDescription,
  securityGroupRuleDescription,
  defaultSecurityGroupNoRules,
];
