import { z } from "zod";
import { anyCidr, openSshHostKey, openSshPublicKey, port } from "./common";

/** `host`: the EC2 host that runs the registry (and Nginx in prod). */
export const hostSection = z
  .object({
    /** EC2 instance type. Defaults to m6i.xlarge (4 vCPU, 16 GiB), the seed's dev size. */
    instanceType: z
      .string()
      .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, "must be an EC2 instance type such as m6i.xlarge")
      .default("m6i.xlarge")
      .meta({ example: "m6i.xlarge" }),
    /** Root volume size (gp3, encrypted). Defaults to 64 GiB, as in the seed. */
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
    amiOwner: z.string().default("099720109477").meta({ example: "099720109477" }),
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
     * The host's own SSH host public key (a line of /etc/ssh/ssh_host_*_key.pub). When set, provisioning verifies the
     * host against it and refuses any other; when unset, the host key is not verified (see the README: pin it after
     * the first deployment). A replaced instance has a new key: update this setting with it.
     */
    sshHostKey: openSshHostKey.optional().meta({ example: "ssh-ed25519 AAAA... root@ip-10-0-0-10" }),
    /** Dev only: the API gateway (Spring Cloud Gateway) port opened on the host. Defaults to 8000, as in the seed. */
    apiGatewayPort: port.default(8000).meta({ example: "8000" }),
    /** Dev only: CIDR blocks allowed to reach the API gateway port. Defaults to none. */
    apiGatewayAllowedCidrs: z.array(anyCidr).default([]).meta({ example: "0.0.0.0/0" }),
    /** Dev only: CIDR blocks allowed to reach the registry port directly (TLS + basic auth). Defaults to none. */
    registryAllowedCidrs: z.array(anyCidr).default([]).meta({ example: "0.0.0.0/0" }),
    /**
     * How long the first provisioning step waits for SSH and cloud-init on a new instance, in minutes. Defaults to 20.
     */
    provisionTimeoutMinutes: z.number().int().min(5).max(120).default(20).meta({ example: "20" }),
    /** CloudWatch detailed (1-minute) monitoring. Defaults to false in dev, true in prod. */
    detailedMonitoring: z.boolean().meta({ example: "true" }),
  })
  .strict();
