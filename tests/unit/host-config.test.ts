import { describe, expect, it } from "vitest";
import { ConfigError } from "../../stacks/config/errors";
import { parseStackConfig, type StackConfig } from "../../stacks/config/parse";
import { PROJECT } from "../../stacks/config/schema";
import { loadStackFile } from "../../scripts/plan/stackConfig";
import { PROJECT_DIR } from "./support/runStack";

/** Parses the stack file's config with `sections` merged over it (section by section, one level deep). */
function parse(stack: "dev" | "prod", sections: Record<string, Record<string, unknown>> = {}, secrets: string[] = []) {
  const file = loadStackFile(PROJECT_DIR, stack);
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(file.config)) values[k.slice(PROJECT.length + 1)] = v;
  for (const [key, over] of Object.entries(sections)) {
    const current = values[key] ? (JSON.parse(values[key]) as Record<string, unknown>) : {};
    values[key] = JSON.stringify({ ...current, ...over });
  }
  for (const s of secrets) values[s] = "-----BEGIN X-----";
  return parseStackConfig({ stack, values, secretKeys: new Set(secrets) });
}

const PROD_SECRETS = ["tlsCertificateChain", "tlsPrivateKey"];

function problems(
  stack: "dev" | "prod",
  sections: Record<string, Record<string, unknown>>,
): { key: string; message: string }[] {
  try {
    parse(stack, sections, stack === "prod" ? PROD_SECRETS : []);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems.map(({ key, message }) => ({ key, message }));
  }
  return [];
}

describe("host, registry and TLS config: defaults", () => {
  it("documents and applies the defaults the host uses", () => {
    const dev: StackConfig = parse("dev");
    expect(dev.host).toMatchObject({ provisionTimeoutMinutes: 20, detailedMonitoring: false, rootVolumeGiB: 64 });
    expect(dev.tls).toMatchObject({ mode: "self-signed", minRemainingDays: 14 });
    const prod = parse("prod", {}, PROD_SECRETS);
    expect(prod.host.detailedMonitoring).toBe(true);
    // prod's stack file: the host obtains its certificate (ACME, Let's Encrypt production, http-01).
    expect(prod.tls).toMatchObject({ mode: "acme", acme: { email: "ops@example.com", challenge: "http-01" } });
    expect(prod.tls.acme.staging).toBe(false);
  });

  it("accepts an empty dev registry allow list (the port then stays closed)", () => {
    expect(problems("dev", { host: { registryAllowedCidrs: [] } })).toEqual([]);
  });
});

describe("host, registry and TLS config: cross-field rules", () => {
  it("leaves world-open SSH to the policy pack (the plan exits 1 naming the rule, see plan-cli.test.ts)", () => {
    expect(problems("prod", { host: { sshAllowedCidrs: ["0.0.0.0/0"] } })).toEqual([]);
  });

  it("refuses a published port that belongs to an admin service, and clashing dev ports", () => {
    expect(problems("dev", { registry: { port: 2376 } })).toEqual([
      { key: "registry.port", message: "is 2376, which belongs to Docker daemon TLS; choose another port." },
    ]);
    expect(problems("dev", { host: { apiGatewayPort: 21 } })).toEqual([
      { key: "host.apiGatewayPort", message: "is 21, which belongs to FTP; choose another port." },
    ]);
    expect(problems("dev", { host: { apiGatewayPort: 5000 } })).toEqual([
      { key: "host.apiGatewayPort", message: "is 5000, the same port as registry.port; they must differ." },
    ]);
  });

  it("refuses dev-only allow lists in prod", () => {
    expect(problems("prod", { host: { registryAllowedCidrs: ["0.0.0.0/0"] } })).toEqual([
      {
        key: "host.registryAllowedCidrs",
        message: "is a dev-only setting: in prod only Nginx (80/443) and SSH are reachable.",
      },
    ]);
  });

  it("prod needs a registry site (also with a self-signed certificate) and free upstream ports", () => {
    expect(problems("prod", { tls: { mode: "self-signed" }, sites: { docker: 8080, www: 8081 } })).toContainEqual({
      key: "sites",
      message:
        "has no site for the registry (e.g. docker: registry): in prod the registry is reached only through Nginx.",
    });
    expect(problems("prod", { sites: { docker: "registry", www: 5000 } })).toEqual([
      {
        key: "sites.www",
        message: "proxies to port 5000, which is taken by the registry, Nginx or an admin service.",
      },
    ]);
  });

  it("refuses prod without a pinned host key; dev may opt out; an own pin is enough", () => {
    expect(problems("prod", { host: { generateSshHostKey: false } })).toEqual([
      { key: "host.generateSshHostKey", message: expect.stringMatching(/Prod needs a pinned host key/) },
    ]);
    expect(problems("dev", { host: { generateSshHostKey: false } })).toEqual([]);
    const pin = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJPMVIP+1OQNhT0Tcn0oowZ92HSssUmbyCbAeBAFtJhV root@host";
    expect(problems("prod", { host: { generateSshHostKey: false, sshHostKey: pin } })).toEqual([]);
    expect(parse("prod", {}, PROD_SECRETS).host.generateSshHostKey).toBe(true);
  });

  it("accepts site access lists for prod sites only", () => {
    expect(problems("prod", { host: { siteAllowedCidrs: { admin: ["203.0.113.0/24"] } } })).toEqual([]);
    expect(problems("prod", { host: { siteAllowedCidrs: { api: ["203.0.113.0/24"] } } })).toEqual([
      { key: "host.siteAllowedCidrs.api", message: "names no site (sites are docker, www, admin)." },
    ]);
    expect(problems("dev", { host: { siteAllowedCidrs: { admin: ["203.0.113.0/24"] } } })).toEqual([
      { key: "host.siteAllowedCidrs.admin", message: expect.stringMatching(/is a prod setting/) },
    ]);
    expect(problems("prod", { host: { siteAllowedCidrs: { admin: ["203.0.113.7/24"] } } })[0]!.key).toBe(
      "host.siteAllowedCidrs.admin[0]",
    );
  });

  it("keeps the CA longer-lived than the leaf", () => {
    expect(problems("dev", { tls: { caValidityDays: 100, certificateValidityDays: 200 } })).toEqual([
      {
        key: "tls.certificateValidityDays",
        message: "(200) outlives tls.caValidityDays (100): the CA must outlive the certificates it signs.",
      },
    ]);
  });

  it("catches an amd64 AMI pattern on a Graviton instance type, unless the AMI is pinned", () => {
    expect(problems("dev", { host: { instanceType: "m7g.xlarge" } })).toEqual([
      {
        key: "host.amiNamePattern",
        message: "looks for amd64 images but host.instanceType m7g.xlarge is arm64.",
      },
    ]);
    expect(problems("dev", { host: { instanceType: "g4dn.xlarge" } })).toEqual([]);
    expect(problems("dev", { host: { instanceType: "m7g.xlarge", amiId: "ami-0123456789abcdef0" } })).toEqual([]);
  });

  it("dev with a bought certificate needs a domain and a registry site", () => {
    expect(problems("dev", { tls: { mode: "provided" } })).toContainEqual(expect.objectContaining({ key: "tls.mode" }));
  });
});
