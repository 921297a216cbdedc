import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../stacks/config/parse";
import { problems, raw } from "./support/rawConfig";

const HOST = { sshAllowedCidrs: ["203.0.113.10/32"] };

const PROD_SECRETS = { tlsCertificateChain: "pem", tlsPrivateKey: "pem" };
const prodValues = (extra: Record<string, unknown>) => ({
  host: HOST,
  dns: { enabled: true, domain: "example.com" },
  tls: { mode: "provided" },
  ...PROD_SECRETS,
  ...extra,
});

describe("valid configs", () => {
  it("applies the dev defaults", () => {
    const config = parseStackConfig(raw("dev", { host: HOST }));
    expect(config.composition).toBe("dev");
    expect(config.network).toEqual({
      vpcCidr: "10.0.0.0/16",
      publicSubnetCount: 1,
      privateSubnetCount: 2,
      subnetPrefixLength: 24,
      flowLogs: false,
      flowLogRetentionDays: 90,
    });
    expect(config.database).toMatchObject({
      engine: "postgres",
      instanceClass: "db.t4g.micro",
      deletionProtection: false,
    });
    expect(config.dns.enabled).toBe(false);
    expect(config.tls.mode).toBe("self-signed");
    expect(config.sites).toEqual({ docker: "registry", www: 8080, admin: 8081 });
  });

  it("applies the prod defaults, and config values win over them", () => {
    const config = parseStackConfig(
      raw("prod", prodValues({ database: { backupRetentionDays: 21 } }), ["tlsCertificateChain", "tlsPrivateKey"]),
    );
    expect(config.network.publicSubnetCount).toBe(2);
    expect(config.network.flowLogs).toBe(true);
    expect(config.database).toMatchObject({ deletionProtection: true, finalSnapshot: true, backupRetentionDays: 21 });
    expect(config.secretsSet.tlsPrivateKey).toBe(true);
  });

  it("lets a stack with another name pick a composition", () => {
    const config = parseStackConfig(
      raw("prod-eu", { composition: "prod", ...prodValues({}) }, ["tlsCertificateChain", "tlsPrivateKey"]),
    );
    expect(config.composition).toBe("prod");
    expect(config.stack).toBe("prod-eu");
  });

  it("replaces the sites map as a whole instead of merging it with the defaults", () => {
    const config = parseStackConfig(raw("dev", { host: HOST, sites: { api: 9000 } }));
    expect(config.sites).toEqual({ api: 9000 });
  });
});

