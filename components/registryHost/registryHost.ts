import { earlyRenewalHoursFor } from "./certificateRenewal";
import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import type { HostFile } from "../hostFile";
import { DATA_VOLUME_DEVICE_NAME, dataVolumeDevicePath, registryAddressOf, sshCommandOf } from "./addresses";
import { htpasswdOf, REGISTRY_SALT_BYTES, registryPasswordHash } from "./credentials";
import { createInstanceRole } from "./instanceRole";
import { type FirewallArgs, planEgressRules, planIngressRules } from "./firewall";
import { SshHostKey } from "./hostKey/sshHostKey";
import type { HostKeyUserDataInput } from "./hostKey/userData";
import { renderBootUserData } from "./boot/userData";
import { AGENT_USER } from "../monitoring/agentConfig";
import {
  assertSameSteps,
  declaredSteps,
  placeholderValues,
  type ProvisionCommandSpec,
  provisionCommandSpecs,
  type RenderProvisionPlan,
  renderInputOf,
  type ResolvedHostValues,
  type StaticRenderInput,
} from "./provisioning";
import type { ProvisionPlan, RegistryGcSettings } from "./render/types";
import { checkProvidedCertificate } from "./tlsCheck";

/** Where the host's AMI comes from. */
export type AmiSource =
  /** Pinned: changing it replaces the host (the data volume survives). */
  | { id: string }
  /**
   * Looked up (newest image of `owner` matching `namePattern`) on the first deploy only: the instance ignores AMI
   * changes, so a newly published image never replaces the host silently. Pin an id to move on.
   */
  | { owner: string; namePattern: string };

/** Where the registry's (and in prod Nginx's) certificate comes from. */
export type RegistryHostTls =
  | {
      /** A private CA and a leaf minted by @pulumi/tls; the leaf's SAN is the Elastic IP (plus `dnsNames`). */
      mode: "self-signed";
      caValidityDays: number;
      certificateValidityDays: number;
      /** Extra SAN names (the site names when DNS is on). Defaults to none. */
      dnsNames?: string[];
    }
  | {
      /** A bought chain and key, checked (parses, key matches, covers `requiredNames`, enough days left) before use. */
      mode: "provided";
      /** PEM chain, leaf first (secret). */
      certificateChainPem: pulumi.Input<string>;
      /** PEM private key of the leaf (secret). */
      privateKeyPem: pulumi.Input<string>;
      /** Every name the leaf must cover, e.g. each `<site>.<domain>`. */
      requiredNames: string[];
      /** The deployment stops when fewer days than this are left. */
      minRemainingDays: number;
    }
  | {
      /**
       * The host obtains and renews one certificate for every Nginx site name itself (lego, render/acme); Nginx
       * serves a temporary self-signed certificate until the first issuance. Prod (Nginx) only.
       */
      mode: "acme";
      email: string;
      directoryUrl: string;
      challenge: "http-01" | "dns-01";
    };

/** Where the host's SSH host key comes from (see RegistryHostArgs.hostKey). */
export type HostKeySource =
  | { mode: "generated"; parameterName: string; region: string; kmsKeyArn?: string; deployerArn?: string }
  | { mode: "pinned"; publicKey: string }
  | { mode: "unverified" };

