import { describe, expect, it } from "vitest";
import { choosePulumi, goQualifies, judge, noWayOutMessage } from "../../scripts/test/pulumiChoice";

const LOCK = "3.248.0";
const at = (path: string, reported: string) => ({ path, reported });

describe("which Pulumi CLI the tests use", () => {
  it.each([
    ["v3.248.0", true],
    ["v3.248.1", true],
    ["v3.250.0", true],
    ["v3.300.0-alpha.1", true],
    ["v3.247.9", false],
    ["v3.248.0-dev.0", false],
    ["v4.0.0", false],
    ["v2.99.0", false],
    ["", false],
    ["warning: something", false],
  ])("pulumi %j against the lock file's 3.248.0: %s", (reported, ok) => {
    expect(judge(at("/bin/pulumi", reported), LOCK).ok).toBe(ok);
  });

  it("takes the first qualifying one in PATH order, skipping older and other-major ones", () => {
    const candidates = [at("/a/pulumi", "v3.100.0"), at("/b/pulumi", "v4.1.0"), at("/c/pulumi", "v3.260.0")];
    expect(choosePulumi(candidates, LOCK)?.path).toBe("/c/pulumi");
    expect(choosePulumi([...candidates, at("/cache/pulumi", "v3.248.0")], LOCK)?.path).toBe("/c/pulumi");
    expect(choosePulumi(candidates.slice(0, 2), LOCK)).toBeUndefined();
  });

  it("says why each one does not qualify", () => {
    expect(judge(at("/a", "v3.100.0"), LOCK).why).toBe("v3.100.0 is older than v3.248.0");
    expect(judge(at("/b", "v4.1.0"), LOCK).why).toBe("v4.1.0 is another major version than v3.248.0");
  });
});

describe("building needs Go >= 1.25", () => {
  it.each([
    ["go1.26.8", true],
    ["go1.25.0", true],
    ["go1.25", true],
    ["go1.25rc1", true],
    ["go1.24.9", false],
    ["go1.9", false],
    ["", false],
  ])("%j: %s", (version, ok) => {
    expect(goQualifies(version)).toBe(ok);
  });

  it("without either, the failure names both ways out and what was found", () => {
    const message = noWayOutMessage(LOCK, [at("/usr/bin/pulumi", "v3.100.0")], "");
    expect(message).toContain("/usr/bin/pulumi: v3.100.0 is older than v3.248.0");
    expect(message).toContain("Go is not installed");
    expect(message).toContain("install the Pulumi CLI v3.248.0 or a newer 3.x");
    expect(message).toContain("install Go >= 1.25.0");
    expect(noWayOutMessage(LOCK, [], "go1.22.1")).toContain(
      "no pulumi on PATH), and Go is go1.22.1, older than 1.25.0",
    );
  });
});
