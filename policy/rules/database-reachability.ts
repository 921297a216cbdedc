/**
 * How the database may be reached (the hand-built setup's lesson). The hand-built setup's engineer opened the RDS
 * security group to the EC2 host's *public* IP and the connection still failed: the host reaches RDS at its private
 * address inside the VPC, so its packets carry its private source address and the rule never matches, while the
 * rule itself admits that public address from the internet. The fix is to admit the host's security group.
 */
import type { StackItem, StackSubject } from "../lib/define";
import { isInsidePrivateRanges, isSingleAddress, parseIpv4Cidr, RFC1918 } from "../lib/cidr";
import { stackRule } from "../lib/define";
import {
  ingressEntries,
  type IngressEntry,
  inlineEntries,
  SECURITY_GROUP,
  SECURITY_GROUP_INGRESS_RULE,
  SECURITY_GROUP_RULE,
} from "../lib/ingress";
import { referenced } from "../lib/relations";
import { knownStrings } from "../lib/values";
import { EIP, INSTANCE } from "./host";
import { RDS_INSTANCE } from "./rds";
import { VPC } from "./vpc";

/** One CIDR-bearing ingress entry on a security group attached to an RDS instance. */
interface DatabaseIngress {
  db: StackItem;
  group: StackItem;
  /** The rule resource, or the group itself for inline ingress. */
  carrier: StackItem;
  /** `ingress[0]` or `rule <name>`. */
  where: string;
  entry: IngressEntry;
}

function databaseIngress(s: StackSubject): { missingGroups: StackItem[]; ingress: DatabaseIngress[] } {
  const groups = s.ofType(SECURITY_GROUP);
  const ruleResources = s.ofType(SECURITY_GROUP_RULE, SECURITY_GROUP_INGRESS_RULE);
  const missingGroups: StackItem[] = [];
  const ingress: DatabaseIngress[] = [];
  for (const db of s.ofType(RDS_INSTANCE)) {
    const attached = referenced(db, "vpcSecurityGroupIds", groups);
    if (attached.length === 0 && knownStrings(db.props.vpcSecurityGroupIds).length === 0) missingGroups.push(db);
    for (const group of attached) {
      for (const entry of inlineEntries(group.props, "ingress")) {
        ingress.push({ db, group, carrier: group, where: entry.where, entry });
      }
      for (const rule of ruleResources) {
        if (referenced(rule, "securityGroupId", [group]).length === 0) continue;
        for (const entry of ingressEntries(rule.type, rule.props)) {
          ingress.push({ db, group, carrier: rule, where: `rule ${rule.name}`, entry });
        }
      }
    }
  }
  return { missingGroups, ingress: ingress.filter((i) => i.entry.cidrs.length > 0 || i.entry.unknownCidr) };
}

export const databaseIngressOnlyFromSecurityGroups = stackRule({
  name: "database-ingress-only-from-security-groups",
  description:
    "Security bar, database ports (with AWS-0107): the security groups of an RDS instance admit no CIDR at all, " +
    "only their clients' security groups (referencedSecurityGroupId / sourceSecurityGroupId); an RDS instance names " +
    "its security groups instead of falling back to the VPC default group.",
  enforcementLevel: "mandatory",
  check: (s, report) => {
    const { missingGroups, ingress } = databaseIngress(s);
    for (const db of missingGroups) {
      report(
        `RDS instance ${db.name} has no security group of this stack (vpcSecurityGroupIds): give it its own group that ` +
          "admits only its clients' security groups.",
        db.urn,
      );
    }
    for (const i of ingress) {
      const sources = [...i.entry.cidrs, ...(i.entry.unknownCidr ? ["a CIDR computed at deploy time"] : [])];
      report(
        `Security group ${i.group.name} of RDS instance ${i.db.name}: ${i.where} admits ${sources.join(", ")}: a ` +
          "database is reachable only from its clients' security groups (referencedSecurityGroupId / " +
          "sourceSecurityGroupId), never from a CIDR.",
        i.carrier.urn,
      );
    }
  },
});

const SEED_LESSON =
  "This is the hand-built setup's mistake: the database was opened to the host's public IP, but the host reaches RDS over the " +
  "VPC's private path, where its packets carry its private address, so a rule for its public address never matches " +
  "(only traffic sent out through the internet gateway carries that address, and it never reaches a private " +
  "database); the rule only opens the database to the internet. Admit the host's security group instead.";

/** The VPC's CIDR blocks for a security group (its VPC, or the stack's only VPC); empty when not known. */
function vpcCidrsOf(s: StackSubject, group: StackItem): string[] {
  const vpcs = s.ofType(VPC);
  let own = referenced(group, "vpcId", vpcs);
  if (own.length === 0 && vpcs.length === 1) own = vpcs;
  return own.flatMap((v) => knownStrings(v.props.cidrBlock)).filter((c) => parseIpv4Cidr(c) !== undefined);
}

export const databaseNoPublicHostAddress = stackRule({
  name: "database-no-public-host-address",
  description:
    "The hand-built setup's lesson (with AWS-0107): a security group attached to an RDS instance never admits a public " +
    "address of the host: no ingress CIDR outside the VPC's private CIDR, none equal to an Elastic IP's public " +
    "address, none computed from an Elastic IP or instance address.",
  enforcementLevel: "mandatory",
  check: (s, report) => {
    const eips = s.ofType(EIP);
    const addressSources = s.ofType(EIP, INSTANCE);
    for (const i of databaseIngress(s).ingress) {
      const prefix = `Security group ${i.group.name} of RDS instance ${i.db.name}: ${i.where} admits`;
      const vpcCidrs = vpcCidrsOf(s, i.group);
      const ranges = vpcCidrs.length > 0 ? vpcCidrs.map((c) => parseIpv4Cidr(c)!) : RFC1918;
      for (const cidr of i.entry.cidrs) {
        const eip = eips.find((e) => knownStrings(e.props.publicIp).some((ip) => isSingleAddress(cidr, ip)));
        if (eip) {
          report(`${prefix} ${cidr}, the public address of Elastic IP ${eip.name}. ${SEED_LESSON}`, i.carrier.urn);
        } else if (!isInsidePrivateRanges(cidr, ranges)) {
          const where =
            vpcCidrs.length > 0 ? `the VPC's private range ${vpcCidrs.join(", ")}` : "the private ranges (RFC 1918)";
          report(`${prefix} ${cidr}, which is outside ${where}. ${SEED_LESSON}`, i.carrier.urn);
        }
      }
      if (i.entry.unknownCidr) {
        const source = addressSources.find((a) => i.carrier.dependencies.includes(a.urn));
        if (source) {
          report(
            `${prefix} a CIDR computed from the address of ${source.name} (${source.type}). ${SEED_LESSON}`,
            i.carrier.urn,
          );
        }
      }
    }
  },
});

export const databaseRules = [databaseIngressOnlyFromSecurityGroups, databaseNoPublicHostAddress];