describe("invalid configs: each problem names the key, what is wrong, and the fix", () => {
  it("rejects a CIDR that is not a CIDR", () => {
    expect(problems(raw("dev", { host: HOST, network: { vpcCidr: "10.0.0.0/33" } }))).toEqual([
      {
        key: "network.vpcCidr",
        message: '"10.0.0.0/33" is not an IPv4 CIDR block such as 10.0.0.0/16.',
        fix: "pulumi config set --path 'network.vpcCidr' 10.0.0.0/16",
      },
    ]);
  });

  it("rejects a CIDR with host bits set, naming the network address", () => {
    expect(problems(raw("dev", { host: HOST, network: { vpcCidr: "10.0.0.1/16" } }))[0]!.message).toBe(
      '"10.0.0.1/16" has host bits set: the network address of that block is 10.0.0.0/16.',
    );
  });

  it("rejects subnets that do not fit in the VPC", () => {
    expect(
      problems(raw("prod", prodValues({ network: { vpcCidr: "10.0.0.0/23" } }), Object.keys(PROD_SECRETS))),
    ).toEqual([
      {
        key: "network.vpcCidr",
        message:
          "VPC 10.0.0.0/23 is too small for 2 public and 2 private /24 subnets: that needs a VPC of /22 or larger. " +
          "Use a larger network.vpcCidr or a longer network.subnetPrefixLength.",
        fix: "pulumi config set --path 'network.vpcCidr' 10.0.0.0/16",
      },
    ]);
  });

  it("rejects an unknown database engine", () => {
    expect(problems(raw("dev", { host: HOST, database: { engine: "oracle" } }))).toEqual([
      {
        key: "database.engine",
        message: '"oracle" is not one of "postgres", "mysql".',
        fix: "pulumi config set --path 'database.engine' postgres",
      },
    ]);
  });

  it("requires a domain when DNS is enabled", () => {
    expect(problems(raw("dev", { host: HOST, dns: { enabled: true } }))).toEqual([
      {
        key: "dns.domain",
        message: "is required when dns.enabled is true.",
        fix: "pulumi config set --path 'dns.domain' example.com",
      },
    ]);
  });

  it("requires at least one SSH CIDR, with a fix that sets the first element", () => {
    expect(problems(raw("dev", { host: { sshAllowedCidrs: [] } }))).toEqual([
      {
        key: "host.sshAllowedCidrs",
        message: "must list at least one CIDR block: SSH is needed to provision the host.",
        fix: "pulumi config set --path 'host.sshAllowedCidrs[0]' 203.0.113.10/32",
      },
    ]);
  });

  it("reports a missing host section as the missing SSH allow list", () => {
    expect(problems(raw("dev", {})).map((p) => `${p.key}: ${p.message}`)).toEqual([
      "host.sshAllowedCidrs: is required.",
    ]);
  });

  it("rejects a bad CIDR inside a list, naming its index", () => {
    expect(problems(raw("dev", { host: { sshAllowedCidrs: ["203.0.113.10/32", "my-office"] } }))[0]).toMatchObject({
      key: "host.sshAllowedCidrs[1]",
      message: '"my-office" is not an IPv4 CIDR block such as 10.0.0.0/16.',
    });
  });

  it("names an unknown top-level key and suggests the closest one", () => {
    expect(problems(raw("dev", { host: HOST, netwrok: { vpcCidr: "10.0.0.0/16" } }))).toEqual([
      {
        key: "netwrok",
        message: 'is not a setting of this program (did you mean "network"?).',
        fix: "pulumi config rm netwrok && pulumi config set --path 'network.vpcCidr' 10.0.0.0/16",
      },
    ]);
  });

  it("names an unknown nested setting", () => {
    expect(problems(raw("dev", { host: { ...HOST, sshPort: 2222 } }))).toEqual([
      { key: "host.sshPort", message: "is not a known setting.", fix: "pulumi config rm --path 'host.sshPort'" },
    ]);
  });

  it.each([
    [
      "database",
      { engin: "mysql" },
      "database.engin",
      "database.engine",
      "pulumi config set --path 'database.engine' mysql",
    ],
    [
      "host",
      { ...HOST, sshAllowedCidr: ["198.51.100.0/24"] },
      "host.sshAllowedCidr",
      "host.sshAllowedCidrs",
      "pulumi config set --path 'host.sshAllowedCidrs[0]' 198.51.100.0/24",
    ],
  ])("suggests the nearest setting for a mistyped nested key in %s", (section, value, key, near, set) => {
    expect(problems(raw("dev", { host: HOST, [section]: value }))).toEqual([
      {
        key,
        message: `is not a known setting (did you mean "${near}"?).`,
        fix: `pulumi config rm --path '${key}' && ${set}`,
      },
    ]);
  });

  it.each([
    [{ rootVolumeGiB: 8.5 }, "host.rootVolumeGiB", "must be a whole number, got 8.5."],
    [{ rootVolumeGiB: "64" }, "host.rootVolumeGiB", 'must be a number, got "64".'],
    [{ rootVolumeGiB: 8 }, "host.rootVolumeGiB", "must be at least 16, got 8."],
    [{ apiGatewayPort: 70000 }, "host.apiGatewayPort", "must be at most 65535, got 70000."],
    [{ detailedMonitoring: "yes" }, "host.detailedMonitoring", 'must be true or false, got "yes".'],
    [{ instanceType: 3 }, "host.instanceType", "must be text, got 3."],
  ])("words schema problems for people: host %o", (host, key, message) => {
    const found = problems(raw("dev", { host: { ...HOST, ...host } }));
    expect(found.map((p) => [p.key, p.message])).toEqual([[key, message]]);
    expect(found[0]!.message).not.toMatch(/Invalid input|expected int|received|Too (small|big)/);
  });

  it("refuses a secret stored in clear text", () => {
    expect(problems(raw("dev", { host: HOST, sendgridApiKey: "SG.123" }))).toEqual([
      {
        key: "sendgridApiKey",
        message: "holds a secret but is stored in clear text in the stack file.",
        fix: "pulumi config rm sendgridApiKey && pulumi config set --secret sendgridApiKey -- SG.xxxxx",
      },
    ]);
  });

  it("requires the certificate secrets in prod (tls.mode provided)", () => {
    const values = { host: HOST, dns: { enabled: true, domain: "example.com" }, tls: { mode: "provided" } };
    expect(problems(raw("prod", values))).toEqual([
      {
        key: "tlsCertificateChain",
        message: "is required when tls.mode is provided.",
        fix: 'pulumi config set --secret tlsCertificateChain -- "$(cat fullchain.pem)"',
      },
      {
        key: "tlsPrivateKey",
        message: "is required when tls.mode is provided.",
        fix: 'pulumi config set --secret tlsPrivateKey -- "$(cat privkey.pem)"',
      },
    ]);
  });

  it("rejects a floating registry image tag", () => {
    expect(problems(raw("dev", { host: HOST, registry: { image: "registry:latest" } }))[0]).toMatchObject({
      key: "registry.image",
      message: "must not use the floating tag latest: pin a version.",
    });
  });

  it("pins the default registry image by tag and the official index digest", () => {
    const image = parseStackConfig(raw("dev", { host: HOST })).registry.image;
    expect(image).toBe("registry:3.0.0@sha256:6c5666b861f3505b116bb9aa9b25175e71210414bd010d92035ff64018f9457e");
  });

  it.each([
    ["--privileged:3.0.0"],
    ["-registry:3.0.0"],
    ["registry"],
    ["Registry:3.0.0"],
    ["registry:3.0.0@sha256:abc"],
    ["registry:latest@sha256:" + "a".repeat(64)],
    ["registry:3 --privileged"],
  ])("rejects the image reference %j", (image) => {
    const found = problems(raw("dev", { host: HOST, registry: { image } }));
    expect(found.map((p) => p.key)).toEqual(["registry.image"]);
  });

  it.each([
    ["registry:3.0.0"],
    ["registry@sha256:" + "a".repeat(64)],
    ["ghcr.io/distribution/distribution:3.0.0@sha256:" + "a".repeat(64)],
    ["registry.example.com:5000/mirror/registry:3.0.0"],
  ])("accepts the pinned image reference %j", (image) => {
    expect(parseStackConfig(raw("dev", { host: HOST, registry: { image } })).registry.image).toBe(image);
  });

  it("rejects a reserved database user name", () => {
    expect(problems(raw("dev", { host: HOST, database: { username: "admin" } }))[0]).toMatchObject({
      key: "database.username",
      message: "is reserved by RDS: choose another name.",
    });
  });

  it("rejects a plain value where an object of settings is expected", () => {
    expect(problems(raw("dev", { host: HOST, network: "10.0.0.0/16" }))[0]).toEqual({
      key: "network",
      message: 'must be an object of settings, got the plain value "10.0.0.0/16".',
      fix: "pulumi config rm network && pulumi config set --path 'network.<setting>' '<value>'",
    });
  });

  it("rejects an unknown stack name without a composition, listing the known ones", () => {
    expect(problems(raw("staging", { host: HOST }))).toEqual([
      {
        key: "composition",
        message: 'stack "staging" is not one of the known compositions (dev, prod); say which one builds it.',
        fix: "pulumi config set composition prod",
      },
    ]);
  });

  it("rejects an unknown composition name", () => {
    expect(problems(raw("staging", { composition: "qa", host: HOST }))[0]!.message).toBe(
      '"qa" is not a known composition; known compositions: dev, prod.',
    );
  });

  it("lists every problem at once, and the error message carries them all", () => {
    const input = raw("dev", {
      host: { sshAllowedCidrs: ["bad"] },
      network: { vpcCidr: "300.0.0.0/16" },
      database: { engine: "oracle" },
      dns: { enabled: true },
    });
    expect(problems(input).map((p) => p.key)).toEqual([
      "network.vpcCidr",
      "host.sshAllowedCidrs[0]",
      "database.engine",
    ]);
    expect(() => parseStackConfig(input)).toThrow(/Invalid configuration for stack "dev": 3 problems\./);
  });
});