export interface RegistryHostArgs {
  composition: "dev" | "prod";
  vpcId: pulumi.Input<string>;
  /** Public subnet the host runs in (its Availability Zone also holds the data volume). */
  subnetId: pulumi.Input<string>;
  /** EC2 instance type, e.g. m6i.xlarge. */
  instanceType: string;
  /** Root volume size (gp3, encrypted, deleted with the instance). */
  rootVolumeGiB: number;
  /** Registry data volume size (gp3, encrypted, separate: it outlives the instance). */
  dataVolumeGiB: number;
  ami: AmiSource;
  /** Login user of the AMI (sudo-capable). */
  sshUser: string;
  /**
   * Your own OpenSSH public key. Provisioning then authenticates through your SSH agent (SSH_AUTH_SOCK), which must
   * hold the matching private key. Defaults to a generated ED25519 key whose private half is the secret output
   * `sshPrivateKey`.
   */
  sshPublicKey?: string;
  /**
   * How provisioning knows the host's SSH key before it connects; every connection pins it (`hostKey`).
   * - `generated`: an ED25519 key made by the program, its private half in an SSM SecureString parameter only the
   *   instance role reads, installed by cloud-init before sshd starts (hostKey/sshHostKey.ts). Survives instance
   *   replacement (the new instance fetches the same key).
   * - `pinned`: the operator's own `<type> <key data>` line (ssh-ed25519 or ecdsa; never ssh-rsa).
   * - `unverified`: nothing pinned: the first connection trusts whatever answers. The stacks refuse it in prod.
   */
  hostKey: HostKeySource;
  /** CloudWatch detailed (1-minute) monitoring. Defaults to false. */
  detailedMonitoring?: boolean;
  /** What the security group admits (see FirewallArgs); egress is all outbound. */
  firewall: FirewallArgs;
  registry: {
    /** Pinned image, e.g. registry:3.0.0. */
    image: string;
    /** Dev: published with TLS on this port. Prod: loopback behind Nginx. */
    port: number;
    /** Each gets a generated 32-character password (secret output). */
    users: string[];
    gc: RegistryGcSettings;
    /**
     * The DNS name clients use for the registry (prod: `docker.<domain>`). Defaults to the Elastic IP (dev).
     */
    hostName?: string;
    /** Whether clients address the registry port (dev) or Nginx's 443 (prod). Defaults to true. */
    clientsUsePort?: boolean;
  };
  tls: RegistryHostTls;
  /** Prod: the Nginx sites (subdomain -> upstream port or "registry"). Defaults to none (no Nginx). */
  nginx?: {
    domain: string;
    sites: Record<string, number | string>;
    /** Longest drain of the apps behind the sites (nginx.conf's worker_shutdown_timeout). Defaults to none. */
    drainSeconds?: number;
    /** Sites limited to these source CIDR blocks (Nginx `allow`/`deny all`). Defaults to none (all open). */
    access?: Record<string, string[]>;
  };
  /**
   * Pulumi `protect` on the data volume and a final snapshot when it is deleted anyway. Defaults to false (dev data is
   * disposable); prod sets it. `retainOnDelete` is not used: it would orphan a paid volume silently and the next
   * `up` would start from an empty one.
   */
  protectData?: boolean;
  /** The renderers' `renderProvisionPlan` (render/index.ts): host files and steps from plain values. */
  renderProvisionPlan: RenderProvisionPlan;
  /**
   * How long the first step waits for SSH (the provider's create timeout) and, once connected, for cloud-init (a
   * `timeout` inside the wait-ready script), in minutes each. Defaults to 20.
   */
  provisionTimeoutMinutes?: number;
  /** Extra tags of the data volume (the snapshot policy finds it by tag). Defaults to none. */
  dataVolumeTags?: Record<string, string>;
  /**
   * EBS snapshot the data volume is created from (restore, docs/restore.md). Changing it replaces the volume.
   * Defaults to none: an empty volume, formatted by the provisioning steps.
   */
  dataVolumeSnapshotId?: string;
}

/** The leaf chain and key the registry (and Nginx) serve, the CA clients trust (self-signed), and the expiry. */
interface HostCertificate {
  chainPem: pulumi.Output<string> | undefined;
  privateKeyPem: pulumi.Output<string> | undefined;
  caCertificatePem: pulumi.Output<string> | undefined;
  expiry: pulumi.Output<string>;
}

/** The generated registry passwords (secret, user -> password) and the htpasswd file the registry checks them with. */
interface RegistryCredentials {
  passwords: pulumi.Output<Record<string, string>>;
  htpasswd: pulumi.Output<string>;
}

/** The host files and, per declared step, its command line, stdin and trigger. */
interface ProvisionScript {
  declared: ReturnType<typeof declaredSteps>;
  plan: pulumi.Output<{ files: HostFile[]; specs: ProvisionCommandSpec[] }>;
}

