import { describe, expect, it } from "vitest";
import { planEgressRules, planIngressRules } from "../../components/registryHost/firewall";

const ports = (rules: ReturnType<typeof planIngressRules>) =>
  rules.map((r) => [r.port, r.cidrIpv4 ?? r.cidrIpv6, r.key]);

describe("planIngressRules", () => {
  it("dev: SSH from admin blocks, registry and API gateway from their allow lists, IPv6 in cidrIpv6", () => {
    const rules = planIngressRules({
      sshCidrs: ["203.0.113.10/32", "2001:db8::/48"],
      registry: { port: 5000, cidrs: ["198.51.100.0/24"] },
      apiGateway: { port: 8000, cidrs: ["0.0.0.0/0", "::/0"] },
    });
    expect(ports(rules)).toEqual([
      [22, "203.0.113.10/32", "ssh-203-0-113-10-32"],
      [22, "2001:db8::/48", "ssh-2001-db8---48"],
      [5000, "198.51.100.0/24", "registry-198-51-100-0-24"],
      [8000, "0.0.0.0/0", "api-gateway-0-0-0-0-0"],
      [8000, "::/0", "api-gateway----0"],
    ]);
    const v6 = rules.filter((r) => r.cidrIpv6);
    expect(v6.every((r) => r.cidrIpv4 === undefined)).toBe(true);
    expect(rules.every((r) => r.description.length > 10)).toBe(true);
  });

  it("opens nothing for an empty allow list (dev registry reached through an SSH tunnel)", () => {
    const rules = planIngressRules({ sshCidrs: ["203.0.113.10/32"], registry: { port: 5000, cidrs: [] } });
    expect(ports(rules)).toEqual([[22, "203.0.113.10/32", "ssh-203-0-113-10-32"]]);
  });

  it("prod: 80 and 443 from the world as the named web-entry exception, and SSH", () => {
    const rules = planIngressRules({ sshCidrs: ["203.0.113.10/32"], webEntry: true });
    expect(ports(rules)).toEqual([
      [22, "203.0.113.10/32", "ssh-203-0-113-10-32"],
      [80, "0.0.0.0/0", "web-entry-http-ipv4"],
      [80, "::/0", "web-entry-http-ipv6"],
      [443, "0.0.0.0/0", "web-entry-https-ipv4"],
      [443, "::/0", "web-entry-https-ipv6"],
    ]);
    for (const r of rules.filter((r) => r.port !== 22)) expect(r.description).toMatch(/^prod web entry: /);
  });

  it("removes duplicate blocks", () => {
    expect(planIngressRules({ sshCidrs: ["203.0.113.10/32", "203.0.113.10/32"] })).toHaveLength(1);
  });

  it("refuses forbidden ports, port clashes and a missing SSH allow list", () => {
    expect(() => planIngressRules({ sshCidrs: ["10.0.0.0/8"], registry: { port: 2376, cidrs: [] } })).toThrow(
      "registry port 2376 is Docker daemon TLS, which is never opened",
    );
    expect(() => planIngressRules({ sshCidrs: ["10.0.0.0/8"], apiGateway: { port: 21, cidrs: [] } })).toThrow(
      "api-gateway port 21 is FTP",
    );
    expect(() => planIngressRules({ sshCidrs: ["10.0.0.0/8"], apiGateway: { port: 22, cidrs: [] } })).toThrow(
      "api-gateway port 22 is SSH",
    );
    expect(() =>
      planIngressRules({
        sshCidrs: ["10.0.0.0/8"],
        registry: { port: 5000, cidrs: [] },
        apiGateway: { port: 5000, cidrs: [] },
      }),
    ).toThrow("api-gateway and registry both use port 5000");
    expect(() => planIngressRules({ sshCidrs: [] })).toThrow("at least one SSH CIDR block");
  });
});

describe("planEgressRules", () => {
  it("allows all outbound, IPv4 and IPv6, each described", () => {
    const rules = planEgressRules();
    expect(rules.map((r) => r.cidrIpv4 ?? r.cidrIpv6)).toEqual(["0.0.0.0/0", "::/0"]);
    for (const r of rules) expect(r.description).toMatch(/^All outbound IPv[46]: /);
  });
});
