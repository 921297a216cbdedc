import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { HostFile } from "../components/hostFile";
import { snapshotTargetTags } from "../components/monitoring/snapshots";
import type { Network } from "../components/network/network";
import type { FirewallArgs } from "../components/registryHost/firewall";
import { type HostKeySource, RegistryHost, type RegistryHostTls } from "../components/registryHost/registryHost";
import { renderProvisionPlan } from "../components/registryHost/render";
import { warnOnce } from "../components/warnings";
import type { StackSecrets } from "./config/load";
import type { StackConfig } from "./config/parse";
import { PROJECT } from "./config/schema";
import { openSshKeyLine } from "./config/sections/common";
import { acmeDirectoryUrl } from "./config/sections/tls";
import type { HostShape } from "./types";

/** What the composition needs from the host. */
export interface HostResult {
  securityGroupId: pulumi.Output<string>;
  instanceId: pulumi.Output<string>;
  /** The instance role: monitoring (CloudWatch agent) and ACME dns-01 (Route53) attach their policies to it. */
  instanceRoleName: pulumi.Output<string>;
  publicIp: pulumi.Output<string>;
  /** The component itself: the apps deploy over its SSH connection after its last provisioning step. */
  component: RegistryHost;
  /** Registry passwords (secret), user -> password, for Key Vault. */
  registryPasswords: pulumi.Output<Record<string, string>>;
  hostFiles: pulumi.Output<HostFile[]>;
  /**
   * Stack outputs (docs/outputs.md, docs/CONTRACTS.md): `hostPublicIp`, `hostInstanceId`, `registryAddress`,
   * `registryCaCertificatePem` (self-signed only), `sshCommand`, `sshHostKey` (the pinned host key line, for
   * known_hosts), `sshPrivateKey` (secret, generated key only),
   * `registryUsers`, `registryPasswords` (secret), `tlsCertificateExpiry`, `tlsMode`.
   */
  outputs: Record<string, pulumi.Input<unknown>>;
}

/** The RegistryHost of this stack, shaped by the composition, sized and opened by config. */
export function createHost(
  config: StackConfig,
  secrets: StackSecrets,
  shape: HostShape,
  network: Network,
  provider: aws.Provider,
): HostResult {
  const { host, registry, dns, sites } = config;
  const domain = dns.domain;
  const registrySite = Object.entries(sites).find(([, upstream]) => upstream === "registry")?.[0];
  const siteNames = domain ? Object.keys(sites).map((site) => `${site}.${domain}`) : [];
  const registryHostName = domain && registrySite ? `${registrySite}.${domain}` : undefined;

  if (shape.directRegistryPort && host.registryAllowedCidrs.length === 0) {
    pulumi.log.info(
      "host.registryAllowedCidrs is empty: the registry port is not opened; reach it through an SSH tunnel " +
        `(ssh -L ${registry.port}:127.0.0.1:${registry.port} ...).`,
    );
  }

  const component = new RegistryHost(
    `${config.stack}-host`,
    {
      composition: config.composition,
      vpcId: network.vpcId,
      subnetId: network.publicSubnetIds[0]!,
      instanceType: host.instanceType,
      rootVolumeGiB: host.rootVolumeGiB,
      dataVolumeGiB: host.dataVolumeGiB,
      ami: host.amiId ? { id: host.amiId } : { owner: host.amiOwner, namePattern: host.amiNamePattern },
      sshUser: host.sshUser,
      sshPublicKey: host.sshPublicKey,
      hostKey: hostKeySource(config),
      detailedMonitoring: host.detailedMonitoring,
      firewall: firewallOf(config, shape),
      registry: {
        image: registry.image,
        port: registry.port,
        users: registry.users,
        gc: registry.gc,
        // A bought certificate names hosts, not the IP: clients then use the registry site's name.
        hostName: shape.nginx || config.tls.mode !== "self-signed" ? registryHostName : undefined,
        clientsUsePort: !shape.nginx,
      },
      tls: hostTls(config, secrets, siteNames),
      nginx: shape.nginx && domain ? { domain, sites, access: host.siteAllowedCidrs, ...appsDrain(config) } : undefined,
      protectData: config.composition === "prod",
      renderProvisionPlan,
      provisionTimeoutMinutes: host.provisionTimeoutMinutes,
      dataVolumeTags: snapshotTargetTags(config.stack),
      dataVolumeSnapshotId: config.restore.dataVolumeSnapshotId,
    },
    { providers: [provider] },
  );

  return hostResultOf(component, config);
}

