import type { Composition } from "../defaults";
import { type ConfigProblem, rmCommand, setCommand } from "../errors";
import type { SecretKey, SectionsConfig } from "../schema";

/** Ports this program never opens to anyone (the hand-built setup opened 21 and 2376 to the world), nor uses for a service. */
export const NEVER_OPENED_PORTS: Record<number, string> = {
  21: "FTP",
  22: "SSH (opened only to host.sshAllowedCidrs)",
  23: "Telnet",
  2375: "Docker daemon",
  2376: "Docker daemon TLS",
  3389: "RDP",
};

/**
 * Rules spanning host, registry and TLS settings. Each problem names the key and the command that fixes it.
 *
 * Not a problem (on purpose): an empty dev `host.registryAllowedCidrs` or `host.apiGatewayAllowedCidrs`. The port is
 * then not opened at all; the registry is still reachable through an SSH tunnel (`ssh -L 5000:127.0.0.1:5000 ...`).
 *
 * World-open SSH in `host.sshAllowedCidrs` is left to the policy pack (`no-world-open-admin-ports`, mandatory), which
 * names the rule and fails the plan/preview; one enforcement point, one message.
 */
export function hostChecks(
  config: SectionsConfig,
  composition: Composition,
  _secretsSet: Record<SecretKey, boolean>,
): ConfigProblem[] {
  const prod = composition === "prod";
  return [
    ...publishedPortChecks(config, prod),
    ...(prod ? prodEntryChecks(config) : []),
    ...siteAccessChecks(config, prod),
    ...tlsHostChecks(config, prod),
    ...hostKeyChecks(config, prod),
    ...amiChecks(config),
  ];
}

/** Dev publishes the registry and API gateway ports; prod binds the registry to loopback, where 80/443 belong to Nginx. */
function publishedPortChecks({ host, registry }: SectionsConfig, prod: boolean): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const published: { key: string; port: number }[] = prod
    ? [{ key: "registry.port", port: registry.port }]
    : [
        { key: "registry.port", port: registry.port },
        { key: "host.apiGatewayPort", port: host.apiGatewayPort },
      ];
  for (const { key, port } of published) {
    const reserved = NEVER_OPENED_PORTS[port] ?? (prod && (port === 80 || port === 443) ? "Nginx" : undefined);
    if (reserved) {
      problems.push({
        key,
        message: `is ${port}, which belongs to ${reserved}; choose another port.`,
        fix: setCommand(key, key === "registry.port" ? "5000" : "8000"),
      });
    }
  }
  if (!prod && registry.port === host.apiGatewayPort) {
    problems.push({
      key: "host.apiGatewayPort",
      message: `is ${host.apiGatewayPort}, the same port as registry.port; they must differ.`,
      fix: setCommand("host.apiGatewayPort", "8000"),
    });
  }
  return problems;
}

/** Prod: only Nginx (80/443) and SSH are reachable; every site is a name under dns.domain on a free port. */
function prodEntryChecks({ host, registry, tls, dns, sites }: SectionsConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const key of ["registryAllowedCidrs", "apiGatewayAllowedCidrs"] as const) {
    if ((host[key] ?? []).length > 0) {
      problems.push({
        key: `host.${key}`,
        message: "is a dev-only setting: in prod only Nginx (80/443) and SSH are reachable.",
        fix: rmCommand(`host.${key}`),
      });
    }
  }
  if (!dns.domain) {
    problems.push({
      key: "dns.domain",
      message: "is required in prod: Nginx serves each site as <site>.<domain>.",
      fix: setCommand("dns.domain", "example.com"),
    });
  }
  // parse.ts already reports a missing registry site when tls.mode is provided; this covers the other mode.
  if (tls.mode !== "provided" && !Object.values(sites).includes("registry")) {
    problems.push({
      key: "sites",
      message:
        "has no site for the registry (e.g. docker: registry): in prod the registry is reached only through Nginx.",
      fix: setCommand("sites.docker", "registry"),
    });
  }
  for (const [site, upstream] of Object.entries(sites)) {
    if (typeof upstream !== "number") continue;
    if (upstream === registry.port || upstream === 80 || upstream === 443 || NEVER_OPENED_PORTS[upstream]) {
      problems.push({
        key: `sites.${site}`,
        message: `proxies to port ${upstream}, which is taken by the registry, Nginx or an admin service.`,
        fix: setCommand(`sites.${site}`, "8080"),
      });
    }
  }
  return problems;
}

