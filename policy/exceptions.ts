/**
 * Named exceptions to the security bar. A rule that does not fit a stack gets a written, named exception here,
 * never silence: each one says which rule it relaxes, exactly where it applies, and why. docs/policy.md lists them.
 */
import type { Environment } from "./lib/environment";
import { toNumber } from "./lib/values";

export interface NamedException {
  /** Stable name, quoted in violation messages and docs. */
  name: string;
  /** The policy it relaxes. */
  policy: string;
  /** Where it applies, in words. */
  scope: string;
  /** Why the relaxation is right for this stack. */
  reason: string;
}

/**
 * How the program marks the prod web entry: the `RegistryHost` component tags exactly its world-open 80/443 ingress
 * rules with this tag and value (components/registryHost/firewall.ts), and creates them as children of its own
 * security group. The exception needs both: the tag alone could be copied onto any resource.
 */
export const EXCEPTION_TAG = "startup-infra:exception";
/** The type chain the marked rules' parent (the host's security group) has in its URN. */
export const WEB_ENTRY_PARENT_TYPE = "startup:aws:RegistryHost$aws:ec2/securityGroup:SecurityGroup";
/** The one resource type the host writes its web-entry rules as. */
export const WEB_ENTRY_RULE_TYPE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";

/** The only ports the prod web entry opens to the world, one per rule. */
const WEB_ENTRY_PORTS = [80, 443] as const;

/** What an exception judges: the stack's environment, the resource's type, parent URN and inputs. */
export interface ExceptionSubject {
  environment: Environment;
  type: string;
  parent?: string;
  props: Record<string, unknown>;
}

/** The qualified type of a URN (`urn:pulumi:<stack>::<project>::<qualified type>::<name>`). */
function qualifiedTypeOf(urn: string | undefined): string | undefined {
  const parts = (urn ?? "").split("::");
  return parts.length >= 4 ? parts[2] : undefined;
}

/**
 * CKV_AWS_260: HTTP (80) and HTTPS (443) open to the world are expected on the prod Nginx host, which is the stack's
 * public web entry: 80 only answers with a redirect to HTTPS and, with ACME http-01, the CA's challenge tokens (static
 * files under /.well-known/acme-challenge/, the rendered sites are tested for exactly that); 443 terminates TLS.
 */
export const PROD_WEB_ENTRY = {
  name: "prod-web-entry",
  policy: "no-world-open-web-ports",
  ports: WEB_ENTRY_PORTS,
  scope:
    "TCP port 80 or 443 from 0.0.0.0/0 or ::/0, one port per rule, in the prod stack only, on a vpc.SecurityGroupIngressRule that the " +
    `registry host component created under its own security group (parent type ${WEB_ENTRY_PARENT_TYPE}) and ` +
    `tagged ${EXCEPTION_TAG} = prod-web-entry; names and descriptions do not count`,
  reason:
    "the prod Nginx host is the public web entry: port 80 only redirects to HTTPS and serves the ACME http-01 " +
    "challenge files (/.well-known/acme-challenge/), port 443 terminates TLS for the site and registry subdomains; " +
    "the registry itself listens on loopback behind it",
  /**
   * True when the subject is the registry host's marked web-entry rule in prod (place and tag), whatever it opens:
   * the rule then reports a marked rule whose ports do not fit instead of letting the tag pass it.
   */
  claimedBy(subject: ExceptionSubject): boolean {
    if (subject.environment !== "prod" || subject.type !== WEB_ENTRY_RULE_TYPE) return false;
    const parentType = qualifiedTypeOf(subject.parent);
    // The real engine keeps the whole chain of parent types in a URN; the mock engine only the parent's own.
    const underHostGroup =
      parentType !== undefined &&
      (parentType === WEB_ENTRY_PARENT_TYPE || parentType.endsWith(`$${WEB_ENTRY_PARENT_TYPE}`));
    const tags = subject.props.tags;
    const tagged =
      typeof tags === "object" &&
      tags !== null &&
      (tags as Record<string, unknown>)[EXCEPTION_TAG] === "prod-web-entry";
    return underHostGroup && tagged;
  },
  /**
   * True when the exception covers this subject: the marked rule opens exactly one TCP port, 80 or 443
   * (`ipProtocol` tcp or 6, `fromPort` = `toPort`). A marked rule opening a range (tcp 24-1000), another protocol
   * or another port is not covered, so the tag cannot carry a wider opening past the rule.
   */
  applies(subject: ExceptionSubject): boolean {
    if (!PROD_WEB_ENTRY.claimedBy(subject)) return false;
    const protocol = String(subject.props.ipProtocol ?? "").toLowerCase();
    const from = toNumber(subject.props.fromPort);
    return (
      (protocol === "tcp" || protocol === "6") &&
      from !== undefined &&
      from === toNumber(subject.props.toPort) &&
      (WEB_ENTRY_PORTS as readonly number[]).includes(from)
    );
  },
} as const satisfies NamedException & Record<string, unknown>;

/**
 * CKV_AWS_88: an instance with a public address. Both stacks have exactly one entry host (dev: the registry and API
 * gateway host; prod: the Nginx host), reachable on an Elastic IP that DNS points at.
 */
export const SINGLE_ENTRY_HOST = {
  name: "single-entry-host",
  policy: "ec2-public-ip-only-on-entry-host",
  scope:
    "one EC2 instance per stack (the entry host) may have a public address (associatePublicIpAddress or an Elastic IP)",
  reason:
    "the hand-built setup's system is one host that clients reach directly (registry, API gateway, Nginx); every other " +
    "instance must stay private and be reached through it",
} as const satisfies NamedException;

/** Every named exception, for docs and reports. */
export const EXCEPTIONS: NamedException[] = [PROD_WEB_ENTRY, SINGLE_ENTRY_HOST];
