import { rmSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { mintCa, mintLeaf, tempDir } from "../fixtures/certs";
import { runStack, type StackRun } from "./support/runStack";

let run: StackRun;
beforeAll(async () => {
  const dir = tempDir("azure-off-prod-");
  try {
    const ca = mintCa(dir);
    const leaf = mintLeaf(dir, ca, {
      name: "site",
      dnsNames: ["docker.example.com", "www.example.com", "admin.example.com"],
    });
    // The prod stack file turns Azure on; this run turns it off again (an AWS-only prod).
    run = await runStack(
      "prod",
      { azure: { enabled: false } },
      { tlsCertificateChain: leaf.certPem + ca.certPem, tlsPrivateKey: leaf.keyPem },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe("prod with azure.enabled false: an AWS-only deployment", () => {
  it("creates no Azure resource and no azure-native provider", () => {
    const azure = run.resources.filter((r) => r.type.includes("azure-native") || r.type.startsWith("startup:azure:"));
    expect(azure).toEqual([]);
  });

  it("keeps the Route53 zone with its records and name servers", () => {
    expect(run.ofType("aws:route53/zone:Zone")).toHaveLength(1);
    expect(
      run
        .ofType("aws:route53/record:Record")
        .map((r) => r.props.name)
        .sort(),
    ).toEqual(["admin.example.com", "cname.example.com", "docker.example.com", "www.example.com"]);
    expect(run.outputs.dnsNameServers!.value).toHaveLength(4);
  });

  it("says so in the outputs, and publishes no Azure output", () => {
    expect(run.outputs.azure).toEqual({
      value: "disabled (azure.enabled is false): AWS-only deployment",
      secret: false,
    });
    expect(Object.keys(run.outputs).filter((k) => k.startsWith("azure") && k !== "azure")).toEqual([]);
  });
});
