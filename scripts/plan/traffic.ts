import type { StackConfig } from "../../stacks/config/parse";
import type { PlannedResource } from "./types";

/** What the traffic picture is drawn from: the planned resources, the host's file paths and the validated config. */
export interface TrafficInput {
  stack: string;
  resources: PlannedResource[];
  /** Absolute paths of the files the program places on the host (Nginx is drawn when it has a config there). */
  hostFilePaths: string[];
  config: Pick<StackConfig, "sites" | "dns" | "registry" | "host" | "composition">;
}

/**
 * The chart's first lines. ELK lays nested boxes (VPC > subnets > host) out without the overlaps Mermaid's default
 * layout draws; top to bottom reads as the path a request takes, and several stacks end up side by side.
 */
export const CHART_HEADER = ["---", "config:", "  layout: elk", "---", "flowchart TB"];
const CLASSES = [
  "  classDef external fill:#fff,stroke:#555,stroke-dasharray:4 3",
  "  classDef public fill:#e8f4ff,stroke:#3b82c4",
  "  classDef private fill:#eef8ee,stroke:#3f8f3f",
  "  classDef azure fill:#f3efff,stroke:#6b4fbb",
];

/**
 * A Mermaid flowchart of how traffic reaches the stack and where it goes: users and CI -> DNS -> Elastic IP -> the
 * host's listeners (Nginx, registry, API gateway, SSH) with the port and allowed sources on each edge, taken from
 * the planned security-group rules -> containers; the host -> RDS in the private subnets on the engine's port; the
 * host -> Azure. Subnets are drawn as public / private with their CIDRs. Deterministic: same plan, same text.
 */
export function renderTraffic(input: TrafficInput): string {
  return [...CHART_HEADER, ...trafficBody(input), ...CLASSES].join("\n") + "\n";
}

/**
 * Several stacks' charts (each a whole chart the plan wrote, its stack in one top-level subgraph) as one chart, side
 * by side: the first chart's header, every chart's body, class definitions once.
 */
export function combineCharts(charts: string[]): string {
  const split = (chart: string) => {
    const lines = chart.split("\n").filter((l) => l !== "");
    const start = lines.findIndex((l) => l.startsWith("flowchart ")) + 1;
    return { header: lines.slice(0, start), body: lines.slice(start) };
  };
  const parts = charts.map(split);
  const body = parts.flatMap((p) => p.body);
  const classes = [...new Set(body.filter((l) => l.startsWith("  classDef ")))];
  return (
    [...(parts[0]?.header ?? []), ...body.filter((l) => !l.startsWith("  classDef ")), ...classes].join("\n") + "\n"
  );
}

/** The planned inputs the picture reads (each present only on the resource types that have it). */
interface DrawnInputs {
  vpcSecurityGroupIds?: string[];
  securityGroupId?: string;
  fromPort?: number;
  cidrIpv4?: string;
  cidrIpv6?: string;
  referencedSecurityGroupId?: string;
  sourceSecurityGroupId?: string;
  cidrBlock?: string;
  tags?: Record<string, string>;
  engine?: string;
  port?: number;
  location?: string;
}

