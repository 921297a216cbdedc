// The prod stack as its stack file stands (tls.mode acme, http-01), under the mock engine.
import { beforeAll, describe, expect, it } from "vitest";
import { runStack, type StackRun } from "./support/runStack";

let run: StackRun;
beforeAll(async () => {
  run = await runStack("prod");
});

describe("prod host: ACME (stack file default)", () => {
  it("ships the ACME tool and no certificate or key; nothing TLS-related is secret", () => {
    const paths = run.hostFiles.map((f) => f.path);
    expect(paths).toContain("/usr/local/sbin/registry-acme");
    expect(paths).toContain("/etc/registry-acme/acme.conf");
    expect(paths.filter((p) => p.startsWith("/etc/nginx/tls/"))).toEqual([]);
    const config = run.hostFiles.find((f) => f.path === "/etc/registry-acme/acme.conf")!.content;
    expect(config).toContain("ACME_DOMAINS='admin.example.com docker.example.com www.example.com'");
    expect(config).toContain("ACME_SERVER='https://acme-v02.api.letsencrypt.org/directory'");
    expect(config).toContain("ACME_EMAIL='ops@example.com'");
  });

  it("says which mode it uses and where to read the expiry", () => {
    expect(run.outputs.tlsMode).toEqual({
      value: "acme (http-01, https://acme-v02.api.letsencrypt.org/directory)",
      secret: false,
    });
    expect(String(run.outputs.tlsCertificateExpiry!.value)).toContain("registry-acme status");
    expect(run.outputs.registryAddress!.value).toBe("docker.example.com");
  });

  it("adds the acme-prepare step and gives the host's role no Route53 permission (http-01 needs none)", () => {
    const steps = run.ofType("command:remote:Command").map((c) => c.name);
    expect(steps).toEqual([
      "prod-host-wait-ready",
      "prod-host-install-packages",
      "prod-host-prepare-data-volume",
      "prod-host-install-files",
      "prod-host-acme-prepare",
      "prod-host-apply-config",
      "prod-host-health-check",
      "prod-host-install-cloudwatch-agent",
    ]);
    const route53 = run
      .ofType("aws:iam/rolePolicy:RolePolicy")
      .filter((p) => (p.props.policy as string).includes("route53:"));
    expect(route53).toEqual([]);
  });
});