/** The security group's description: what it admits, by whether Nginx is the web entry. */
export function securityGroupDescriptionOf(firewall: FirewallArgs): string {
  return firewall.webEntry
    ? "Registry host: web entry 80/443 (Nginx), SSH from admin CIDRs"
    : "Registry host: SSH from admin CIDRs, registry and API gateway from their allow lists";
}

/** The part of the render input known from the arguments alone (provisioning.ts `StaticRenderInput`). */
export function staticRenderInputOf(args: RegistryHostArgs): StaticRenderInput {
  return {
    composition: args.composition,
    sshUser: args.sshUser,
    registry: { image: args.registry.image, port: args.registry.port, gc: args.registry.gc },
    ...(args.nginx ? { nginx: args.nginx } : {}),
    // The same limit bounds the remote wait for cloud-init (the provider's timeout bounds connecting only).
    readyTimeoutSeconds: (args.provisionTimeoutMinutes ?? 20) * 60,
    ...(args.tls.mode === "acme"
      ? { acme: { email: args.tls.email, directoryUrl: args.tls.directoryUrl, challenge: args.tls.challenge } }
      : {}),
  };
}

/** The render values once the resources exist; the first registry user is the health check's. */
export function resolvedHostValuesOf(
  args: Pick<RegistryHostArgs["registry"], "users" | "hostName">,
  known: {
    htpasswd: string;
    chainPem: string | undefined;
    keyPem: string | undefined;
    caPem: string | undefined;
    volumeId: string;
    passwords: Record<string, string>;
    publicIp: string;
  },
): ResolvedHostValues {
  const healthUser = args.users[0]!;
  return {
    htpasswd: known.htpasswd,
    publicHost: args.hostName ?? known.publicIp,
    healthCheckCredential: { user: healthUser, password: known.passwords[healthUser]! },
    ...(known.chainPem !== undefined && known.keyPem !== undefined
      ? { certificatePem: known.chainPem, privateKeyPem: known.keyPem }
      : {}),
    ...(known.caPem !== undefined ? { caCertificatePem: known.caPem } : {}),
    dataVolumeDevice: dataVolumeDevicePath(known.volumeId),
  };
}

/** The `host[:port]` Docker clients use: the registry's DNS name or the Elastic IP; the port unless behind Nginx. */
export function clientRegistryAddressOf(
  registry: Pick<RegistryHostArgs["registry"], "hostName" | "port" | "clientsUsePort">,
  publicIp: string,
): string {
  return registryAddressOf({
    publicIp,
    ...(registry.hostName ? { hostName: registry.hostName } : {}),
    ...((registry.clientsUsePort ?? true) ? { port: registry.port } : {}),
  });
}

/** Where and as whom provisioning logs in: a generated key's private half, the host key to pin, when there are. */
export interface SshLogin<T> {
  host: T;
  user: string;
  privateKey?: T | undefined;
  hostKey?: T | undefined;
}

/** How a provisioning step connects: pinned host key when known; the first step waits for sshd to come up. */
export function sshConnectionOf<T>(login: SshLogin<T>, first: boolean): SshLogin<T> & { dialErrorLimit?: number } {
  return {
    host: login.host,
    user: login.user,
    ...(login.privateKey ? { privateKey: login.privateKey } : {}),
    ...(login.hostKey ? { hostKey: login.hostKey } : {}),
    // A new instance's sshd comes up minutes after the API says "running"; retries have no back-off.
    ...(first ? { dialErrorLimit: -1 } : {}),
  };
}

/**
 * The registry host: an EC2 instance on an Elastic IP, its own security group, a
 * separate encrypted data volume, registry credentials, the TLS certificate, and the host files shipped and run over
 * SSH. Decisions live in pure helpers (firewall.ts, tlsCheck.ts, provisioning.ts, addresses.ts, credentials.ts, and
 * the exported functions above); each private method below builds one part and returns what later parts need.
 */
