// tls.mode acme: defaults, the directory URL, and every refusal naming its key and fix.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../stacks/config/parse";
import { LETS_ENCRYPT_PRODUCTION, LETS_ENCRYPT_STAGING, acmeDirectoryUrl } from "../../stacks/config/sections/tls";
import { tlsModeSummary } from "../../stacks/host";
import { problems, raw } from "./support/rawConfig";
import { PROJECT_DIR } from "./support/runStack";

const HOST = { sshAllowedCidrs: ["203.0.113.10/32"] };
const DNS = { enabled: true, domain: "example.com" };

function prod(tls: Record<string, unknown>, dns: Record<string, unknown> = DNS) {
  return raw("prod", { host: HOST, dns, tls });
}

describe("tls.mode acme: valid configs", () => {
  it("is prod's default and needs only the email; http-01 against Let's Encrypt production", () => {
    const config = parseStackConfig(prod({ acme: { email: "ops@example.com" } }));
    expect(config.tls.mode).toBe("acme");
    expect(config.tls.acme).toEqual({ email: "ops@example.com", staging: false, challenge: "http-01" });
    expect(acmeDirectoryUrl(config.tls.acme)).toBe(LETS_ENCRYPT_PRODUCTION);
    expect(tlsModeSummary(config)).toBe(`acme (http-01, ${LETS_ENCRYPT_PRODUCTION})`);
    expect(config.secretsSet.tlsCertificateChain).toBe(false);
  });

  it("staging switches the directory; an explicit directory wins otherwise", () => {
    const staging = parseStackConfig(prod({ acme: { email: "ops@example.com", staging: true } }));
    expect(acmeDirectoryUrl(staging.tls.acme)).toBe(LETS_ENCRYPT_STAGING);
    const custom = parseStackConfig(
      prod({ acme: { email: "ops@example.com", directoryUrl: "https://ca.internal.example:9000/acme/dir" } }),
    );
    expect(acmeDirectoryUrl(custom.tls.acme)).toBe("https://ca.internal.example:9000/acme/dir");
  });

  it("dns-01 with a Route53 zone", () => {
    const config = parseStackConfig(prod({ acme: { email: "ops@example.com", challenge: "dns-01" } }));
    expect(config.tls.acme.challenge).toBe("dns-01");
  });

  it("dev keeps the self-signed CA by default", () => {
    expect(parseStackConfig(raw("dev", { host: HOST })).tls.mode).toBe("self-signed");
  });
});

describe("tls.mode acme: refusals", () => {
  it("requires the email", () => {
    expect(problems(prod({}))).toEqual([
      {
        key: "tls.acme.email",
        message: "is required when tls.mode is acme: the CA sends expiry and account notices there.",
        fix: "pulumi config set --path 'tls.acme.email' ops@example.com",
      },
    ]);
  });

  it("refuses a malformed email and a non-https directory", () => {
    const found = problems(prod({ acme: { email: "not-an-email", directoryUrl: "http://ca.example/dir" } }));
    expect(found.map((p) => p.key)).toEqual(["tls.acme.email", "tls.acme.directoryUrl"]);
    expect(found[0]!.message).toMatch(/email/);
    expect(found[1]!.message).toMatch(/https/);
  });

  it("refuses staging together with a directory URL", () => {
    const found = problems(
      prod({ acme: { email: "ops@example.com", staging: true, directoryUrl: "https://ca.example/dir" } }),
    );
    expect(found).toEqual([expect.objectContaining({ key: "tls.acme.staging" })]);
  });

  it("refuses an unknown challenge type", () => {
    const found = problems(prod({ acme: { email: "ops@example.com", challenge: "tls-alpn-01" } }));
    expect(found).toEqual([expect.objectContaining({ key: "tls.acme.challenge" })]);
    expect(found[0]!.message).toContain('"http-01", "dns-01"');
  });

  it("refuses dns-01 without a Route53 zone", () => {
    const found = problems(
      prod({ acme: { email: "ops@example.com", challenge: "dns-01" } }, { ...DNS, provider: "azure" }),
    );
    expect(found).toContainEqual({
      key: "tls.acme.challenge",
      message:
        "is dns-01, which writes _acme-challenge TXT records into the stack's Route53 zone: it needs dns.enabled " +
        "true and dns.provider route53 (or use http-01).",
      fix: "pulumi config set --path 'tls.acme.challenge' http-01",
    });
  });

  it("refuses acme in dev, explaining IP identifiers (RFC 8738)", () => {
    const found = problems(
      raw("dev", { host: HOST, dns: DNS, tls: { mode: "acme", acme: { email: "ops@example.com" } } }),
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ key: "tls.mode", fix: "pulumi config set --path 'tls.mode' self-signed" });
    expect(found[0]!.message).toContain("RFC 8738");
  });

  it("refuses an unknown acme setting", () => {
    expect(problems(prod({ acme: { email: "ops@example.com", mail: "x" } }))).toEqual([
      {
        key: "tls.acme.mail",
        message: 'is not a known setting (did you mean "tls.acme.email"?).',
        fix: "pulumi config rm --path 'tls.acme.mail' && pulumi config set --path 'tls.acme.email' ops@example.com",
      },
    ]);
  });
});

describe("what the stack files and docs say about dns-01", () => {
  // lego (dns01 precheck: its resolvers) and the CA (its own resolvers) look the _acme-challenge TXT records up in
  // public DNS: records in a Route53 zone the registrar does not delegate to are seen by neither.
  const files = [
    "Pulumi.prod.yaml",
    "Pulumi.dev.yaml",
    "README.md",
    "stacks/config/sections/tls.ts",
    ...readdirSync(join(PROJECT_DIR, "docs"))
      .filter((f) => f.endsWith(".md"))
      .map((f) => `docs/${f}`),
  ];

  it("never claims it works before the zone is delegated", () => {
    for (const f of files) {
      const text = readFileSync(join(PROJECT_DIR, f), "utf8").replace(/\s*\n\s*(#|\*)?\s*/g, " ");
      expect(text, f).not.toMatch(/works before (the zone is )?delegat/i);
      expect(text, f).not.toMatch(/dns-01[^.]*\bwithout (the zone being )?delegat/i);
    }
  });

  it("the prod stack file says dns-01 needs the zone delegated", () => {
    const text = readFileSync(join(PROJECT_DIR, "Pulumi.prod.yaml"), "utf8").replace(/\s*\n\s*#\s*/g, " ");
    expect(text).toMatch(/dns-01 \(Route53\)[^.]*needs the zone delegated/);
  });
});
