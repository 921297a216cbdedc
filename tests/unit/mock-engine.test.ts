// The plan's mock engine (scripts/plan/engine.ts): what it records, and the SDK bookkeeping it switches off.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { resolveOutput, runUnderMocks } from "../../scripts/plan/engine";

class Thing extends pulumi.CustomResource {
  declare readonly size: pulumi.Output<number>;
  constructor(name: string, args: { size: pulumi.Input<number> }, opts?: pulumi.CustomResourceOptions) {
    super("test:index:Thing", name, { ...args }, opts);
  }
}

describe("runUnderMocks", async () => {
  const run = await runUnderMocks({ project: "p", stack: "s", config: {} }, () => {
    const a = new Thing("a", { size: 1 });
    const b = new Thing("b", { size: a.size.apply((n) => n + 1) }, { dependsOn: [a] });
    return { b: b.size };
  });

  it("records each registration with its inputs and dependencies, after the stack", async () => {
    const things = run.resources.filter((r) => r.type === "test:index:Thing");
    expect(things.map((r) => [r.name, r.inputs, r.dependsOn])).toEqual([
      ["a", { size: 1 }, []],
      ["b", { size: 2 }, ["urn:pulumi:s::p::pulumi:pulumi:Stack$test:index:Thing::a"]],
    ]);
    expect(run.resources[0]!.type).toBe("pulumi:pulumi:Stack");
    expect((await resolveOutput(run.result.b)).value).toBe(2);
  });

  it("switches off the SDK's leaked-promise bookkeeping (a renamed SDK hook fails here, not silently)", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the SDK module the engine patches
    const debuggable = require("@pulumi/pulumi/runtime/debuggable") as {
      debuggablePromise: (p: Promise<unknown>, ctx: string) => Promise<unknown>;
    };
    const p = Promise.resolve(1);
    expect(debuggable.debuggablePromise(p, "test")).toBe(p);
  });
});