/** Per-site source allow lists are Nginx's (prod), and each names a site. */
function siteAccessChecks({ host, sites }: SectionsConfig, prod: boolean): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const site of Object.keys(host.siteAllowedCidrs)) {
    if (!prod) {
      problems.push({
        key: `host.siteAllowedCidrs.${site}`,
        message: "is a prod setting: dev runs no Nginx (limit dev ports with the security group allow lists).",
        fix: `pulumi config rm --path 'host.siteAllowedCidrs.${site}'`,
      });
    } else if (!(site in sites)) {
      problems.push({
        key: `host.siteAllowedCidrs.${site}`,
        message: `names no site (sites are ${Object.keys(sites).join(", ")}).`,
        fix: `pulumi config rm --path 'host.siteAllowedCidrs.${site}'`,
      });
    }
  }
  return problems;
}

/** TLS settings that depend on how the host is reached. */
function tlsHostChecks({ tls, dns, sites }: SectionsConfig, prod: boolean): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  // A bought certificate has no IP SAN: dev clients must reach the registry by name, <site>.<domain>:<port>.
  if (!prod && tls.mode === "provided" && (!dns.domain || !Object.values(sites).includes("registry"))) {
    problems.push({
      key: "tls.mode",
      message:
        "is provided in a dev stack: the registry is then reached as <site>.<domain>:<port>, which needs dns.domain and a registry site.",
      fix: setCommand("tls.mode", "self-signed"),
    });
  }
  if (tls.mode === "self-signed" && tls.certificateValidityDays > tls.caValidityDays) {
    problems.push({
      key: "tls.certificateValidityDays",
      message: `(${tls.certificateValidityDays}) outlives tls.caValidityDays (${tls.caValidityDays}): the CA must outlive the certificates it signs.`,
      fix: setCommand("tls.certificateValidityDays", "397"),
    });
  }
  return problems;
}

/**
 * Prod never provisions over an unverified SSH connection. The deployer pin applies only to the key the program makes
 * for a generated host key: set beside your own key or without a generated host key, it would be silently ignored.
 */
function hostKeyChecks({ host }: SectionsConfig, prod: boolean): ConfigProblem[] {
  const keyMade = !host.sshHostKey && host.generateSshHostKey && !host.sshHostKeyKmsKeyArn;
  const unusedDeployer: ConfigProblem[] =
    host.sshHostKeyDeployerArn && !keyMade
      ? [
          {
            key: "host.sshHostKeyDeployerArn",
            message: host.sshHostKeyKmsKeyArn
              ? "has no effect with host.sshHostKeyKmsKeyArn: no KMS key is made, your key's own policy decides."
              : "has no effect: no host key is generated (host.sshHostKey is set or host.generateSshHostKey is " +
                "false), so no KMS key is made.",
            fix: rmCommand("host.sshHostKeyDeployerArn"),
          },
        ]
      : [];
  if (!prod || host.sshHostKey || host.generateSshHostKey) return unusedDeployer;
  return [
    ...unusedDeployer,
    {
      key: "host.generateSshHostKey",
      message:
        "is false and host.sshHostKey is unset: the first provisioning connection, which carries the TLS key and " +
        "registry passwords, would trust whatever host answers. Prod needs a pinned host key.",
      fix: setCommand("host.generateSshHostKey", "true"),
    },
  ];
}

/** The looked-up AMI's architecture must match the instance type's. */
function amiChecks({ host }: SectionsConfig): ConfigProblem[] {
  const arch = amiArchitectureMismatch(host.instanceType, host.amiNamePattern);
  if (host.amiId || !arch) return [];
  return [
    {
      key: "host.amiNamePattern",
      message: `looks for ${arch.image} images but host.instanceType ${host.instanceType} is ${arch.instance}.`,
      fix: setCommand("host.amiNamePattern", `ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-${arch.instance}-server-*`),
    },
  ];
}

/** Graviton families carry a `g` among the attributes after the generation digit (m7g, t4g, c7gn; not g4dn). */
function instanceArchitecture(instanceType: string): "arm64" | "amd64" {
  const family = instanceType.split(".")[0] ?? "";
  const attributes = family.replace(/^[a-z]+\d+/, "");
  return attributes.includes("g") ? "arm64" : "amd64";
}

function amiArchitectureMismatch(
  instanceType: string,
  pattern: string,
): { image: string; instance: string } | undefined {
  const image = /arm64/.test(pattern) ? "arm64" : /amd64/.test(pattern) ? "amd64" : undefined;
  const instance = instanceArchitecture(instanceType);
  return image && image !== instance ? { image, instance } : undefined;
}
