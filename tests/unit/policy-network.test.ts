import { describe, expect, it } from "vitest";
import {
  defaultSecurityGroupNoRules,
  noWorldOpenAdminPorts,
  noWorldOpenAllPorts,
  noWorldOpenDatabasePorts,
  noWorldOpenWebPorts,
  securityGroupDescription,
  securityGroupRuleDescription,
} from "../../policy/rules/network";
import { privateSubnetsNoPublicIp, vpcDefaultSecurityGroupManaged, vpcFlowLogsProd } from "../../policy/rules/vpc";
import { EXCEPTION_TAG } from "../../policy/exceptions";
import { messages, planned, PROJECT, run } from "../../policy/testing";

const SG = "aws:ec2/securityGroup:SecurityGroup";
const SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";

const ADMIN_TAIL =
  ": admin ports must never be open to the internet or to ranges wider than /16 (IPv4) or /32 (IPv6); admit only " +
  "the configured admin CIDRs (CKV_AWS_24 / AWS-0107, CKV_AWS_25).";
const DB_TAIL =
  ": databases are reachable only from their clients' security groups, never from the internet or ranges wider " +
  "than /16 (IPv4) or /32 (IPv6) (AWS-0107).";
const ALL_TAIL =
  ": open only the ports the stack serves, never to the internet or to ranges wider than /16 (IPv4) or /32 (IPv6) " +
  "(CKV_AWS_277 / AWS-0107).";
const WEB_TAIL =
  ": web ports open to the internet or to ranges wider than /16 (IPv4) or /32 (IPv6) are allowed only by the " +
  'exception "prod-web-entry" (prod stack, the registry host\'s own web-entry rules, tagged ' +
  "startup-infra:exception = prod-web-entry, one TCP port 80 or 443 each) (CKV_AWS_260).";

const tcp = (port: number, cidrs: { v4?: string[]; v6?: string[] }, description = "d") => ({
  protocol: "tcp",
  fromPort: port,
  toPort: port,
  cidrBlocks: cidrs.v4,
  ipv6CidrBlocks: cidrs.v6,
  description,
});
const group = (name: string, ingress: unknown[], extra: Record<string, unknown> = {}, stack = "dev") =>
  planned(SG, name, { description: "a group", ingress, egress: [], ...extra }, { stack });
const sgRule = (name: string, inputs: Record<string, unknown>, stack = "dev") =>
  planned(
    SG_RULE,
    name,
    { type: "ingress", protocol: "tcp", description: "d", securityGroupId: "sg-1", ...inputs },
    { stack },
  );
const ingressRule = (name: string, inputs: Record<string, unknown>, stack = "dev") =>
  planned(INGRESS_RULE, name, { ipProtocol: "tcp", description: "d", securityGroupId: "sg-1", ...inputs }, { stack });

