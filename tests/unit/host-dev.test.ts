import bcrypt from "bcryptjs";
import { beforeAll, describe, expect, it } from "vitest";
import { stepTriggers } from "../../components/registryHost/render";
import { isWireSecret } from "../../scripts/plan/secrets";
import { expectGeneratedHostKeyPinned } from "./support/hostKeyDelivery";
import { runStack, type StackRun } from "./support/runStack";

const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const COMMAND = "command:remote:Command";

let run: StackRun;
beforeAll(async () => {
  run = await runStack("dev");
});

const hostRules = (type: string) => {
  const sg = run.named("dev-host-sg");
  return run.ofType(type).filter((r) => r.parent === sg.urn);
};

describe("dev host: security group", () => {
  it("keeps the name the database admits (dev-host-sg) and has a description of its own", () => {
    const sg = run.named("dev-host-sg");
    expect(sg.type).toBe("aws:ec2/securityGroup:SecurityGroup");
    expect(sg.props.description).toMatch(/SSH from admin CIDRs/);
    expect(sg.props.ingress ?? []).toEqual([]);
    expect(sg.props.egress ?? []).toEqual([]);
  });

  it("admits exactly SSH from the admin CIDR, the registry port and the API gateway port from their allow lists", () => {
    const rules = hostRules(INGRESS).map((r) => ({
      port: r.props.fromPort,
      to: r.props.toPort,
      protocol: r.props.ipProtocol,
      cidr: r.props.cidrIpv4 ?? r.props.cidrIpv6,
    }));
    expect(rules).toEqual([
      { port: 22, to: 22, protocol: "tcp", cidr: "203.0.113.10/32" },
      { port: 5000, to: 5000, protocol: "tcp", cidr: "0.0.0.0/0" },
      { port: 8000, to: 8000, protocol: "tcp", cidr: "0.0.0.0/0" },
    ]);
  });

  it("opens SSH only to the admin CIDRs, never 2376, 21 or the web ports", () => {
    const rules = hostRules(INGRESS);
    const ssh = rules.filter((r) => r.props.fromPort <= 22 && r.props.toPort >= 22);
    expect(ssh.map((r) => r.props.cidrIpv4 ?? r.props.cidrIpv6)).toEqual(["203.0.113.10/32"]);
    for (const port of [21, 2375, 2376, 80, 443]) {
      expect(rules.filter((r) => r.props.fromPort <= port && r.props.toPort >= port)).toEqual([]);
    }
  });

  it("describes every rule and allows all outbound traffic, IPv4 and IPv6", () => {
    for (const r of [...hostRules(INGRESS), ...hostRules(EGRESS)]) expect(r.props.description).toMatch(/\S{3,}/);
    const egress = hostRules(EGRESS).map((r) => [r.props.ipProtocol, r.props.cidrIpv4 ?? r.props.cidrIpv6]);
    expect(egress).toEqual([
      ["-1", "0.0.0.0/0"],
      ["-1", "::/0"],
    ]);
  });
});