function trafficBody({ stack, resources, hostFilePaths, config }: TrafficInput): string[] {
  const id = (s: string) => `${stack}_${s}`.replace(/[^A-Za-z0-9_]/g, "_");
  const ofType = (type: string) => resources.filter((r) => r.type === type);
  const inputs = (r: PlannedResource | undefined) => (r?.inputs ?? {}) as DrawnInputs;
  const lines: string[] = [];
  const edges: string[] = [];
  const edge = (from: string, to: string, label?: string) =>
    edges.push(`    ${id(from)} ${label ? `-->|"${label}"|` : "-->"} ${id(to)}`);

  const instance = ofType("aws:ec2/instance:Instance")[0];
  const hostGroups = new Set<string>(inputs(instance).vpcSecurityGroupIds ?? []);
  const ingress = ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map(inputs);
  const hostRules = ingress.filter((r) => r.securityGroupId !== undefined && hostGroups.has(r.securityGroupId));
  const sources = (port: number) => {
    const cidrs = hostRules
      .filter((r) => r.fromPort === port)
      .map((r) => r.cidrIpv4 ?? r.cidrIpv6)
      .filter(Boolean) as string[];
    const world: string[] = cidrs.filter((c) => c === "0.0.0.0/0" || c === "::/0");
    const rest = cidrs.filter((c) => !world.includes(c));
    return [...(world.length > 0 ? ["anywhere"] : []), ...rest].join(", ");
  };
  const openPorts = [...new Set(hostRules.flatMap((r) => (r.fromPort === undefined ? [] : [r.fromPort])))].sort(
    (a, b) => a - b,
  );

  lines.push(`  subgraph ${id("stack")}["${stack} stack (${config.composition})"]`);
  lines.push(`    ${id("users")}(["Users and CI"]):::external`);

  // DNS: the zone, the host's A record and the site CNAMEs.
  const zone = [...ofType("aws:route53/zone:Zone"), ...ofType("azure-native:dns:Zone")][0];
  const eip = ofType("aws:ec2/eip:Eip")[0];
  if (zone && config.dns.domain) {
    const kind = zone.type.startsWith("aws:") ? "Route53" : "Azure DNS";
    const sites = Object.keys(config.sites).sort();
    lines.push(
      `    ${id("dns")}["${kind} zone ${config.dns.domain}<br/>A ${config.dns.hostRecordName}.${config.dns.domain}` +
        `${sites.length > 0 ? `<br/>CNAME ${sites.join(", ")}` : ""}"]:::external`,
    );
    edge("users", "dns", "name lookup");
  }
  if (eip) {
    lines.push(`    ${id("eip")}["Elastic IP"]:::public`);
    if (zone && config.dns.domain) edge("dns", "eip", "A record");
    else edge("users", "eip", "by IP address (no DNS)");
  }

  // The VPC: the host in the public subnets, the database in the private ones.
  const vpc = ofType("aws:ec2/vpc:Vpc")[0];
  const subnets = ofType("aws:ec2/subnet:Subnet").map(inputs);
  const tier = (t: string) =>
    subnets
      .filter((s) => s.tags?.Tier === t)
      .map((s) => s.cidrBlock as string)
      .sort();
  lines.push(`    subgraph ${id("vpc")}["VPC ${inputs(vpc).cidrBlock ?? ""}"]`);
  lines.push(`      subgraph ${id("public")}["public subnets ${tier("public").join(", ")}"]`);
  lines.push(`        subgraph ${id("host")}["EC2 host"]`);

  const nginx = hostFilePaths.some((p) => p.startsWith("/etc/nginx/"));
  const registryPort = config.registry.port;
  const gatewayPort = config.host.apiGatewayPort;
  // The team's own services run as containers on the host; they are what uses the database and Azure.
  const appPorts = Object.entries(config.sites)
    .filter(([, target]) => target !== "registry")
    .sort(([a], [b]) => a.localeCompare(b));
  if (nginx) {
    const domain = config.dns.domain ?? "<domain>";
    lines.push(`          ${id("nginx")}["Nginx: TLS per site"]`);
    lines.push(`          ${id("registry")}["Docker registry<br/>127.0.0.1:${registryPort}"]`);
    const registrySite = Object.entries(config.sites).find(([, target]) => target === "registry")?.[0];
    if (registrySite) edge("nginx", "registry", `${registrySite}.${domain}`);
    // A site that names an app reaches its current release (a loopback port chosen at each deploy).
    const ports = appPorts
      .map(([site, target]) => (typeof target === "number" ? `:${target} ${site}` : `app ${target} ${site}`))
      .join(", ");
    lines.push(`          ${id("apps")}["app containers${ports ? `<br/>${ports}` : ""}"]`);
    if (appPorts.length > 0) edge("nginx", "apps", appPorts.map(([site]) => `${site}.${domain}`).join(", "));
  } else {
    if (openPorts.includes(registryPort)) {
      lines.push(`          ${id("registry")}["Docker registry<br/>TLS + basic auth :${registryPort}"]`);
    }
    if (openPorts.includes(gatewayPort)) lines.push(`          ${id("gateway")}["API gateway :${gatewayPort}"]`);
    lines.push(`          ${id("apps")}["app containers"]`);
    if (openPorts.includes(gatewayPort)) edge("gateway", "apps");
  }
  lines.push(`          ${id("sshd")}["sshd"]`);
  lines.push("        end");
  lines.push("      end");

  const db = ofType("aws:rds/instance:Instance")[0];
  if (db) {
    lines.push(`      subgraph ${id("private")}["private subnets ${tier("private").join(", ")}"]`);
    lines.push(`        ${id("rds")}[("RDS ${inputs(db).engine ?? ""}")]`);
    lines.push("      end");
  }
  lines.push("    end");

  // Edges into the host, one per open port, labelled with the port and who may use it.
  if (eip) {
    for (const port of openPorts) {
      const from = `from ${sources(port)}`;
      if (nginx && port === 443) edge("eip", "nginx", `HTTPS :443 ${from}`);
      else if (nginx && port === 80) edge("eip", "nginx", `HTTP :80 ${from}, redirected`);
      else if (port === registryPort && !nginx) edge("eip", "registry", `registry :${port} ${from}`);
      else if (port === gatewayPort && !nginx) edge("eip", "gateway", `API :${port} ${from}`);
      else if (port === 22) edge("eip", "sshd", `SSH :22 ${from}`);
    }
  }
  if (db) {
    const port = inputs(db).port;
    const fromHost = ingress.find(
      (r) => r.fromPort === port && (r.referencedSecurityGroupId || r.sourceSecurityGroupId),
    );
    edge(
      "apps",
      "rds",
      `${inputs(db).engine ?? "database"} :${port} in the VPC${fromHost ? ", from the host's group only" : ""}`,
    );
  }

  const storage = ofType("azure-native:storage:StorageAccount")[0];
  const vault = ofType("azure-native:keyvault:Vault")[0];
  if (storage || vault) {
    const group = ofType("azure-native:resources:ResourceGroup")[0];
    lines.push(`    subgraph ${id("azure")}["Azure ${inputs(group).location ?? ""}"]`);
    if (storage) lines.push(`      ${id("storage")}["Blob storage"]:::azure`);
    if (vault) lines.push(`      ${id("vault")}["Key Vault"]:::azure`);
    lines.push("    end");
    edge("apps", vault ? "vault" : "storage", "HTTPS");
  }
  lines.push(...edges);
  lines.push("  end");
  lines.push(`  class ${id("public")} public`);
  if (db) lines.push(`  class ${id("private")} private`);
  return lines;
}
