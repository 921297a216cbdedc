import { beforeAll, describe, expect, it } from "vitest";
import { runStack, type StackRun } from "./support/runStack";

let run: StackRun;
beforeAll(async () => {
  // The dev stack file turns Azure on; this run turns it off again (an AWS-only deployment).
  run = await runStack("dev", { azure: { enabled: false } });
});

describe("azure.enabled false: an AWS-only deployment", () => {
  it("creates no Azure resource, no azure-native provider and no AzureServices component", () => {
    const azureTypes = run.resources.filter(
      (r) =>
        r.type.startsWith("azure-native:") ||
        r.type === "pulumi:providers:azure-native" ||
        r.type.startsWith("startup:azure:"),
    );
    expect(azureTypes).toEqual([]);
  });

  it("still builds the AWS side", () => {
    expect(run.ofType("aws:ec2/vpc:Vpc")).toHaveLength(1);
    expect(run.ofType("aws:rds/instance:Instance")).toHaveLength(1);
  });

  it("says so in the outputs, and publishes no Azure output", () => {
    expect(run.outputs.azure).toEqual({
      value: "disabled (azure.enabled is false): AWS-only deployment",
      secret: false,
    });
    expect(Object.keys(run.outputs).filter((k) => k.startsWith("azure") && k !== "azure")).toEqual([]);
  });
});