describe("no-world-open-admin-ports (CKV_AWS_24 / AWS-0107, CKV_AWS_25)", () => {
  it("fails inline ingress to 22 from 0.0.0.0/0 and to 3389 from ::/0", () => {
    expect(messages(noWorldOpenAdminPorts, [group("host", [tcp(22, { v4: ["0.0.0.0/0"] })])])).toEqual([
      `ingress[0] admits 0.0.0.0/0 to admin port 22 (SSH)${ADMIN_TAIL}`,
    ]);
    expect(messages(noWorldOpenAdminPorts, [group("host", [tcp(80, {}), tcp(3389, { v6: ["::/0"] })])])).toEqual([
      `ingress[1] admits ::/0 to admin port 3389 (RDP)${ADMIN_TAIL}`,
    ]);
  });

  it("fails ec2.SecurityGroupRule ingress, IPv4 and IPv6, and ignores egress", () => {
    expect(
      messages(noWorldOpenAdminPorts, [sgRule("ssh", { fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] })]),
    ).toEqual([`the rule admits 0.0.0.0/0 to admin port 22 (SSH)${ADMIN_TAIL}`]);
    expect(
      messages(noWorldOpenAdminPorts, [sgRule("ssh6", { fromPort: 22, toPort: 22, ipv6CidrBlocks: ["::/0"] })]),
    ).toEqual([`the rule admits ::/0 to admin port 22 (SSH)${ADMIN_TAIL}`]);
    expect(
      messages(noWorldOpenAdminPorts, [
        sgRule("out", { type: "egress", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }),
      ]),
    ).toEqual([]);
  });

  it("fails vpc.SecurityGroupIngressRule, IPv4 and IPv6, including port ranges", () => {
    expect(
      messages(noWorldOpenAdminPorts, [ingressRule("ssh", { fromPort: 22, toPort: 22, cidrIpv6: "::/0" })]),
    ).toEqual([`the rule admits ::/0 to admin port 22 (SSH)${ADMIN_TAIL}`]);
    expect(
      messages(noWorldOpenAdminPorts, [ingressRule("range", { fromPort: 20, toPort: 25, cidrIpv4: "0.0.0.0/0" })]),
    ).toEqual([`the rule admits 0.0.0.0/0 to admin port 21 (FTP), 22 (SSH), 23 (Telnet)${ADMIN_TAIL}`]);
  });

  it("fails the seed's Docker daemon port and every admin port of an all-protocol rule", () => {
    expect(
      messages(noWorldOpenAdminPorts, [ingressRule("docker", { fromPort: 2376, toPort: 2376, cidrIpv4: "0.0.0.0/0" })]),
    ).toEqual([`the rule admits 0.0.0.0/0 to admin port 2376 (Docker daemon TLS)${ADMIN_TAIL}`]);
    expect(messages(noWorldOpenAdminPorts, [ingressRule("all", { ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" })])).toEqual([
      "the rule admits 0.0.0.0/0 to admin port 21 (FTP), 22 (SSH), 23 (Telnet), 2375 (Docker daemon), " +
        `2376 (Docker daemon TLS), 3389 (RDP)${ADMIN_TAIL}`,
    ]);
  });

  it("passes admin ports from admin CIDRs, other world-open ports, and ICMP from anywhere", () => {
    const resources = [
      group("host", [
        tcp(22, { v4: ["198.51.100.7/32"] }),
        tcp(5000, { v4: ["0.0.0.0/0"] }),
        tcp(8000, { v6: ["::/0"] }),
      ]),
      sgRule("ssh", { fromPort: 22, toPort: 22, cidrBlocks: ["203.0.113.0/24"] }),
      ingressRule("ping", { ipProtocol: "icmp", fromPort: 8, toPort: 0, cidrIpv4: "0.0.0.0/0" }),
      ingressRule("registry", { fromPort: 5000, toPort: 5000, cidrIpv4: "0.0.0.0/0" }),
    ];
    expect(run(noWorldOpenAdminPorts, resources)).toEqual([]);
  });
});

describe("admin and database sources judged by breadth, not only /0", () => {
  it("fails halves of the internet, each wider than /16, an IPv6 /16 and a /8 to an admin or database port", () => {
    expect(
      messages(noWorldOpenAdminPorts, [
        sgRule("ssh", { fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/1", "128.0.0.0/1"] }),
      ]),
    ).toEqual([`the rule admits 0.0.0.0/1, 128.0.0.0/1 to admin port 22 (SSH)${ADMIN_TAIL}`]);
    expect(
      messages(noWorldOpenAdminPorts, [ingressRule("ssh6", { fromPort: 22, toPort: 22, cidrIpv6: "2001::/16" })]),
    ).toEqual([`the rule admits 2001::/16 to admin port 22 (SSH)${ADMIN_TAIL}`]);
    expect(
      messages(noWorldOpenDatabasePorts, [ingressRule("pg", { fromPort: 5432, toPort: 5432, cidrIpv4: "10.0.0.0/8" })]),
    ).toEqual([`the rule admits 10.0.0.0/8 to database port 5432 (PostgreSQL)${DB_TAIL}`]);
  });

  it("fails narrow ranges that together cover the internet when the prefix limit is relaxed", () => {
    const halves = [
      ingressRule("a", { fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/1" }),
      sgRule("b", { fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/1"] }),
    ];
    const relaxed = { minIpv4PrefixLength: 0 };
    expect(messages(noWorldOpenAdminPorts, [halves[0]!], "dev", relaxed)).toEqual([]);
    expect(messages(noWorldOpenAdminPorts, [halves[1]!], "dev", relaxed)).toEqual([
      "the rule admits 0.0.0.0/2, 64.0.0.0/2, 128.0.0.0/1 (together the whole IPv4 internet) to admin port 22 " +
        "(SSH): admin ports must never be open to the internet or to ranges wider than /0 (IPv4) or /32 (IPv6); " +
        "admit only the configured admin CIDRs (CKV_AWS_24 / AWS-0107, CKV_AWS_25).",
    ]);
  });

  it("passes ranges at or inside the default limits, and honours a stricter configured prefix", () => {
    const office = sgRule("ssh", { fromPort: 22, toPort: 22, cidrBlocks: ["198.51.0.0/16", "203.0.113.7/32"] });
    const v6 = ingressRule("ssh6", { fromPort: 22, toPort: 22, cidrIpv6: "2001:db8::/32" });
    expect(run(noWorldOpenAdminPorts, [office, v6])).toEqual([]);
    expect(messages(noWorldOpenAdminPorts, [office], "dev", { minIpv4PrefixLength: 24 })).toEqual([
      "the rule admits 198.51.0.0/16 to admin port 22 (SSH): admin ports must never be open to the internet or to " +
        "ranges wider than /24 (IPv4) or /32 (IPv6); admit only the configured admin CIDRs (CKV_AWS_24 / AWS-0107, " +
        "CKV_AWS_25).",
    ]);
  });
});

describe("no-world-open-all-ports (CKV_AWS_277)", () => {
  it("fails protocol -1 / all and full TCP ranges from anywhere, in all three resource types", () => {
    const resources = [
      group("inline", [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "d" }]),
      sgRule("full", { fromPort: 0, toPort: 65535, ipv6CidrBlocks: ["::/0"] }),
      ingressRule("all", { ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" }),
    ];
    expect(run(noWorldOpenAllPorts, resources).map((v) => [v.urn, v.message])).toEqual([
      [resources[0]!.urn, `ingress[0] admits 0.0.0.0/0 to all ports${ALL_TAIL}`],
      [resources[1]!.urn, `the rule admits ::/0 to all ports${ALL_TAIL}`],
      [resources[2]!.urn, `the rule admits 0.0.0.0/0 to all ports${ALL_TAIL}`],
    ]);
  });

  it("fails halves of the internet, a wide IPv6 range, and narrow ranges that together cover it (relaxed limit)", () => {
    const halves = sgRule("halves", { fromPort: 0, toPort: 65535, cidrBlocks: ["0.0.0.0/1", "128.0.0.0/1"] });
    const v6 = ingressRule("v6", { ipProtocol: "-1", cidrIpv6: "2000::/3" });
    expect(messages(noWorldOpenAllPorts, [halves, v6])).toEqual([
      `the rule admits 0.0.0.0/1, 128.0.0.0/1 to all ports${ALL_TAIL}`,
      `the rule admits 2000::/3 to all ports${ALL_TAIL}`,
    ]);
    const quarters = group("quarters", [
      { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/2", "64.0.0.0/2"], description: "d" },
      { protocol: "all", fromPort: 0, toPort: 0, cidrBlocks: ["128.0.0.0/1"], description: "d" },
    ]);
    expect(messages(noWorldOpenAllPorts, [quarters], "dev", { minIpv4PrefixLength: 0 })).toEqual([
      "its rules admits 0.0.0.0/2, 64.0.0.0/2, 128.0.0.0/1 (together the whole IPv4 internet) to all ports: open " +
        "only the ports the stack serves, never to the internet or to ranges wider than /0 (IPv4) or /32 (IPv6) " +
        "(CKV_AWS_277 / AWS-0107).",
    ]);
  });

  it("passes single ports from anywhere and all ports from inside the VPC", () => {
    const resources = [
      ingressRule("https", { fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" }),
      ingressRule("vpc", { ipProtocol: "-1", cidrIpv4: "10.0.0.0/16" }),
    ];
    expect(run(noWorldOpenAllPorts, resources)).toEqual([]);
  });
});

describe("no-world-open-database-ports (AWS-0107)", () => {
  it("fails database ports from anywhere in all three resource types", () => {
    const resources = [
      group("inline", [tcp(3306, { v6: ["::/0"] })]),
      sgRule("redis", { fromPort: 6379, toPort: 6379, cidrBlocks: ["0.0.0.0/0"] }),
      ingressRule("pg", { fromPort: 5432, toPort: 5432, cidrIpv4: "0.0.0.0/0" }),
    ];
    expect(messages(noWorldOpenDatabasePorts, resources)).toEqual([
      `ingress[0] admits ::/0 to database port 3306 (MySQL)${DB_TAIL}`,
      `the rule admits 0.0.0.0/0 to database port 6379 (Redis)${DB_TAIL}`,
      `the rule admits 0.0.0.0/0 to database port 5432 (PostgreSQL)${DB_TAIL}`,
    ]);
  });

  it("passes database ports from a security group or a private range", () => {
    const resources = [
      ingressRule("from-host", { fromPort: 5432, toPort: 5432, referencedSecurityGroupId: "sg-host" }),
      ingressRule("from-vpc", { fromPort: 5432, toPort: 5432, cidrIpv4: "10.0.0.0/16" }),
    ];
    expect(run(noWorldOpenDatabasePorts, resources)).toEqual([]);
  });
});

describe('no-world-open-web-ports (CKV_AWS_260) and the named exception "prod-web-entry"', () => {
  /** The registry host's security group as the engine names it: a child of the RegistryHost component. */
  const hostGroup = (stack = "prod") => ({
    ...planned(SG, `${stack}-host-sg`, { description: "host" }, { stack }),
    urn: `urn:pulumi:${stack}::${PROJECT}::startup:aws:RegistryHost$${SG}::${stack}-host-sg`,
  });
  const MARK = { [EXCEPTION_TAG]: "prod-web-entry" };
  const markedRule = (name: string, inputs: Record<string, unknown>, parent = hostGroup(), stack = "prod") =>
    planned(
      INGRESS_RULE,
      name,
      { ipProtocol: "tcp", description: "prod web entry: x", securityGroupId: "sg-1", tags: MARK, ...inputs },
      { stack, parent },
    );

  it("passes 80/443 from anywhere on the registry host's tagged web-entry rules in prod", () => {
    const resources = [
      markedRule("prod-host-web-entry-http-ipv4", { fromPort: 80, toPort: 80, cidrIpv4: "0.0.0.0/0" }),
      markedRule("prod-host-web-entry-https-ipv6", { fromPort: 443, toPort: 443, cidrIpv6: "::/0" }),
    ];
    expect(run(noWorldOpenWebPorts, resources, "prod")).toEqual([]);
  });

  it("does not grant it for the name, description or tag alone: another resource carrying the same text fails", () => {
    const elsewhere = {
      ...planned(SG, "app-sg", { description: "app" }, { stack: "prod" }),
      urn: `urn:pulumi:prod::${PROJECT}::startup:aws:Database$${SG}::app-sg`,
    };
    const resources = [
      // Same name, description and tag as the host's rule, but under another component's group.
      markedRule("prod-host-web-entry-https-ipv4", { fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" }, elsewhere),
      // Same name and description, no parent at all.
      sgRule(
        "web-entry-http",
        { fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"], description: "prod web entry: x", tags: MARK },
        "prod",
      ),
      // A group named and described as the web entry, with the tag, inline.
      group(
        "web-entry-sg",
        [tcp(80, { v4: ["0.0.0.0/0"] })],
        { description: "Nginx web entry: HTTP redirect, HTTPS", tags: MARK },
        "prod",
      ),
      // Under the host's group, with the name and description, but without the tag.
      planned(
        INGRESS_RULE,
        "prod-host-web-entry-http-ipv6",
        { ipProtocol: "tcp", fromPort: 80, toPort: 80, cidrIpv6: "::/0", description: "prod web entry: x" },
        { stack: "prod", parent: hostGroup() },
      ),
    ];
    expect(messages(noWorldOpenWebPorts, resources, "prod")).toEqual([
      `the rule admits 0.0.0.0/0 to 443 (HTTPS)${WEB_TAIL}`,
      `the rule admits 0.0.0.0/0 to 80 (HTTP)${WEB_TAIL}`,
      `ingress[0] admits 0.0.0.0/0 to 80 (HTTP)${WEB_TAIL}`,
      `the rule admits ::/0 to 80 (HTTP)${WEB_TAIL}`,
    ]);
  });

  it("fails 80/443 from anywhere in prod when the group or rule is not the marked web entry", () => {
    const unmarked = ingressRule(
      "host-https",
      { fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0", description: "HTTPS" },
      "prod",
    );
    const inline = group("app-sg", [tcp(80, { v4: ["0.0.0.0/0"] })], {}, "prod");
    expect(messages(noWorldOpenWebPorts, [unmarked, inline], "prod")).toEqual([
      `the rule admits 0.0.0.0/0 to 443 (HTTPS)${WEB_TAIL}`,
      `ingress[0] admits 0.0.0.0/0 to 80 (HTTP)${WEB_TAIL}`,
    ]);
  });

  it("fails the host's marked web entry in dev: the exception is prod-only", () => {
    const marked = markedRule(
      "dev-host-web-entry-http-ipv6",
      { fromPort: 80, toPort: 80, cidrIpv6: "::/0" },
      hostGroup("dev"),
      "dev",
    );
    expect(messages(noWorldOpenWebPorts, [marked], "dev")).toEqual([`the rule admits ::/0 to 80 (HTTP)${WEB_TAIL}`]);
  });

  it("does not extend to other ports on the web entry", () => {
    const entry = group("web-entry-sg", [tcp(22, { v4: ["0.0.0.0/0"] })], {}, "prod");
    expect(run(noWorldOpenWebPorts, [entry], "prod")).toEqual([]);
    expect(messages(noWorldOpenAdminPorts, [entry], "prod")).toEqual([
      `ingress[0] admits 0.0.0.0/0 to admin port 22 (SSH)${ADMIN_TAIL}`,
    ]);
  });

  it("fails a marked web-entry rule that opens a range, another port or another protocol (one TCP 80/443 each)", () => {
    const shape = (protocol: string, from: number, to: number) =>
      markedRule("prod-host-web-entry-x", { ipProtocol: protocol, fromPort: from, toPort: to, cidrIpv4: "0.0.0.0/0" });
    const misuse = (opening: string) =>
      `The rule is tagged startup-infra:exception = prod-web-entry but opens ${opening}: the exception covers only ` +
      "TCP port 80 or 443, one port per rule (fromPort = toPort), on the registry host's own web-entry rules in prod " +
      "(CKV_AWS_260).";
    expect(messages(noWorldOpenWebPorts, [shape("tcp", 24, 1000)], "prod")).toEqual([
      misuse("tcp 24-1000"),
      `the rule admits 0.0.0.0/0 to 80 (HTTP), 443 (HTTPS)${WEB_TAIL}`,
    ]);
    expect(messages(noWorldOpenWebPorts, [shape("tcp", 80, 443)], "prod")).toEqual([
      misuse("tcp 80-443"),
      `the rule admits 0.0.0.0/0 to 80 (HTTP), 443 (HTTPS)${WEB_TAIL}`,
    ]);
    expect(messages(noWorldOpenWebPorts, [shape("udp", 443, 443)], "prod")).toEqual([
      misuse("udp 443"),
      `the rule admits 0.0.0.0/0 to 443 (HTTPS)${WEB_TAIL}`,
    ]);
    expect(messages(noWorldOpenWebPorts, [shape("tcp", 8443, 8443)], "prod")).toEqual([misuse("tcp 8443")]);
    expect(messages(noWorldOpenWebPorts, [shape("-1", 0, 0)], "prod")).toEqual([
      misuse("all protocols and ports"),
      `the rule admits 0.0.0.0/0 to 80 (HTTP), 443 (HTTPS)${WEB_TAIL}`,
    ]);
    // The exact shape passes, also with the protocol number the API may report.
    expect(run(noWorldOpenWebPorts, [shape("tcp", 443, 443), shape("6", 80, 80)], "prod")).toEqual([]);
  });

  it("fails web ports from halves of the internet or a wide IPv6 range, not only /0", () => {
    const halves = sgRule("halves", { fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/1", "128.0.0.0/1"] });
    const v6 = ingressRule("v6", { fromPort: 80, toPort: 80, cidrIpv6: "2000::/3" });
    expect(messages(noWorldOpenWebPorts, [halves, v6], "prod")).toEqual([
      `the rule admits 0.0.0.0/1, 128.0.0.0/1 to 443 (HTTPS)${WEB_TAIL}`,
      `the rule admits 2000::/3 to 80 (HTTP)${WEB_TAIL}`,
    ]);
    const covering = group("covering", [
      tcp(443, { v4: ["0.0.0.0/2", "64.0.0.0/2"] }),
      tcp(443, { v4: ["128.0.0.0/1"] }),
    ]);
    expect(messages(noWorldOpenWebPorts, [covering], "dev", { minIpv4PrefixLength: 0 })).toEqual([
      "its rules admits 0.0.0.0/2, 64.0.0.0/2, 128.0.0.0/1 (together the whole IPv4 internet) to 443 (HTTPS): web " +
        "ports open to the internet or to ranges wider than /0 (IPv4) or /32 (IPv6) are allowed only by the " +
        'exception "prod-web-entry" (prod stack, the registry host\'s own web-entry rules, tagged ' +
        "startup-infra:exception = prod-web-entry, one TCP port 80 or 443 each) (CKV_AWS_260).",
    ]);
  });

  it("passes web ports from a restricted CIDR", () => {
    expect(
      run(noWorldOpenWebPorts, [ingressRule("https", { fromPort: 443, toPort: 443, cidrIpv4: "198.51.100.0/24" })]),
    ).toEqual([]);
  });
});

describe("security-group-description (CKV_AWS_23 / AWS-0099)", () => {
  const message = "Security group has no description of its own: say what it admits and why (CKV_AWS_23 / AWS-0099).";
  it("fails a missing, empty or provider-default description", () => {
    const resources = [
      planned(SG, "none", {}),
      planned(SG, "empty", { description: " " }),
      planned(SG, "default", { description: "Managed by Pulumi" }),
    ];
    expect(messages(securityGroupDescription, resources)).toEqual([message, message, message]);
  });
  it("passes a description of its own", () => {
    expect(
      run(securityGroupDescription, [planned(SG, "db", { description: "postgres from the host group only" })]),
    ).toEqual([]);
  });
});

describe("security-group-rule-description (CKV_AWS_23 / AWS-0124)", () => {
  const ruleMessage = "Security group rule has no description: say what it admits and why (CKV_AWS_23 / AWS-0124).";
  it("fails inline ingress and egress without a description", () => {
    const sg = planned(SG, "g", {
      description: "g",
      ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }],
      egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "" }],
    });
    expect(messages(securityGroupRuleDescription, [sg])).toEqual([
      "ingress[0] has no description: say what it admits and why (CKV_AWS_23 / AWS-0124).",
      "egress[0] has no description: say what it admits and why (CKV_AWS_23 / AWS-0124).",
    ]);
  });
  it("fails each rule resource type without a description", () => {
    const resources = [
      planned(SG_RULE, "a", { type: "ingress", fromPort: 22, toPort: 22 }),
      planned(INGRESS_RULE, "b", { fromPort: 22, toPort: 22 }),
      planned(EGRESS_RULE, "c", { ipProtocol: "-1", description: "" }),
    ];
    expect(messages(securityGroupRuleDescription, resources)).toEqual([ruleMessage, ruleMessage, ruleMessage]);
  });
  it("passes described rules of every type", () => {
    const resources = [
      planned(SG, "g", { description: "g", ingress: [tcp(443, { v4: ["0.0.0.0/0"] }, "HTTPS")], egress: [] }),
      planned(SG_RULE, "a", { type: "ingress", description: "SSH from admins" }),
      planned(INGRESS_RULE, "b", { description: "postgres from host" }),
      planned(EGRESS_RULE, "c", { description: "all out" }),
    ];
    expect(run(securityGroupRuleDescription, resources)).toEqual([]);
  });
});

describe("default-security-group-no-rules (CKV2_AWS_12 / AWS-0173)", () => {
  const DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";
  it("fails a default security group with rules", () => {
    const dsg = planned(DEFAULT_SG, "default", {
      ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, self: true }],
      egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }, { protocol: "tcp" }],
    });
    expect(messages(defaultSecurityGroupNoRules, [dsg])).toEqual([
      "The VPC's default security group has 1 ingress and 2 egress rule(s): it must allow nothing, so anything " +
        "launched without an explicit group is isolated (CKV2_AWS_12 / AWS-0173).",
    ]);
  });
  it("passes an empty or rule-less default security group", () => {
    const resources = [planned(DEFAULT_SG, "a", { ingress: [], egress: [] }), planned(DEFAULT_SG, "b", {})];
    expect(run(defaultSecurityGroupNoRules, resources)).toEqual([]);
  });
});

describe("VPC stack rules", () => {
  const vpc = (stack = "dev") => planned("aws:ec2/vpc:Vpc", "main-vpc", { cidrBlock: "10.0.0.0/16" }, { stack });

  it("vpc-default-security-group-managed: fails a VPC whose default group is not managed, passes one that is", () => {
    const v = vpc();
    expect(run(vpcDefaultSecurityGroupManaged, [v])).toEqual([
      {
        policy: "vpc-default-security-group-managed",
        enforcementLevel: "mandatory",
        urn: v.urn,
        message:
          "VPC main-vpc has no ec2.DefaultSecurityGroup: its default security group keeps AWS's " +
          "allow-all-between-members rule; manage it with no rules (CKV2_AWS_12 / AWS-0173).",
      },
    ]);
    const dsg = planned(
      "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
      "d",
      { vpcId: "vpc-1" },
      { dependsOn: [v] },
    );
    expect(run(vpcDefaultSecurityGroupManaged, [v, dsg])).toEqual([]);
  });

  it("private-subnets-no-public-ip (CKV_AWS_130 / AWS-0164): fails subnet-group and private-named subnets that map public IPs", () => {
    const dbSubnet = planned("aws:ec2/subnet:Subnet", "db-a", { mapPublicIpOnLaunch: true });
    const privateNamed = planned("aws:ec2/subnet:Subnet", "net-private-2", { mapPublicIpOnLaunch: true });
    const publicSubnet = planned("aws:ec2/subnet:Subnet", "net-public-1", { mapPublicIpOnLaunch: true });
    const okPrivate = planned("aws:ec2/subnet:Subnet", "net-private-3", { mapPublicIpOnLaunch: false });
    const subnetGroup = planned(
      "aws:rds/subnetGroup:SubnetGroup",
      "db-subnets",
      { subnetIds: ["subnet-1"] },
      { dependsOn: [dbSubnet] },
    );
    const found = run(privateSubnetsNoPublicIp, [dbSubnet, privateNamed, publicSubnet, okPrivate, subnetGroup]);
    expect(found.map((v) => v.urn)).toEqual([dbSubnet.urn, privateNamed.urn]);
    expect(found[0]!.message).toBe(
      "Private subnet db-a gives instances a public address on launch: set mapPublicIpOnLaunch (and " +
        "assignIpv6AddressOnCreation) to false (CKV_AWS_130 / AWS-0164).",
    );
  });

  it("vpc-flow-logs-prod (CKV2_AWS_11 / AWS-0178): fails in prod without a flow log, not in dev", () => {
    const v = vpc("prod");
    expect(messages(vpcFlowLogsProd, [v], "prod")).toEqual([
      "VPC main-vpc has no flow log: prod VPCs record their traffic (CKV2_AWS_11 / AWS-0178).",
    ]);
    expect(run(vpcFlowLogsProd, [vpc()], "dev")).toEqual([]);
    const flowLog = planned(
      "aws:ec2/flowLog:FlowLog",
      "fl",
      { vpcId: "vpc-1", trafficType: "ALL" },
      { stack: "prod", dependsOn: [v] },
    );
    expect(run(vpcFlowLogsProd, [v, flowLog], "prod")).toEqual([]);
  });
});
