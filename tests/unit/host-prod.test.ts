import { X509Certificate } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { mintCa, mintLeaf, type Pem, withTempDir } from "../fixtures/certs";
import { expectGeneratedHostKeyPinned } from "./support/hostKeyDelivery";
import { runStack, type StackRun } from "./support/runStack";

const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";

let run: StackRun;
let leaf: Pem;
let ca: Pem;
beforeAll(async () => {
  withTempDir((dir) => {
    ca = mintCa(dir);
    leaf = mintLeaf(dir, ca, {
      name: "site",
      dnsNames: ["docker.example.com", "www.example.com", "admin.example.com"],
    });
  });
  run = await runStack(
    "prod",
    { tls: { mode: "provided" } },
    { tlsCertificateChain: leaf.certPem + ca.certPem, tlsPrivateKey: leaf.keyPem },
  );
});

const hostRules = (type: string) => {
  const sg = run.named("prod-host-sg");
  return run.ofType(type).filter((r) => r.parent === sg.urn);
};
const cidrOf = (r: { props: Record<string, any> }) => r.props.cidrIpv4 ?? r.props.cidrIpv6;

describe("prod host: security group", () => {
  it("admits SSH from the admin CIDR and only 80/443 from the world (IPv4 and IPv6)", () => {
    const rules = hostRules(INGRESS).map((r) => [r.props.fromPort, r.props.toPort, r.props.ipProtocol, cidrOf(r)]);
    expect(rules).toEqual([
      [22, 22, "tcp", "203.0.113.10/32"],
      [80, 80, "tcp", "0.0.0.0/0"],
      [80, 80, "tcp", "::/0"],
      [443, 443, "tcp", "0.0.0.0/0"],
      [443, 443, "tcp", "::/0"],
    ]);
  });

  it("puts IPv6 blocks in cidrIpv6 only", () => {
    for (const r of hostRules(INGRESS)) {
      if (String(cidrOf(r)).includes(":")) expect(r.props.cidrIpv4).toBeUndefined();
      else expect(r.props.cidrIpv6).toBeUndefined();
    }
  });

  it("names and describes the world-open rules as the prod web entry exception", () => {
    const world = hostRules(INGRESS).filter((r) => ["0.0.0.0/0", "::/0"].includes(cidrOf(r)));
    expect(world).toHaveLength(4);
    for (const r of world) {
      expect(r.name).toMatch(/^prod-host-web-entry-https?-ipv[46]$/);
      expect(r.props.description).toMatch(/^prod web entry: /);
      expect([80, 443]).toContain(r.props.fromPort);
      // What the policy pack's exception actually checks: the tag and the host's own group as parent.
      expect(r.props.tags["startup-infra:exception"]).toBe("prod-web-entry");
      expect(r.parent).toBe(run.named("prod-host-sg").urn);
    }
    // Nothing else carries the exception tag.
    const tagged = run.resources.filter((r) => JSON.stringify(r.inputs).includes("startup-infra:exception"));
    expect(tagged.map((r) => r.name).sort()).toEqual(world.map((r) => r.name).sort());
  });

  it("never opens 2376, 21, the registry port or the API gateway port", () => {
    for (const port of [21, 2375, 2376, 5000, 8000]) {
      expect(hostRules(INGRESS).filter((r) => r.props.fromPort <= port && r.props.toPort >= port)).toEqual([]);
    }
  });

  it("describes every rule", () => {
    for (const r of [...hostRules(INGRESS), ...hostRules(EGRESS)]) expect(r.props.description).toMatch(/\S{3,}/);
  });
});

describe("prod host: instance and data", () => {
  it("requires IMDSv2 with hop limit 1, has detailed monitoring, encrypted root volume", () => {
    const instance = run.named("prod-host-instance").props;
    expect(instance.metadataOptions).toMatchObject({ httpTokens: "required", httpPutResponseHopLimit: 1 });
    expect(instance.monitoring).toBe(true);
    expect(instance.rootBlockDevice).toMatchObject({ encrypted: true, volumeType: "gp3" });
    expect(instance.userData).toMatch(/^#cloud-config\n/);
  });

  it("knows its SSH host key before the first connection: generated, SecureString, read by the role, pinned", () => {
    expectGeneratedHostKeyPinned(run, "prod-host", "prod");
  });

  it("protects the encrypted data volume and snapshots it if it is ever deleted", () => {
    const volume = run.named("prod-host-data");
    expect(volume.protect).toBe(true);
    expect(volume.props).toMatchObject({ encrypted: true, type: "gp3", finalSnapshot: true });
  });

  it("associates the Elastic IP with the instance", () => {
    const association = run.named("prod-host-eip-association");
    expect(association.dependsOn).toEqual(
      expect.arrayContaining([run.named("prod-host-eip").urn, run.named("prod-host-instance").urn]),
    );
  });
});

describe("prod host: provided certificate", () => {
  it("mints nothing: no CA, no self-signed or locally signed certificate", () => {
    for (const type of [
      "tls:index/selfSignedCert:SelfSignedCert",
      "tls:index/locallySignedCert:LocallySignedCert",
      "tls:index/certRequest:CertRequest",
    ]) {
      expect(run.ofType(type)).toEqual([]);
    }
  });

  it("ships the checked chain and the key (secret, 0600) to Nginx", () => {
    const crt = run.hostFiles.find((f) => f.path === "/etc/nginx/tls/example.com.crt");
    expect(crt?.content).toBe(leaf.certPem + ca.certPem);
    const key = run.hostFiles.find((f) => f.path === "/etc/nginx/tls/example.com.key");
    expect(key).toMatchObject({ content: leaf.keyPem, mode: "0600", secret: true });
  });

  it("ships the Nginx sites of every <site>.<domain>", () => {
    const paths = run.hostFiles.map((f) => f.path);
    for (const site of ["docker", "www", "admin"]) {
      expect(paths).toContain(`/etc/nginx/sites-available/${site}.example.com.conf`);
    }
  });

  it("exports the leaf's expiry, no CA, and the registry's site name as its address", () => {
    const notAfter = new Date(new X509Certificate(leaf.certPem).validTo).toISOString();
    expect(run.outputs.tlsCertificateExpiry).toEqual({ value: notAfter, secret: false });
    expect(run.outputs.registryCaCertificatePem!.value).toBeUndefined();
    expect(run.outputs.registryAddress).toEqual({ value: "docker.example.com", secret: false });
  });

  it("keeps passwords and the generated SSH key secret", () => {
    expect(run.outputs.registryPasswords!.secret).toBe(true);
    expect(run.outputs.sshPrivateKey!.secret).toBe(true);
    expect(JSON.stringify(run.outputs.registryUsers!.value)).toBe('["ci","deploy"]');
  });
});
