/** The host's security-group rules, decided here (pure) and only wired by the component. */
import { EXCEPTION_TAG, PROD_WEB_ENTRY } from "../../policy/exceptions";

/** What the host admits. Everything not listed is closed. */
export interface FirewallArgs {
  /** Admin CIDR blocks (IPv4 or IPv6) allowed to reach SSH (22). At least one: provisioning runs over SSH. */
  sshCidrs: string[];
  /** Dev: the registry port, reachable directly (TLS + basic auth) from these blocks. Undefined: not opened. */
  registry?: { port: number; cidrs: string[] };
  /** Dev: the API gateway port, reachable from these blocks. Undefined: not opened. */
  apiGateway?: { port: number; cidrs: string[] };
  /**
   * Prod: HTTP (80, redirect only) and HTTPS (443) from 0.0.0.0/0 and ::/0, the named security-bar exception
   * `prod-web-entry` (rule names contain `web-entry`, descriptions start with `prod web entry:`). Defaults to false.
   */
  webEntry?: boolean;
}

export interface PlannedIngressRule {
  /** Stable, readable suffix of the resource name, e.g. `ssh-203-0-113-10-32` or `web-entry-https-ipv6`. */
  key: string;
  port: number;
  /** Exactly one of these is set. */
  cidrIpv4?: string;
  cidrIpv6?: string;
  description: string;
  /** Set on the prod web-entry rules only: the tags that mark them for the policy pack's `prod-web-entry` exception. */
  exceptionTags?: Record<string, string>;
}

export interface PlannedEgressRule {
  key: string;
  cidrIpv4?: string;
  cidrIpv6?: string;
  description: string;
}

/** Ports this host never opens to anyone: the hand-built setup's world-open Docker daemon and FTP, and their relatives. */
export const FORBIDDEN_PORTS: Record<number, string> = {
  21: "FTP",
  23: "Telnet",
  2375: "Docker daemon",
  2376: "Docker daemon TLS",
  3389: "RDP",
};

export const SSH_PORT = 22;
export const WEB_ENTRY_PREFIX = "prod web entry:";
const WORLD_IPV4 = "0.0.0.0/0";
const WORLD_IPV6 = "::/0";

/**
 * The ingress rules of the host, one per (port, CIDR). Throws on a forbidden port. World-open SSH is not refused here:
 * the policy pack's mandatory `no-world-open-admin-ports` rule reports it by name and stops the deployment.
 */
export function planIngressRules(args: FirewallArgs): PlannedIngressRule[] {
  if (args.sshCidrs.length === 0) {
    throw new Error("the host needs at least one SSH CIDR block (host.sshAllowedCidrs): provisioning runs over SSH");
  }
  const rules: PlannedIngressRule[] = [];
  const services: { name: string; port: number; cidrs: string[]; what: string }[] = [
    { name: "ssh", port: SSH_PORT, cidrs: args.sshCidrs, what: "SSH for admins and provisioning" },
  ];
  if (args.registry) {
    services.push({
      name: "registry",
      port: args.registry.port,
      cidrs: args.registry.cidrs,
      what: "Docker registry (TLS + basic auth)",
    });
  }
  if (args.apiGateway) {
    services.push({
      name: "api-gateway",
      port: args.apiGateway.port,
      cidrs: args.apiGateway.cidrs,
      what: "API gateway",
    });
  }

  const seenPorts = new Map<number, string>();
  for (const service of services) {
    const forbidden = FORBIDDEN_PORTS[service.port];
    if (forbidden) throw new Error(`${service.name} port ${service.port} is ${forbidden}, which is never opened`);
    if (service.name !== "ssh" && service.port === SSH_PORT) {
      throw new Error(`${service.name} port 22 is SSH, which is opened only to the admin CIDR blocks`);
    }
    const other = seenPorts.get(service.port);
    if (other) throw new Error(`${service.name} and ${other} both use port ${service.port}`);
    seenPorts.set(service.port, service.name);

    for (const cidr of unique(service.cidrs)) {
      rules.push({
        key: `${service.name}-${slug(cidr)}`,
        port: service.port,
        ...cidrField(cidr),
        description: `${service.what} (${service.port}/tcp) from ${cidr}`,
      });
    }
  }

  if (args.webEntry) {
    for (const [protocol, port, why] of [
      ["http", 80, "HTTP from anywhere, answered only with a redirect to HTTPS and ACME http-01 tokens by Nginx"],
      ["https", 443, "HTTPS from anywhere, TLS terminated by Nginx per site"],
    ] as const) {
      for (const [family, cidr] of [
        ["ipv4", WORLD_IPV4],
        ["ipv6", WORLD_IPV6],
      ] as const) {
        rules.push({
          key: `web-entry-${protocol}-${family}`,
          port,
          ...cidrField(cidr),
          description: `${WEB_ENTRY_PREFIX} ${why} (${port}/tcp from ${cidr})`,
          exceptionTags: { [EXCEPTION_TAG]: PROD_WEB_ENTRY.name },
        });
      }
    }
  }
  return rules;
}

/**
 * Egress: all outbound traffic. The host pulls OS packages (apt over HTTP and HTTPS), container images (Docker Hub
 * and other registries), reaches the database over the VPC and whatever external APIs the team's apps call; a
 * port list narrower than "all" would break those apps one by one without making the host meaningfully safer
 * (inbound is what the security bar restricts).
 */
export function planEgressRules(): PlannedEgressRule[] {
  return [
    {
      key: "egress-all-ipv4",
      cidrIpv4: WORLD_IPV4,
      description: "All outbound IPv4: OS packages, container images, the database over the VPC, external APIs",
    },
    {
      key: "egress-all-ipv6",
      cidrIpv6: WORLD_IPV6,
      description: "All outbound IPv6: OS packages, container images, external APIs",
    },
  ];
}

function cidrField(cidr: string): { cidrIpv4: string } | { cidrIpv6: string } {
  return cidr.includes(":") ? { cidrIpv6: cidr } : { cidrIpv4: cidr };
}

/** `203.0.113.10/32` -> `203-0-113-10-32`; `2001:db8::/32` -> `2001-db8--32`. */
function slug(cidr: string): string {
  return cidr.toLowerCase().replace(/[^0-9a-z]/g, "-");
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