export class RegistryHost extends pulumi.ComponentResource {
  readonly securityGroupId: pulumi.Output<string>;
  readonly instanceId: pulumi.Output<string>;
  /** The instance role's name: features attach their own policies to it. */
  readonly instanceRoleName: pulumi.Output<string>;
  /** The Elastic IP: stable across instance replacement (certificate SAN, DNS). */
  readonly publicIp: pulumi.Output<string>;
  readonly dataVolumeId: pulumi.Output<string>;
  /** `host[:port]` Docker clients use. */
  readonly registryAddress: pulumi.Output<string>;
  readonly registryUsers: string[];
  /** Secret: user -> password. */
  readonly registryPasswords: pulumi.Output<Record<string, string>>;
  /** The private CA clients trust (self-signed mode); undefined with a provided certificate. */
  readonly registryCaCertificatePem: pulumi.Output<string> | undefined;
  /** The host's SSH host key every provisioning connection pins (`<type> <key data>`); undefined when unverified. */
  readonly sshHostPublicKey: pulumi.Output<string> | undefined;
  /** Secret: the generated SSH private key (OpenSSH format); undefined with `sshPublicKey`. */
  readonly sshPrivateKey: pulumi.Output<string> | undefined;
  readonly sshCommand: pulumi.Output<string>;
  /** notAfter of the registry's (leaf) certificate, ISO 8601; with ACME, where to read it on the host. */
  readonly tlsCertificateExpiry: pulumi.Output<string>;
  /** Every file placed on the host, as shipped. */
  readonly hostFiles: pulumi.Output<HostFile[]>;
  /** The provisioning commands, in order (the last one finishes the host). */
  readonly provisionSteps: command.remote.Command[];
  /** The pinned SSH connection the provisioning steps use: later steps on the host (app deploys) reuse it. */
  readonly connection: command.types.input.remote.ConnectionArgs;

  constructor(name: string, args: RegistryHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("startup:aws:RegistryHost", name, {}, opts);
    const securityGroup = this.firewall(name, args);
    const login = this.loginKey(name, args.sshPublicKey);
    const instanceRole = createInstanceRole(name, this);
    const hostKey = this.hostKey(name, args.hostKey, instanceRole.role);
    const instance = this.instance(name, args, { securityGroup, keyPair: login.keyPair, instanceRole, hostKey });
    const address = this.elasticIp(name, instance);
    const data = this.dataVolume(name, args, instance);
    const credentials = this.registryCredentials(name, args.registry.users);
    const certificate = this.certificate(name, args.tls, address.publicIp);
    const script = this.provisionScript(args, credentials, certificate, data.volume.id, address.publicIp);
    const sshLogin = {
      host: address.publicIp,
      user: args.sshUser,
      privateKey: login.privateKey,
      hostKey: hostKey.publicKey,
    };
    this.provisionSteps = this.provision(name, args, script, {
      connection: sshLogin,
      instance,
      ready: [address.association, data.attachment],
    });

    // What the stack reads.
    this.securityGroupId = securityGroup.id;
    this.instanceId = instance.id;
    this.instanceRoleName = instanceRole.role.name;
    this.publicIp = address.publicIp;
    this.dataVolumeId = data.volume.id;
    this.registryAddress = address.publicIp.apply((publicIp) => clientRegistryAddressOf(args.registry, publicIp));
    this.registryUsers = [...args.registry.users];
    this.registryPasswords = credentials.passwords;
    this.registryCaCertificatePem = certificate.caCertificatePem;
    this.sshPrivateKey = login.privateKey;
    this.sshHostPublicKey = hostKey.publicKey;
    this.sshCommand = address.publicIp.apply((publicIp) =>
      sshCommandOf({ user: args.sshUser, publicIp, ...(login.privateKey ? { keyFile: `./${name}-ssh-key` } : {}) }),
    );
    this.tlsCertificateExpiry = certificate.expiry;
    this.hostFiles = script.plan.apply((p) => p.files);
    this.connection = sshConnectionOf(sshLogin, false);
    this.registerOutputs({
      securityGroupId: this.securityGroupId,
      instanceId: this.instanceId,
      publicIp: this.publicIp,
      dataVolumeId: this.dataVolumeId,
      registryAddress: this.registryAddress,
      registryUsers: this.registryUsers,
      registryPasswords: this.registryPasswords,
      registryCaCertificatePem: this.registryCaCertificatePem,
      sshCommand: this.sshCommand,
      sshHostPublicKey: this.sshHostPublicKey,
      tlsCertificateExpiry: this.tlsCertificateExpiry,
    });
  }

