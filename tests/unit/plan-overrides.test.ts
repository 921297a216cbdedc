// The offline plan's --config-file: applied like `pulumi config set --path` (objects merged, arrays replaced), and
// every key either applied or refused with the file and key named.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadStackFile, mergeOverride, StackFileError } from "../../scripts/plan/stackConfig";
import { parseStackConfig } from "../../stacks/config/parse";
import { PROJECT_DIR } from "./support/runStack";

const work = mkdtempSync(join(tmpdir(), "plan-overrides-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function file(name: string, yaml: string): string {
  const path = join(work, name);
  writeFileSync(path, yaml);
  return path;
}

/** The stack's project settings after the override, decoded from the engine's JSON strings. */
function settings(stack: string, override?: string): Record<string, any> {
  const loaded = loadStackFile(PROJECT_DIR, stack, override);
  return Object.fromEntries(
    Object.entries(loaded.config)
      .filter(([k]) => k.startsWith("startup-infra:"))
      .map(([k, v]) => [k.slice("startup-infra:".length), v.startsWith("{") || v.startsWith("[") ? JSON.parse(v) : v]),
  );
}

function refusal(stack: string, override: string): string {
  try {
    loadStackFile(PROJECT_DIR, stack, override);
  } catch (e) {
    expect(e).toBeInstanceOf(StackFileError);
    return (e as Error).message;
  }
  throw new Error("expected the override file to be refused");
}

describe("mergeOverride (pulumi config set --path semantics)", () => {
  it("merges objects key by key, recursively, and replaces arrays and plain values", () => {
    expect(
      mergeOverride(
        { location: "koreacentral", enabled: true, keyVault: { expiryAnchor: "2026-11-25", days: 1 }, list: [1, 2] },
        { location: "westeurope", keyVault: { days: 2 }, list: [3] },
      ),
    ).toEqual({ location: "westeurope", enabled: true, keyVault: { expiryAnchor: "2026-11-25", days: 2 }, list: [3] });
  });

  it("replaces a secure value as a whole", () => {
    expect(mergeOverride({ secure: "v1:abc" }, { secure: "v1:def" })).toEqual({ secure: "v1:def" });
  });
});

describe("loadStackFile with an override file", () => {
  it("a file that sets only azure.location keeps Azure enabled with the stack's other Azure settings", () => {
    const merged = settings("dev", file("az.yaml", "config:\n  startup-infra:azure:\n    location: westeurope\n"));
    const stackOnly = settings("dev");
    expect(merged.azure).toEqual({ ...stackOnly.azure, location: "westeurope" });
    expect(merged.azure.enabled).toBe(true);
  });

  it("a file that sets only host.instanceType keeps the stack's sshAllowedCidrs, and the config is valid", () => {
    const override = file("host.yaml", "config:\n  host:\n    instanceType: t3.small\n");
    const merged = settings("prod", override);
    expect(merged.host).toEqual({ sshAllowedCidrs: ["203.0.113.10/32"], instanceType: "t3.small" });
    const values = Object.fromEntries(
      Object.entries(loadStackFile(PROJECT_DIR, "prod", override).config).map(([k, v]) => [k.split(":")[1]!, v]),
    );
    const secrets = { tlsCertificateChain: "pem", tlsPrivateKey: "pem" };
    const config = parseStackConfig({
      stack: "prod",
      values: { ...values, ...secrets },
      secretKeys: new Set(Object.keys(secrets)),
    });
    expect(config.host.instanceType).toBe("t3.small");
    expect(config.host.sshAllowedCidrs).toEqual(["203.0.113.10/32"]);
  });

  it("replaces a list instead of appending to it", () => {
    const merged = settings("dev", file("cidrs.yaml", "config:\n  host:\n    sshAllowedCidrs: [198.51.100.0/24]\n"));
    expect(merged.host.sshAllowedCidrs).toEqual(["198.51.100.0/24"]);
  });

  it("refuses a file without a top-level config: block, naming what it found", () => {
    const message = refusal("dev", file("noconfig.yaml", "startup-infra:host:\n  instanceType: t3.small\n"));
    expect(message).toContain("noconfig.yaml");
    expect(message).toContain("has no top-level `config:` block; found `startup-infra:host`");
  });

  it("refuses an empty file", () => {
    expect(refusal("dev", file("empty.yaml", ""))).toContain("is empty: it needs a top-level `config:` block");
  });

  it("refuses top-level keys beside config:", () => {
    const message = refusal(
      "dev",
      file("extra.yaml", "config:\n  host:\n    instanceType: t3.small\nsecretsprovider: x\n"),
    );
    expect(message).toContain("top-level keys the plan does not read: `secretsprovider`");
  });

  it("refuses aws:region, naming the key and the setting to use instead", () => {
    const message = refusal("dev", file("region.yaml", "config:\n  aws:region: us-east-1\n"));
    expect(message).toContain("`aws:region` is not applied");
    expect(message).toContain("set `aws.region` under `startup-infra:aws` instead");
  });

  it("refuses any other namespace's key", () => {
    expect(refusal("dev", file("other.yaml", "config:\n  tls:something: 1\n"))).toContain(
      "`tls:something` is not applied",
    );
  });

  it("reports a YAML syntax error with the file, line, column and the parser's message", () => {
    const path = file("broken.yaml", "config:\n  startup-infra:host:\n    instanceType: [t3\n  x: 1\n");
    const message = refusal("dev", path);
    expect(message).toContain(`${path}:4:3: Flow sequence in block collection must be sufficiently indented`);
  });

  it("names a missing override file without blaming the stack name", () => {
    const message = refusal("dev", join(work, "nope.yaml"));
    expect(message).toBe(`plan: --config-file ${join(work, "nope.yaml")}: no such file.`);
  });

  it("lists the stacks that exist when the stack has no stack file", () => {
    try {
      loadStackFile(PROJECT_DIR, "staging");
      throw new Error("expected a StackFileError");
    } catch (e) {
      expect(e).toBeInstanceOf(StackFileError);
      expect((e as Error).message).toContain('there is no stack "staging" (no Pulumi.staging.yaml');
      expect((e as Error).message).toContain("Stacks that exist: dev, prod.");
    }
  });
});
