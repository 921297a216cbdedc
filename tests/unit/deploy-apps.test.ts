// `npm run deploy -- app|rollback` against test doubles of the stack and the registry.
import { describe, expect, it } from "vitest";
import type { ReleaseHistory } from "../../components/apps/releaseHistory";
import { configLeaves } from "../../scripts/deploy/automation-workspace";
import { appConfigOf, configDiff, rollbackTarget } from "../../scripts/deploy/apps/plan";
import {
  type AppsStack,
  type AppsWorkspace,
  parseAppsArgs,
  type RegistryLookup,
  runApps,
} from "../../scripts/deploy/apps/run";
import type { DeployIo } from "../../scripts/deploy/run";
import type { StackOutputs, UpResult } from "../../scripts/deploy/types";

const D = (c: string) => `sha256:${c.repeat(64)}`;
const release = (seq: number, status: string, digest: string, config: Record<string, unknown>) => ({
  seq,
  digest,
  configHash: String(seq)
    .repeat(64)
    .slice(0, 64)
    .replace(/[^0-9a-f]/g, "0"),
  secretsHash: "0".repeat(64),
  deployedAt: "2026-12-04T10:00:00Z",
  deployedBy: `ci run ${seq}`,
  status,
  config,
});
const history: ReleaseHistory = {
  version: 1,
  app: "web",
  repository: "web",
  keepReleases: 5,
  releases: [
    release(1, "retired", D("a"), { image: `web@${D("a")}`, port: 3000, env: { GREETING: "one" } }),
    release(2, "failed", D("b"), { image: `web@${D("b")}`, port: 3000, env: { GREETING: "two" } }),
    release(3, "active", D("c"), { image: `web@${D("c")}`, port: 3000, env: { GREETING: "three" }, memoryMiB: 512 }),
  ] as ReleaseHistory["releases"],
};

function fakes(present = true) {
  const calls: string[] = [];
  let config: Record<string, unknown> = { image: "web:3.0", port: 3000, env: { GREETING: "three" }, memoryMiB: 512 };
  const outputs: StackOutputs = {
    appReleases: { value: { web: { history } }, secret: false },
    registryPasswords: { value: { deploy: "registry-password-xyz" }, secret: true },
  };
  const stack = {
    name: "prod",
    outputs: async () => outputs,
    getConfigValue: async () => JSON.stringify(config),
    replaceConfigObject: async (key: string, value: Record<string, unknown>) => {
      calls.push(`set ${key}`);
      config = value;
    },
    up: async (): Promise<UpResult> => {
      calls.push("up");
      return { changes: { update: 1 }, outputs };
    },
  } as unknown as AppsStack;
  const workspace: AppsWorkspace = { ensureCli: async () => undefined, openStack: async () => stack };
  const out: string[] = [];
  const io: DeployIo = {
    stdout: (t) => void out.push(t),
    stderr: (t) => void out.push(t),
    writeFile: async () => undefined,
    appendFile: async () => undefined,
    interactive: false,
    confirm: async () => false,
  };
  const registry: RegistryLookup = {
    digestOf: async (repo, tag) => (repo === "web" && tag === "3.1" ? D("d") : undefined),
    has: async () => present,
    close: async () => undefined,
  };
  return { calls, io, out, config: () => config, deps: { workspace, io, env: {}, registry: () => registry } };
}

