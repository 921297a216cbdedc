import { beforeAll, describe, expect, it } from "vitest";
import { runStack, type StackRun } from "./support/runStack";

let run: StackRun;
beforeAll(async () => {
  run = await runStack("dev");
});

describe("dev stack under mocks: network", () => {
  it("creates one VPC 10.0.0.0/16 with DNS support and hostnames", () => {
    const vpcs = run.ofType("aws:ec2/vpc:Vpc");
    expect(vpcs).toHaveLength(1);
    expect(vpcs[0]!.props).toMatchObject({
      cidrBlock: "10.0.0.0/16",
      enableDnsSupport: true,
      enableDnsHostnames: true,
    });
  });

  it("has one public subnet and two private subnets in distinct AZs, none mapping public IPs", () => {
    const subnets = run.ofType("aws:ec2/subnet:Subnet");
    const pub = subnets.filter((s) => s.props.tags.Tier === "public");
    const priv = subnets.filter((s) => s.props.tags.Tier === "private");
    expect(pub.map((s) => s.props.cidrBlock)).toEqual(["10.0.0.0/24"]);
    expect(priv.map((s) => s.props.cidrBlock)).toEqual(["10.0.128.0/24", "10.0.129.0/24"]);
    expect(new Set(priv.map((s) => s.props.availabilityZone)).size).toBe(2);
    for (const s of subnets) expect(s.props.mapPublicIpOnLaunch).toBe(false);
  });

  it("routes 0.0.0.0/0 to the internet gateway only from the public route table", () => {
    const routes = run.ofType("aws:ec2/route:Route");
    expect(routes).toHaveLength(1);
    expect(routes[0]!.props.destinationCidrBlock).toBe("0.0.0.0/0");
    expect(routes[0]!.props.gatewayId).toMatch(/^igw-/);
    const privateRt = run.named("dev-private-rt");
    expect(privateRt.props.routes ?? []).toEqual([]);
  });

  it("strips every rule from the VPC's default security group", () => {
    const sg = run.named("dev-default-sg");
    expect(sg.props.ingress).toEqual([]);
    expect(sg.props.egress).toEqual([]);
  });

  it("has no flow logs in dev", () => {
    expect(run.ofType("aws:ec2/flowLog:FlowLog")).toHaveLength(0);
  });
});

describe("dev stack under mocks: database", () => {
  it("is private, encrypted, on the current CA, free-tier sized, without dev-only protections", () => {
    const db = run.named("dev-database-db").props;
    expect(db).toMatchObject({
      engine: "postgres",
      instanceClass: "db.t4g.micro",
      allocatedStorage: 20,
      publiclyAccessible: false,
      storageEncrypted: true,
      caCertIdentifier: "rds-ca-rsa2048-g1",
      deletionProtection: false,
      skipFinalSnapshot: true,
      backupRetentionPeriod: 1,
    });
    expect(run.named("dev-database-db").protect).toBe(false);
  });

  it("forces TLS through its parameter group", () => {
    const params = run.named("dev-database-params").props;
    expect(params.family).toBe("postgres16");
    expect(params.parameters).toContainEqual(expect.objectContaining({ name: "rds.force_ssl", value: "1" }));
  });

  it("admits 5432 only from the host's security group, never from a CIDR", () => {
    const dbSg = run.named("dev-database-sg");
    const rules = run
      .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
      .filter((r) => r.parent === dbSg.urn);
    expect(rules).toHaveLength(1);
    const hostSg = run.named("dev-host-sg");
    expect(rules[0]!.props).toMatchObject({ fromPort: 5432, toPort: 5432, ipProtocol: "tcp" });
    expect(rules[0]!.props.cidrIpv4).toBeUndefined();
    expect(rules[0]!.props.cidrIpv6).toBeUndefined();
    expect(rules[0]!.dependsOn).toContain(hostSg.urn);
  });

  it("keeps the database password secret in the outputs", () => {
    expect(run.outputs.databasePassword!.secret).toBe(true);
    // Only a point-in-time restore has a follow-up (restore-stack.test.ts).
    expect(run.outputs.databaseRestoreFollowUp?.value).toBeUndefined();
    expect(typeof run.outputs.databasePassword!.value).toBe("string");
  });
});

describe("dev stack under mocks: DNS", () => {
  it("creates no zone when dns.enabled is false (the dev default)", () => {
    expect(run.ofType("aws:route53/zone:Zone")).toHaveLength(0);
    expect(run.outputs.dnsNameServers?.value).toBeUndefined();
  });
});
