import { z } from "zod";
import { anyCidr, digitText, dnsLabel, openSshHostKey, openSshPublicKey, port } from "./common";

/** `host`: the EC2 host that runs the registry (and Nginx in prod). */
export const hostSection = z
  .object({
    /** EC2 instance type. Defaults to m6i.xlarge (4 vCPU, 16 GiB), the hand-built setup's dev size. */
    instanceType: z
      .string()
      .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, "must be an EC2 instance type such as m6i.xlarge")
      .default("m6i.xlarge")
      .meta({ example: "m6i.xlarge" }),
    /** Root volume size (gp3, encrypted). Defaults to 64 GiB, as in the hand-built setup. */
    rootVolumeGiB: z.number().int().min(16).max(16384).default(64).meta({ example: "64" }),
    /** Separate encrypted gp3 data volume that holds the registry's images and outlives the instance. Defaults to 100 GiB. */
    dataVolumeGiB: z.number().int().min(8).max(16384).default(100).meta({ example: "100" }),
    /**
     * Pinned AMI id. When unset, the newest image matching `amiNamePattern` from `amiOwner` is looked up once and a
     * newer AMI published later does NOT replace the host (the instance ignores AMI changes); set this to move on.
     */
    amiId: z
      .string()
      .regex(/^ami-[0-9a-f]{8,17}$/, "must be an AMI id such as ami-0123456789abcdef0")
      .optional()
      .meta({ example: "ami-0123456789abcdef0" }),
    /** AMI owner account. Defaults to Canonical (099720109477). */
    amiOwner: digitText(z.string()).default("099720109477").meta({ example: "099720109477" }),
    /** AMI name pattern. Defaults to Ubuntu 24.04 LTS (amd64, gp3). */
    amiNamePattern: z
      .string()
      .default("ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*")
      .meta({ example: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*" }),
    /** Login user of the AMI. Defaults to ubuntu. */
    sshUser: z
      .string()
      .regex(/^[a-z_][a-z0-9_-]*$/, "must be a Unix user name")
      .default("ubuntu")
      .meta({ example: "ubuntu" }),
    /** CIDR blocks allowed to reach SSH (22). Required: at least one, e.g. your office or VPN address as /32. */
    sshAllowedCidrs: z
      .array(anyCidr)
      .min(1, "must list at least one CIDR block: SSH is needed to provision the host")
      .meta({ example: "203.0.113.10/32" }),
    /** Your own SSH public key (OpenSSH format). When unset, a key pair is generated and its private key is a secret output. */
    sshPublicKey: openSshPublicKey.optional().meta({ example: "ssh-ed25519 AAAA... you@laptop" }),
    /**
     * Your own pin of the host's SSH host public key (a line of /etc/ssh/ssh_host_ed25519_key.pub; ssh-ed25519 or
     * ecdsa, never ssh-rsa). When set, provisioning verifies the host against it and the program generates no host
     * key. Defaults to unset: the generated key of `generateSshHostKey` is pinned instead.
     */
    sshHostKey: openSshHostKey.optional().meta({ example: "ssh-ed25519 AAAA... root@ip-10-0-0-10" }),
    /**
     * Generate the host's SSH host key in the program, deliver it through an SSM SecureString parameter that only the
     * host's instance role can read (installed by cloud-init before sshd starts), and pin it on every provisioning
     * connection. Defaults to true. false without `sshHostKey` leaves the host unverified: refused in prod.
     */
    generateSshHostKey: z.boolean().default(true).meta({ example: "true" }),
    /**
     * Your own KMS key (ARN) for the host key parameter; its key policy must let the instance role decrypt through
     * SSM. Defaults to unset: a customer-managed key made for the parameter (rotation on), which only the instance
     * role and the deployer may decrypt, and only for this parameter through SSM.
     */
    sshHostKeyKmsKeyArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/,
        "must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)",
      )
      .optional()
      .meta({ example: "arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" }),
    /**
     * The IAM role or user (ARN) the host key parameter's made KMS key names as its deployer: it may encrypt and
     * decrypt the parameter through SSM and administer the key. Defaults to the IAM role or user behind the session
     * running the command (its session issuer). Pin it to the deploy identity's role whenever another identity runs the
     * stack (CI's read-only preview identity, docs/ci.md, or people beside CI): otherwise the key policy follows whoever
     * ran last, and a preview shows it replaced. A role's or user's ARN, path included (`aws iam get-role --role-name
     * <name> --query Role.Arn`); never an STS assumed-role session ARN, which a key policy cannot name for long.
     */
    sshHostKeyDeployerArn: z
      .string()
      .trim()
      .regex(
        // IAM's own patterns (botocore 1.44.5 data/iam/2010-05-08/service-2.json): pathType `/` or
        // `/[\u0021-\u007E]+/` (max 512), roleNameType and userNameType `[\w+=,.@-]+` (1-64).
        /^arn:aws[a-z-]*:iam::\d{12}:(?:role|user)(?:\/|\/[\x21-\x7e]{1,510}\/)[\w+=,.@-]{1,64}$/,
        "must be the ARN of an IAM role or user, such as arn:aws:iam::123456789012:role/startup-infra-deploy (the " +
          "deploy identity's role, path included: `aws iam get-role --role-name <name> --query Role.Arn`; not an " +
          "arn:aws:sts::...:assumed-role/... session)",
      )
      .optional()
      .meta({ example: "arn:aws:iam::123456789012:role/startup-infra-deploy" }),
    /** Dev only: the API gateway (Spring Cloud Gateway) port opened on the host. Defaults to 8000, as in the hand-built setup. */
    apiGatewayPort: port.default(8000).meta({ example: "8000" }),
    /**
     * Dev only: CIDR blocks allowed to reach the API gateway port, which serves plain HTTP. Defaults to
     * `sshAllowedCidrs` (your admin ranges); `[]` keeps the port closed; `0.0.0.0/0` opens it to the world.
     */
    apiGatewayAllowedCidrs: z.array(anyCidr).optional().meta({ example: "198.51.100.0/24" }),
    /** Dev only: CIDR blocks allowed to reach the registry port directly (TLS + basic auth). Defaults to none. */
    registryAllowedCidrs: z.array(anyCidr).default([]).meta({ example: "0.0.0.0/0" }),
    /**
     * Prod: sites Nginx serves only to these source CIDR blocks (`allow` ... `deny all`, 403 for everyone else), e.g.
     * `{ admin: ["203.0.113.0/24"] }`. Defaults to none: every site is open to everyone.
     */
    siteAllowedCidrs: z
      .record(dnsLabel, z.array(anyCidr).min(1, "must list at least one CIDR block (or drop the site from the map)"))
      .default({})
      .meta({ example: "203.0.113.0/24" }),
    /**
     * How long the first provisioning step waits for SSH on a new instance (the provider's create timeout) and then,
     * on the host, for cloud-init (`timeout` in the wait-ready script, which fails with a message naming this key),
     * in minutes each. Defaults to 20.
     */
    provisionTimeoutMinutes: z.number().int().min(5).max(120).default(20).meta({ example: "20" }),
    /** CloudWatch detailed (1-minute) monitoring. Defaults to false in dev, true in prod. */
    detailedMonitoring: z.boolean().meta({ example: "true" }),
  })
  .strict();