describe("dev host: instance, address, volumes", () => {
  it("requires IMDSv2 with hop limit 1; user data carries only the host key installer", () => {
    const instance = run.named("dev-host-instance").props;
    expect(instance.metadataOptions).toMatchObject({
      httpEndpoint: "enabled",
      httpTokens: "required",
      httpPutResponseHopLimit: 1,
    });
    expect(instance.userData).toMatch(/^#cloud-config\n/);
    expect(instance.userDataBase64).toBeUndefined();
  });

  it("is sized from config, in the first public subnet, with the host group, no auto-assigned public IP", () => {
    const instance = run.named("dev-host-instance").props;
    const subnet = run.named("dev-public-1");
    expect(instance).toMatchObject({ instanceType: "m6i.xlarge", associatePublicIpAddress: false, monitoring: false });
    expect(instance.subnetId).toMatch(/^subnet-/);
    expect(run.named("dev-host-instance").dependsOn).toContain(subnet.urn);
    expect(run.named("dev-host-instance").dependsOn).toContain(run.named("dev-host-sg").urn);
    expect(instance.vpcSecurityGroupIds).toHaveLength(1);
    expect(instance.keyName).toMatch(/^dev-host-/);
  });

  it("encrypts the gp3 root volume and deletes it with the instance", () => {
    expect(run.named("dev-host-instance").props.rootBlockDevice).toEqual({
      volumeType: "gp3",
      volumeSize: 64,
      encrypted: true,
      deleteOnTermination: true,
    });
  });

  it("uses the looked-up Ubuntu AMI and ignores newer ones (no silent replacement)", () => {
    const instance = run.named("dev-host-instance");
    expect(instance.props.ami).toBe("ami-0123456789abcdef0");
    expect(instance.ignoreChanges).toEqual(["ami"]);
  });

  it("keeps registry data on a separate encrypted gp3 volume in the subnet's zone, attached as /dev/sdf", () => {
    const volume = run.named("dev-host-data");
    expect(volume.props).toMatchObject({
      type: "gp3",
      size: 100,
      encrypted: true,
      availabilityZone: "ap-northeast-2a",
    });
    expect(volume.protect).toBe(false); // dev data is disposable; prod protects it
    const attachment = run.named("dev-host-data-attachment");
    expect(attachment.props).toMatchObject({ deviceName: "/dev/sdf", stopInstanceBeforeDetaching: true });
    expect(attachment.props.volumeId).toMatch(/^vol-0/);
    expect(attachment.dependsOn).toEqual(expect.arrayContaining([volume.urn, run.named("dev-host-instance").urn]));
  });

  it("gives the host an Elastic IP through an association with the instance", () => {
    const eip = run.named("dev-host-eip");
    expect(eip.props.domain).toBe("vpc");
    const association = run.named("dev-host-eip-association");
    expect(association.props.allocationId).toMatch(/^eipalloc-/);
    expect(association.props.instanceId).toMatch(/^i-/);
    expect(association.dependsOn).toEqual(expect.arrayContaining([eip.urn, run.named("dev-host-instance").urn]));
    expect(run.outputs.hostPublicIp!.value).toMatch(/^203\.0\.113\.\d+$/);
  });

  it("generates an ED25519 SSH key and registers its public half", () => {
    expect(run.named("dev-host-ssh-key").props.algorithm).toBe("ED25519");
    expect(run.named("dev-host-key").props.publicKey).toMatch(/^ssh-ed25519 /);
  });
});

describe("dev host: TLS (self-signed, SAN = Elastic IP)", () => {
  it("mints a CA certificate for signing only", () => {
    const ca = run.named("dev-host-ca").props;
    expect(ca.isCaCertificate).toBe(true);
    expect([...ca.allowedUses].sort()).toEqual(["cert_signing", "crl_signing"]);
    expect(ca.validityPeriodHours).toBe(1825 * 24);
  });

  it("requests the leaf for the Elastic IP and signs it for server auth", () => {
    const csr = run.named("dev-host-registry-csr").props;
    expect(csr.ipAddresses).toEqual([run.outputs.hostPublicIp!.value, "127.0.0.1"]);
    expect(csr.dnsNames ?? []).toEqual([]); // DNS is off in dev
    const leaf = run.named("dev-host-registry-cert").props;
    expect(leaf.allowedUses).toContain("server_auth");
    expect(leaf.isCaCertificate ?? false).toBe(false);
    expect(leaf.validityPeriodHours).toBe(397 * 24);
  });
});

describe("dev host: registry credentials and outputs", () => {
  it("generates a 32-character password per user and keeps the map secret", () => {
    for (const user of ["ci", "deploy"]) {
      expect(run.named(`dev-host-registry-${user}`).props).toMatchObject({ length: 32, special: false });
    }
    const passwords = run.outputs.registryPasswords!;
    expect(passwords.secret).toBe(true);
    expect(Object.keys(passwords.value as object)).toEqual(["ci", "deploy"]);
    for (const p of Object.values(passwords.value as Record<string, string>)) expect(p).toHaveLength(32);
    expect(run.outputs.registryUsers).toEqual({ value: ["ci", "deploy"], secret: false });
  });

  it("exports the registry address, CA, SSH access and certificate expiry", () => {
    const ip = run.outputs.hostPublicIp!.value as string;
    expect(run.outputs.registryAddress).toEqual({ value: `${ip}:5000`, secret: false });
    expect(run.outputs.registryCaCertificatePem!.value).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(run.outputs.sshCommand!.value).toBe(`ssh -i ./dev-host-ssh-key ubuntu@${ip}`);
    expect(run.outputs.sshPrivateKey!.secret).toBe(true);
    expect(run.outputs.sshPrivateKey!.value).toMatch(/OPENSSH PRIVATE KEY/);
    expect(run.outputs.tlsCertificateExpiry!.value).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("ships htpasswd (bcrypt, one line per user) and the TLS key as secret 0600 files", () => {
    const htpasswd = run.hostFiles.find((f) => f.path === "/etc/registry/htpasswd")!;
    expect(htpasswd).toMatchObject({ mode: "0600", secret: true });
    expect(htpasswd.content).toMatch(/^ci:\$2[aby]\$\d\d\$.{53}\ndeploy:\$2[aby]\$\d\d\$.{53}\n$/);
    expect(run.hostFiles.find((f) => f.path === "/etc/registry/tls.key")).toMatchObject({ mode: "0600", secret: true });
  });

  it("GC timer retention (default: on, dry run): the bundled tool, and the credential as a secret 0600 file", () => {
    const cred = run.hostFiles.find((f) => f.path === "/etc/registry-gc/credential")!;
    const passwords = run.outputs.registryPasswords!.value as Record<string, string>;
    expect(cred).toMatchObject({ mode: "0600", secret: true, content: `ci:${passwords.ci}\n` });
    expect(run.hostFiles.find((f) => f.path === "/usr/local/lib/registry-gc/registry-gc.cjs")).toMatchObject({
      mode: "0644",
      secret: false,
    });
    const script = run.hostFiles.find((f) => f.path === "/usr/local/sbin/registry-gc.sh")!.content;
    expect(script).toMatch(/^readonly RETENTION_RULES=\('--keep' '10' '--keep-younger-than' '30d'\)$/m);
    expect(script).toContain("readonly REGISTRY_URL='https://127.0.0.1:5000'");
    expect(script).toContain("readonly REGISTRY_CA='/etc/registry/ca.crt'");
  });

  it("hashes each password at bcrypt cost 4 with a 16-byte salt kept in state (cheap per request, stable across ups)", () => {
    const htpasswd = run.hostFiles.find((f) => f.path === "/etc/registry/htpasswd")!.content;
    const passwords = run.outputs.registryPasswords!.value as Record<string, string>;
    const lines = htpasswd.trimEnd().split("\n");
    expect(lines.map((l) => l.split(":")[0])).toEqual(["ci", "deploy"]);
    for (const line of lines) {
      const [user, hash] = line.split(":") as [string, string];
      expect(hash).toMatch(/^\$2a\$04\$/);
      expect(bcrypt.compareSync(passwords[user]!, hash)).toBe(true);
      expect(bcrypt.compareSync(`${passwords[user]!}x`, hash)).toBe(false);
    }
    const salts = run.ofType("random:index/randomBytes:RandomBytes");
    expect(salts.map((r) => [r.name, r.props.length])).toEqual([
      ["dev-host-registry-ci-salt", 16],
      ["dev-host-registry-deploy-salt", 16],
    ]);
  });
});

describe("dev host: SSH host key known before the first connection", () => {
  it("generates it, stores it as a SecureString only the instance role reads, installs it at boot, pins it", () => {
    expectGeneratedHostKeyPinned(run, "dev-host", "dev");
  });
});

describe("dev host: provisioning over SSH", () => {
  const commands = () => run.ofType(COMMAND).filter((c) => c.name.startsWith("dev-host-"));

  it("connects to the Elastic IP as the AMI user with the generated key (secret)", () => {
    const ip = run.outputs.hostPublicIp!.value;
    for (const c of commands()) {
      expect(c.props.connection).toMatchObject({ host: ip, user: "ubuntu" });
      expect(c.props.connection.privateKey).toMatch(/OPENSSH PRIVATE KEY/);
      const rawConnection = c.inputs.connection as Record<string, unknown>;
      expect(isWireSecret(rawConnection) || isWireSecret(rawConnection.privateKey)).toBe(true);
    }
    expect(run.outputs.hostInstanceId!.value).toMatch(/^i-[0-9a-f]+$/); // the mock engine's id for the instance
  });

  it("waits for SSH without a dial limit first, then runs each step after the previous one", () => {
    const [first, ...rest] = commands();
    expect(first!.name).toBe("dev-host-wait-ready");
    expect(first!.props.connection.dialErrorLimit).toBe(-1);
    expect(first!.dependsOn).toEqual(
      expect.arrayContaining([run.named("dev-host-eip-association").urn, run.named("dev-host-data-attachment").urn]),
    );
    let previous = first!;
    for (const c of rest) {
      expect(c.props.connection.dialErrorLimit).toBe(10); // the SDK default: later steps fail fast
      expect(c.dependsOn).toContain(previous.urn);
      previous = c;
    }
  });

  it("keys every step on the instance and the chained hash of exactly what it and the steps before it run", () => {
    const instance = run.named("dev-host-instance");
    const all = commands();
    const expected = stepTriggers(
      all.map((c) => ({ name: c.name, command: c.props.create, stdin: c.props.stdin, runsInTests: false })),
    );
    all.forEach((c, i) => {
      const [instanceId, trigger] = c.props.triggers;
      expect(instanceId).toMatch(/^i-/);
      expect(c.dependsOn).toContain(instance.urn);
      expect(trigger).toBe(expected[i]);
      // The hashes cover secret-bearing stdin: they stay secret.
      const raw = c.inputs.triggers;
      expect(isWireSecret(raw) || isWireSecret((raw as unknown[])[1])).toBe(true);
    });
  });

  it("passes files on stdin as a secret and keeps secrets off the command line", () => {
    const passwords = Object.values(run.outputs.registryPasswords!.value as Record<string, string>);
    const withStdin = commands().filter((c) => c.props.stdin !== undefined);
    expect(withStdin.length).toBeGreaterThan(0);
    for (const c of withStdin) expect(isWireSecret(c.inputs.stdin)).toBe(true);
    for (const c of commands()) {
      expect(isWireSecret(c.inputs.create)).toBe(false);
      for (const p of passwords) expect(c.props.create).not.toContain(p);
      expect(c.props.create).not.toMatch(/PRIVATE KEY|\$2[aby]\$/);
    }
  });
});

describe("dev host: resource tree", () => {
  it("parents every host resource under the RegistryHost component", () => {
    const component = run.named("dev-host");
    expect(component.type).toBe("startup:aws:RegistryHost");
    const hostResources = run.resources.filter((r) => r.name.startsWith("dev-host-"));
    const urns = new Set([component.urn]);
    // Children of children (rules under the group) count too: walk until no new URN appears.
    for (let grown = true; grown;) {
      grown = false;
      for (const r of hostResources) {
        if (r.parent && urns.has(r.parent) && !urns.has(r.urn)) {
          urns.add(r.urn);
          grown = true;
        }
      }
    }
    expect(hostResources.filter((r) => !urns.has(r.urn)).map((r) => r.name)).toEqual([]);
  });
});