  /** The host's security group and its rules (planned in firewall.ts). */
  private firewall(name: string, args: RegistryHostArgs): aws.ec2.SecurityGroup {
    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      { vpcId: args.vpcId, description: securityGroupDescriptionOf(args.firewall), tags: { Name: `${name}-sg` } },
      { parent: this },
    );
    for (const rule of planIngressRules(args.firewall)) {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-${rule.key}`,
        {
          securityGroupId: securityGroup.id,
          ipProtocol: "tcp",
          fromPort: rule.port,
          toPort: rule.port,
          cidrIpv4: rule.cidrIpv4,
          cidrIpv6: rule.cidrIpv6,
          description: rule.description,
          tags: { Name: `${name}-${rule.key}`, ...rule.exceptionTags },
        },
        // The policy pack's prod-web-entry exception requires this parent: keep the rules under the group.
        { parent: securityGroup },
      );
    }
    for (const rule of planEgressRules()) {
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-${rule.key}`,
        {
          securityGroupId: securityGroup.id,
          ipProtocol: "-1",
          cidrIpv4: rule.cidrIpv4,
          cidrIpv6: rule.cidrIpv6,
          description: rule.description,
          tags: { Name: `${name}-${rule.key}` },
        },
        { parent: securityGroup },
      );
    }
    return securityGroup;
  }

  /** The admin login key pair: the operator's public key, or a generated ED25519 key (its private half a secret). */
  private loginKey(
    name: string,
    sshPublicKey: string | undefined,
  ): { keyPair: aws.ec2.KeyPair; privateKey: pulumi.Output<string> | undefined } {
    const generatedKey = sshPublicKey
      ? undefined
      : new tls.PrivateKey(`${name}-ssh-key`, { algorithm: "ED25519" }, { parent: this });
    const keyPair = new aws.ec2.KeyPair(
      `${name}-key`,
      {
        keyNamePrefix: `${name}-`,
        publicKey: generatedKey ? generatedKey.publicKeyOpenssh : sshPublicKey!,
        tags: { Name: `${name}-key` },
      },
      { parent: this },
    );
    return { keyPair, privateKey: generatedKey ? pulumi.secret(generatedKey.privateKeyOpenssh) : undefined };
  }

  /** The host key the connections pin, and (generated) the user data and resources that deliver it. */
  private hostKey(
    name: string,
    source: HostKeySource,
    role: aws.iam.Role,
  ): { publicKey?: pulumi.Output<string>; userDataInput?: HostKeyUserDataInput; deliveredBy?: pulumi.Resource[] } {
    if (source.mode === "unverified") return {};
    if (source.mode === "pinned") return { publicKey: pulumi.output(source.publicKey) };
    const key = new SshHostKey(
      `${name}-ssh-host-key`,
      { ...source, roleName: role.name, roleArn: role.arn },
      { parent: this },
    );
    return { publicKey: key.publicKey, userDataInput: key.userDataInput, deliveredBy: key.deliveredBy };
  }

  /** The AMI id: pinned, or looked up (newest match of the owner's name pattern). */
  private amiId(ami: AmiSource): pulumi.Output<string> {
    if ("id" in ami) return pulumi.output(ami.id);
    return aws.ec2
      .getAmiOutput(
        {
          owners: [ami.owner],
          mostRecent: true,
          filters: [
            { name: "name", values: [ami.namePattern] },
            { name: "virtualization-type", values: ["hvm"] },
            { name: "root-device-type", values: ["ebs"] },
          ],
        },
        { parent: this },
      )
      .apply((found) => found.id);
  }

  /** The EC2 instance: IMDSv2 only, encrypted root volume, no public address of its own, boot user data. */
  private instance(
    name: string,
    args: RegistryHostArgs,
    on: {
      securityGroup: aws.ec2.SecurityGroup;
      keyPair: aws.ec2.KeyPair;
      instanceRole: { profile: aws.iam.InstanceProfile };
      hostKey: { userDataInput?: HostKeyUserDataInput; deliveredBy?: pulumi.Resource[] };
    },
  ): aws.ec2.Instance {
    const lookedUp = !("id" in args.ami);
    return new aws.ec2.Instance(
      `${name}-instance`,
      {
        ami: this.amiId(args.ami),
        instanceType: args.instanceType,
        subnetId: args.subnetId,
        vpcSecurityGroupIds: [on.securityGroup.id],
        keyName: on.keyPair.keyName,
        iamInstanceProfile: on.instanceRole.profile.name,
        // The Elastic IP is the host's only public address (named exception single-entry-host).
        associatePublicIpAddress: false,
        monitoring: args.detailedMonitoring ?? false,
        // IMDSv2 only; hop limit 1 keeps the instance credentials out of reach of containers (one hop further).
        metadataOptions: {
          httpEndpoint: "enabled",
          httpTokens: "required",
          httpPutResponseHopLimit: 1,
          instanceMetadataTags: "disabled",
        },
        rootBlockDevice: {
          volumeType: "gp3",
          volumeSize: args.rootVolumeGiB,
          encrypted: true,
          deleteOnTermination: true,
        },
        // userData shuts non-admitted users out of the metadata service and installs the host key (no secret in it:
        // scripts, user names, the parameter's name and region); everything else, secrets included, is shipped over
        // SSH by the provisioning steps.
        userData: renderBootUserData({
          imdsUsers: [AGENT_USER],
          ...(on.hostKey.userDataInput ? { hostKey: on.hostKey.userDataInput } : {}),
        }),
        tags: { Name: `${name}` },
      },
      { parent: this, ignoreChanges: lookedUp ? ["ami"] : [], dependsOn: on.hostKey.deliveredBy ?? [] },
    );
  }

  /** The Elastic IP and its association with the instance. */
  private elasticIp(
    name: string,
    instance: aws.ec2.Instance,
  ): { publicIp: pulumi.Output<string>; association: aws.ec2.EipAssociation } {
    const eip = new aws.ec2.Eip(`${name}-eip`, { domain: "vpc", tags: { Name: `${name}` } }, { parent: this });
    // Replaced with the instance: detach from the old one first (an address has one association at a time).
    const association = new aws.ec2.EipAssociation(
      `${name}-eip-association`,
      { allocationId: eip.allocationId, instanceId: instance.id },
      { parent: this, deleteBeforeReplace: true },
    );
    return { publicIp: eip.publicIp, association };
  }

  /** The registry's data volume (encrypted, outlives the instance) and its attachment. */
  private dataVolume(
    name: string,
    args: RegistryHostArgs,
    instance: aws.ec2.Instance,
  ): { volume: aws.ebs.Volume; attachment: aws.ec2.VolumeAttachment } {
    // The data volume sits in the subnet's AZ, decided independently of the instance, so replacing the instance
    // never touches it.
    const zone = aws.ec2.getSubnetOutput({ id: args.subnetId }, { parent: this }).availabilityZone;
    const protectData = args.protectData ?? false;
    const volume = new aws.ebs.Volume(
      `${name}-data`,
      {
        availabilityZone: zone,
        size: args.dataVolumeGiB,
        type: "gp3",
        encrypted: true,
        finalSnapshot: protectData,
        snapshotId: args.dataVolumeSnapshotId,
        tags: { ...args.dataVolumeTags, Name: `${name}-data`, Purpose: "registry data (outlives the instance)" },
      },
      { parent: this, protect: protectData },
    );
    // On instance replacement: stop the old instance (clean unmount), detach, attach to the new one.
    const attachment = new aws.ec2.VolumeAttachment(
      `${name}-data-attachment`,
      {
        deviceName: DATA_VOLUME_DEVICE_NAME,
        volumeId: volume.id,
        instanceId: instance.id,
        stopInstanceBeforeDetaching: true,
      },
      { parent: this, deleteBeforeReplace: true },
    );
    return { volume, attachment };
  }

  /** A generated password per registry user, and the htpasswd file of their bcrypt hashes. */
  private registryCredentials(name: string, users: string[]): RegistryCredentials {
    const passwords = users.map(
      (user) =>
        [
          user,
          new random.RandomPassword(`${name}-registry-${user}`, { length: 32, special: false }, { parent: this }),
        ] as const,
    );
    const byUser = pulumi.secret(
      pulumi
        .all(passwords.map(([, p]) => p.result))
        .apply((results) => Object.fromEntries(passwords.map(([user], i) => [user, results[i]!]))),
    );
    // A low-cost bcrypt hash with a salt kept in state (docs/registry-auth.md): the registry checks it on every
    // request, and the same password and salt give the same hash, so a second `up` changes nothing.
    const salts = users.map(
      (user) =>
        new random.RandomBytes(`${name}-registry-${user}-salt`, { length: REGISTRY_SALT_BYTES }, { parent: this })
          .base64,
    );
    const htpasswd = pulumi.secret(
      pulumi
        .all([pulumi.all(passwords.map(([, p]) => p.result)), pulumi.all(salts)])
        .apply(([results, saltList]) =>
          htpasswdOf(
            passwords.map(([user], i) => ({ user, bcryptHash: registryPasswordHash(results[i]!, saltList[i]!) })),
          ),
        ),
    );
    return { passwords: byUser, htpasswd };
  }

  /** The steps the renderers declare (known at start), and the rendered files and commands once values resolve. */
  private provisionScript(
    args: RegistryHostArgs,
    credentials: RegistryCredentials,
    certificate: HostCertificate,
    volumeId: pulumi.Output<string>,
    publicIp: pulumi.Output<string>,
  ): ProvisionScript {
    const fixed = staticRenderInputOf(args);
    const withCa = certificate.caCertificatePem !== undefined;
    const placeholders = placeholderValues(args.registry.users, withCa, certificate.chainPem !== undefined);
    const declared = declaredSteps(args.renderProvisionPlan(renderInputOf(fixed, placeholders)));
    const plan = pulumi
      .all([
        credentials.htpasswd,
        certificate.chainPem,
        certificate.privateKeyPem,
        certificate.caCertificatePem,
        volumeId,
        credentials.passwords,
        publicIp,
      ])
      .apply(([htpasswd, chainPem, keyPem, caPem, volume, passwords, ip]) => {
        const known = { htpasswd, chainPem, keyPem, caPem, volumeId: volume, passwords, publicIp: ip };
        const rendered: ProvisionPlan = args.renderProvisionPlan(
          renderInputOf(fixed, resolvedHostValuesOf(args.registry, known)),
        );
        assertSameSteps(declared, rendered);
        const specs = provisionCommandSpecs(rendered, [keyPem ?? "", htpasswd, ...Object.values(passwords)]);
        return { files: rendered.files, specs };
      });
    return { declared, plan };
  }

  /** One remote command per declared step, each after the previous; the first after the address and volume. */
  private provision(
    name: string,
    args: RegistryHostArgs,
    script: ProvisionScript,
    on: {
      connection: SshLogin<pulumi.Output<string>>;
      instance: aws.ec2.Instance;
      ready: pulumi.Resource[];
    },
  ): command.remote.Command[] {
    const steps: command.remote.Command[] = [];
    script.declared.forEach((step, i) => {
      const spec = script.plan.apply((p) => p.specs[i]!);
      const previous = steps[i - 1];
      steps.push(
        new command.remote.Command(
          `${name}-${step.name}`,
          {
            connection: sshConnectionOf(on.connection, i === 0),
            // Command lines never hold secrets (checked above), so they stay readable in diffs.
            create: pulumi.unsecret(spec.apply((s) => s.command)),
            stdin: step.hasStdin ? pulumi.secret(spec.apply((s) => s.stdin ?? "")) : undefined,
            // Re-run exactly when what this or an earlier step installs changes, and on a new instance. The hashes
            // cover secret-bearing stdin: they stay secret (the renderers' contract).
            triggers: [on.instance.id, pulumi.secret(spec.apply((s) => s.trigger))],
            // Off: by default the provider sets PULUMI_COMMAND_STDOUT/STDERR from the previous run in the remote
            // environment on an update, which sshd refuses without a matching AcceptEnv (a warning on every update);
            // the scripts never read them.
            addPreviousOutputInEnv: false,
          },
          {
            parent: this,
            dependsOn: previous ? [previous] : on.ready,
            ...(i === 0 ? { customTimeouts: { create: `${args.provisionTimeoutMinutes ?? 20}m` } } : {}),
          },
        ),
      );
    });
    return steps;
  }

  /** The leaf chain and key the registry (and Nginx) serve, the CA clients trust (self-signed), and the expiry. */
  private certificate(name: string, args: RegistryHostTls, publicIp: pulumi.Output<string>): HostCertificate {
    if (args.mode === "acme") {
      // Issued and renewed on the host: the program never holds this certificate or its key.
      return {
        chainPem: undefined,
        privateKeyPem: undefined,
        caCertificatePem: undefined,
        expiry: pulumi.output("renewed on the host by ACME: `sudo registry-acme status`"),
      };
    }
    if (args.mode === "provided") {
      // Runs before any remote step can (they consume its result): a bad certificate stops the deployment here.
      const checked = pulumi.all([args.certificateChainPem, args.privateKeyPem]).apply(([chainPem, privateKeyPem]) =>
        checkProvidedCertificate({
          chainPem,
          privateKeyPem,
          requiredNames: args.requiredNames,
          minRemainingDays: args.minRemainingDays,
        }),
      );
      return {
        chainPem: pulumi.secret(checked.apply((c) => c.chainPem)),
        privateKeyPem: pulumi.secret(pulumi.output(args.privateKeyPem)),
        caCertificatePem: undefined,
        expiry: pulumi.unsecret(checked.apply((c) => c.notAfter)),
      };
    }
    return this.selfSignedCertificate(name, args, publicIp);
  }

  /** A private CA and a leaf it signs, for the Elastic IP (plus the extra DNS names). */
  private selfSignedCertificate(
    name: string,
    args: Extract<RegistryHostTls, { mode: "self-signed" }>,
    publicIp: pulumi.Output<string>,
  ): HostCertificate {
    const caKey = new tls.PrivateKey(`${name}-ca-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
    const ca = new tls.SelfSignedCert(
      `${name}-ca`,
      {
        privateKeyPem: caKey.privateKeyPem,
        isCaCertificate: true,
        setSubjectKeyId: true,
        allowedUses: ["cert_signing", "crl_signing"],
        validityPeriodHours: args.caValidityDays * 24,
        subject: { commonName: `${name} registry CA`, organization: "startup-infra" },
      },
      { parent: this },
    );
    const leafKey = new tls.PrivateKey(
      `${name}-registry-tls-key`,
      { algorithm: "ECDSA", ecdsaCurve: "P256" },
      { parent: this },
    );
    const request = new tls.CertRequest(
      `${name}-registry-csr`,
      {
        privateKeyPem: leafKey.privateKeyPem,
        // The Elastic IP never changes with the instance, so this certificate stays valid across replacements.
        // 127.0.0.1 lets the host's own probes (health check, GC script) verify the registry with the same CA.
        ipAddresses: [publicIp, "127.0.0.1"],
        dnsNames: args.dnsNames ?? [],
        subject: { commonName: `${name} registry`, organization: "startup-infra" },
      },
      { parent: this },
    );
    const leaf = new tls.LocallySignedCert(
      `${name}-registry-cert`,
      {
        certRequestPem: request.certRequestPem,
        caPrivateKeyPem: caKey.privateKeyPem,
        caCertPem: ca.certPem,
        setSubjectKeyId: true,
        allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
        validityPeriodHours: args.certificateValidityDays * 24,
        // Replaced by the first `up` inside this window before expiry (certificateRenewal.ts), not only once expired.
        earlyRenewalHours: earlyRenewalHoursFor(args.certificateValidityDays),
      },
      { parent: this },
    );
    return {
      chainPem: leaf.certPem,
      privateKeyPem: pulumi.secret(leafKey.privateKeyPem),
      caCertificatePem: ca.certPem,
      expiry: leaf.validityEndTime,
    };
  }
}