describe("rollback", () => {
  it("picks the newest good release before the active one; --to picks one; failed ones never", () => {
    expect(rollbackTarget(history).seq).toBe(1);
    expect(rollbackTarget(history, 3).seq).toBe(3);
    expect(() => rollbackTarget(history, 2)).toThrow(/failed/);
    expect(() => rollbackTarget(history, 9)).toThrow(/no release 9/);
  });

  it("--dry-run shows the whole config difference and whether the image is still there, changing nothing", async () => {
    const f = fakes();
    const code = await runApps(parseAppsArgs(["rollback", "--stack", "prod", "--app", "web", "--dry-run"])!, f.deps);
    const text = f.out.join("");
    expect(code).toBe(0);
    expect(text).toContain(`image web@${D("a")} is still in the registry`);
    expect(text).toContain(`  env: {"GREETING":"three"} -> {"GREETING":"one"}`);
    expect(text).toContain(`  image: "web:3.0" -> "web@${D("a")}"`);
    expect(text).toContain("  memoryMiB: 512 -> undefined");
    expect(f.calls).toEqual([]);
  });

  it("re-applies image and config together, then runs up", async () => {
    const f = fakes();
    const code = await runApps(parseAppsArgs(["rollback", "--stack", "prod", "--app", "web", "--yes"])!, f.deps);
    expect(code).toBe(0);
    expect(f.calls).toEqual(["set apps.web", "up"]);
    expect(f.config()).toEqual({
      image: `web@${D("a")}`,
      port: 3000,
      env: { GREETING: "one" },
      deployedBy: "rollback to release 1, by someone (npm run deploy)",
    });
  });

  it("refuses when the release's image is gone from the registry", async () => {
    const f = fakes(false);
    const code = await runApps(parseAppsArgs(["rollback", "--stack", "prod", "--app", "web", "--yes"])!, f.deps);
    expect(code).toBe(2);
    expect(f.out.join("")).toContain("is NOT in the registry any more");
    expect(f.calls).toEqual([]);
  });
});

describe("app", () => {
  it("pins the tag to the registry's digest and records who asked", async () => {
    const f = fakes();
    const args = parseAppsArgs([
      "app",
      "--stack",
      "prod",
      "--app",
      "web",
      "--image",
      "web:3.1",
      "--deployed-by",
      "ci 42",
      "--yes",
    ])!;
    expect(await runApps(args, f.deps)).toBe(0);
    expect(f.config()).toMatchObject({ image: `web:3.1@${D("d")}`, deployedBy: "ci 42", env: { GREETING: "three" } });
    expect(f.calls).toEqual(["set apps.web", "up"]);
  });

  it("refuses a tag the registry does not have, and any change without --yes in CI; never prints a secret", async () => {
    const f = fakes();
    expect(
      await runApps(parseAppsArgs(["app", "--stack", "prod", "--app", "web", "--image", "web:9", "--yes"])!, f.deps),
    ).toBe(2);
    expect(
      await runApps(parseAppsArgs(["app", "--stack", "prod", "--app", "web", "--image", "web:3.1"])!, f.deps),
    ).toBe(2);
    expect(f.calls).toEqual([]);
    expect(f.out.join("")).not.toContain("registry-password-xyz");
  });

  it("parses strictly", () => {
    expect(() => parseAppsArgs(["app", "--stack", "prod", "--app", "web"])).toThrow(/--image/);
    expect(() => parseAppsArgs(["rollback", "--stack", "prod", "--app", "web", "--image", "x:1"])).toThrow(/app only/);
    expect(() => parseAppsArgs(["rollback", "--stack", "prod", "--app", "web", "--to", "x"])).toThrow(/release number/);
  });
});

describe("config plumbing", () => {
  it("writes an object as one `config set --path` per leaf", () => {
    expect(configLeaves("apps.web", { image: "web@x", port: 3000, env: { A: "1" }, list: ["a"] })).toEqual([
      ["apps.web.image", "web@x"],
      ["apps.web.port", "3000"],
      ["apps.web.env.A", "1"],
      ["apps.web.list[0]", "a"],
    ]);
  });

  it("shows only settings that differ", () => {
    expect(configDiff({ a: 1, b: { c: 2 }, deployedBy: "x" }, { a: 1, b: { c: 3 }, deployedBy: "y" })).toEqual([
      { key: "b", from: { c: 2 }, to: { c: 3 } },
    ]);
    expect(appConfigOf(history.releases[0]!, "web", "me")).toMatchObject({ image: `web@${D("a")}`, deployedBy: "me" });
  });
});
