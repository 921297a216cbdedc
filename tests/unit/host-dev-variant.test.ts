import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { runStack, type StackRun } from "./support/runStack";

// A second dev stack (one engine run per file): the operator's own SSH key, a pinned AMI, DNS on, and the
// registry port closed (empty allow list).
const PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeFakeFakeFakeFakeFakeFakeFakeFakeFakeFake me@laptop";
const HOST_KEY = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBFake=";

let run: StackRun;
beforeAll(async () => {
  run = await runStack("dev", {
    host: {
      sshAllowedCidrs: ["203.0.113.10/32", "2001:db8::/48"],
      sshPublicKey: PUBLIC_KEY,
      sshHostKey: `  ${HOST_KEY}   root@ip-10-0-0-10 `,
      amiId: "ami-0fedcba9876543210",
      apiGatewayAllowedCidrs: ["198.51.100.0/24"],
      registryAllowedCidrs: [],
    },
    dns: { enabled: true, domain: "example.com" },
  });
});

describe("dev host with the operator's SSH key", () => {
  it("registers that key and generates none", () => {
    expect(run.named("dev-host-key").props.publicKey).toBe(PUBLIC_KEY);
    expect(run.resources.filter((r) => r.name === "dev-host-ssh-key")).toEqual([]);
    expect(run.outputs.sshPrivateKey!.value).toBeUndefined();
  });

  it("provisions through the SSH agent (no private key in the connection)", () => {
    const commands = run.ofType("command:remote:Command").filter((c) => c.name.startsWith("dev-host-"));
    expect(commands.length).toBeGreaterThan(0);
    for (const c of commands) expect(c.props.connection.privateKey).toBeUndefined();
    expect(run.outputs.sshCommand!.value).toBe(`ssh ubuntu@${run.outputs.hostPublicIp!.value}`);
  });
});

describe("dev host with a pinned SSH host key", () => {
  it("verifies the host on every provisioning connection (type and key data only, comment and blanks dropped)", () => {
    const commands = run.ofType("command:remote:Command").filter((c) => c.name.startsWith("dev-host-"));
    expect(commands.length).toBeGreaterThan(0);
    for (const c of commands) expect(c.props.connection.hostKey).toBe(HOST_KEY);
  });

  it("then generates no host key: no parameter, no host-key read policy, user data with the metadata firewall only", () => {
    expect(run.ofType("aws:ssm/parameter:Parameter")).toEqual([]);
    expect(run.ofType("startup:aws:SshHostKey")).toEqual([]);
    const readsHostKey = run
      .ofType("aws:iam/rolePolicy:RolePolicy")
      .filter((p) => (p.props.policy as string).includes("ssm:GetParameter"));
    expect(readsHostKey).toEqual([]);
    const instance = run.named("dev-host-instance").props;
    const cloudConfig = parse(instance.userData as string) as { bootcmd: string[][] };
    expect(Object.keys(cloudConfig)).toEqual(["bootcmd"]);
    expect(cloudConfig.bootcmd.map((argv) => argv.slice(3))).toEqual([["imds-firewall", "cwagent"]]);
    expect(run.ofType("aws:kms/key:Key").filter((k) => k.name.includes("ssh-host-key"))).toEqual([]);
    expect(run.outputs.sshHostKey!.value).toBe(HOST_KEY);
  });
});

describe("dev host with a pinned AMI", () => {
  it("uses the pinned id and does not ignore AMI changes", () => {
    const instance = run.named("dev-host-instance");
    expect(instance.props.ami).toBe("ami-0fedcba9876543210");
    expect(instance.ignoreChanges).toEqual([]);
  });
});

describe("dev host firewall with a closed registry port and an IPv6 admin block", () => {
  it("opens SSH to both admin blocks (IPv6 in cidrIpv6), the gateway to its list, and no registry port", () => {
    const sg = run.named("dev-host-sg");
    const rules = run
      .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
      .filter((r) => r.parent === sg.urn)
      .map((r) => [r.props.fromPort, r.props.cidrIpv4, r.props.cidrIpv6]);
    expect(rules).toEqual([
      [22, "203.0.113.10/32", undefined],
      [22, undefined, "2001:db8::/48"],
      [8000, "198.51.100.0/24", undefined],
    ]);
  });
});

describe("dev certificate with DNS on", () => {
  it("names the Elastic IP and every site", () => {
    const csr = run.named("dev-host-registry-csr").props;
    expect(csr.ipAddresses).toEqual([run.outputs.hostPublicIp!.value, "127.0.0.1"]);
    expect(csr.dnsNames).toEqual(["docker.example.com", "www.example.com", "admin.example.com"]);
    expect(run.outputs.registryAddress!.value).toBe(`${run.outputs.hostPublicIp!.value}:5000`);
  });
});