/** What the security group admits: SSH, the registry port (direct), the API gateway, the web entry (Nginx). */
function firewallOf(config: StackConfig, shape: HostShape): FirewallArgs {
  const { host, registry } = config;
  return {
    sshCidrs: host.sshAllowedCidrs,
    registry: shape.directRegistryPort ? { port: registry.port, cidrs: host.registryAllowedCidrs } : undefined,
    // Plain HTTP: by default only the admin ranges reach it, like SSH.
    apiGateway: shape.apiGateway
      ? { port: host.apiGatewayPort, cidrs: host.apiGatewayAllowedCidrs ?? host.sshAllowedCidrs }
      : undefined,
    webEntry: shape.nginx,
  };
}

/** The host's parts the composition wires, and its stack outputs. */
function hostResultOf(component: RegistryHost, config: StackConfig): HostResult {
  return {
    component,
    securityGroupId: component.securityGroupId,
    instanceId: component.instanceId,
    instanceRoleName: component.instanceRoleName,
    publicIp: component.publicIp,
    registryPasswords: component.registryPasswords,
    hostFiles: component.hostFiles,
    outputs: {
      hostPublicIp: component.publicIp,
      hostInstanceId: component.instanceId,
      registryAddress: component.registryAddress,
      registryCaCertificatePem: component.registryCaCertificatePem,
      sshCommand: component.sshCommand,
      sshHostKey: component.sshHostPublicKey,
      sshPrivateKey: component.sshPrivateKey,
      registryUsers: component.registryUsers,
      registryPasswords: component.registryPasswords,
      tlsCertificateExpiry: component.tlsCertificateExpiry,
      tlsMode: tlsModeSummary(config),
    },
  };
}

/** The longest drain of the apps behind a site (nginx.conf's worker_shutdown_timeout), when any app has a site. */
export function appsDrain(config: StackConfig): { drainSeconds?: number } {
  const served = Object.values(config.sites).filter((t): t is string => typeof t === "string" && t in config.apps);
  if (served.length === 0) return {};
  return { drainSeconds: Math.max(...served.map((name) => config.apps[name]!.drainSeconds)) };
}

/** The operator's own pin wins; otherwise the generated key (unless turned off: config checks refuse that in prod). */
function hostKeySource(config: StackConfig): HostKeySource {
  const { host } = config;
  if (host.sshHostKey) return { mode: "pinned", publicKey: openSshKeyLine(host.sshHostKey) };
  if (!host.generateSshHostKey) {
    warnOnce(
      "host.generateSshHostKey is false and host.sshHostKey is unset: provisioning does not verify the host's SSH key.",
    );
    return { mode: "unverified" };
  }
  return {
    mode: "generated",
    parameterName: `/${PROJECT}/${config.stack}/registry-host/ssh-host-ed25519-key`,
    region: config.aws.region,
    ...(host.sshHostKeyKmsKeyArn ? { kmsKeyArn: host.sshHostKeyKmsKeyArn } : {}),
    ...(host.sshHostKeyDeployerArn ? { deployerArn: host.sshHostKeyDeployerArn } : {}),
  };
}

/** The `tlsMode` output: where this stack's certificate comes from, in one line. */
export function tlsModeSummary(config: StackConfig): string {
  const { tls } = config;
  if (tls.mode !== "acme") return tls.mode;
  return `acme (${tls.acme.challenge}, ${acmeDirectoryUrl(tls.acme)})`;
}

function hostTls(config: StackConfig, secrets: StackSecrets, siteNames: string[]): RegistryHostTls {
  const { tls } = config;
  if (tls.mode === "acme") {
    // Config validation requires the email in this mode; this guards programmatic callers.
    if (!tls.acme.email) throw new Error("tls.mode is acme but tls.acme.email is not set");
    return {
      mode: "acme",
      email: tls.acme.email,
      directoryUrl: acmeDirectoryUrl(tls.acme),
      challenge: tls.acme.challenge,
    };
  }
  if (tls.mode === "self-signed") {
    return {
      mode: "self-signed",
      caValidityDays: tls.caValidityDays,
      certificateValidityDays: tls.certificateValidityDays,
      dnsNames: config.dns.enabled ? siteNames : [],
    };
  }
  const chain = secrets.tlsCertificateChain;
  const key = secrets.tlsPrivateKey;
  // Config validation already requires both in this mode; this guards programmatic callers.
  if (!chain || !key) throw new Error("tls.mode is provided but tlsCertificateChain or tlsPrivateKey is not set");
  return {
    mode: "provided",
    certificateChainPem: chain,
    privateKeyPem: key,
    requiredNames: siteNames,
    minRemainingDays: tls.minRemainingDays,
  };
}
