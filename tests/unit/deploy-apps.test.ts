// `npm run deploy -- app|rollback` against test doubles of the stack and the registry.
import { describe, expect, it } from "vitest";
import type { ReleaseHistory } from "../../components/apps/releaseHistory";
import type { Stack } from "@pulumi/pulumi/automation";
import { AutomationStack } from "../../scripts/deploy/automation-workspace";
import { isMissingConfigKey } from "../../scripts/deploy/engine-errors";
import { appConfigOf, configDiff, rollbackTarget } from "../../scripts/deploy/apps/plan";
import {
  type AppsStack,
  type AppsWorkspace,
  parseAppsArgs,
  type RegistryLookup,
  runApps,
} from "../../scripts/deploy/apps/run";
import type { DeployIo } from "../../scripts/deploy/run";
import type { ConfigEntry, OperationOptions, StackOutputs, UpResult } from "../../scripts/deploy/types";
import { settingsHash } from "../../scripts/deploy/apps/pins";

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

const WORKER = { image: "worker:1.0", port: 9000 };

/** Test doubles of the stack (its `apps` setting as the CLI stores it), the registry and the terminal. */
function fakes(
  opts: {
    present?: boolean;
    upFails?: boolean;
    restoreFails?: boolean;
    secret?: boolean;
    interrupted?: boolean;
    env?: NodeJS.ProcessEnv;
    history?: ReleaseHistory;
    web?: Record<string, unknown>;
  } = {},
) {
  const calls: string[] = [];
  const upOptions: OperationOptions[] = [];
  const configSet: ConfigEntry[] = [];
  // What cli-main's onInterrupt holds: the clean-ups a signal would run.
  const cleanups = new Set<() => Promise<void>>();
  const onInterrupt = (cleanup: () => Promise<void>) => {
    cleanups.add(cleanup);
    return () => void cleanups.delete(cleanup);
  };
  let apps: Record<string, Record<string, unknown>> = {
    web: opts.web ?? { image: "web:3.0", port: 3000, env: { GREETING: "three" }, memoryMiB: 512 },
    worker: WORKER,
  };
  const outputs: StackOutputs = {
    appReleases: { value: { web: { history: opts.history ?? history } }, secret: false },
    registryPasswords: { value: { deploy: "registry-password-xyz" }, secret: true },
  };
  const stack = {
    name: "prod",
    outputs: async () => outputs,
    getConfigObject: async (key: string) =>
      key === "apps" ? { value: apps, secret: opts.secret === true } : undefined,
    setConfig: async (entries: ConfigEntry[]) => {
      calls.push("set config");
      configSet.push(...entries);
    },
    setConfigObject: async (key: string, value: Record<string, Record<string, unknown>>) => {
      calls.push(`set ${key}`);
      if (opts.restoreFails && calls.includes("up")) throw new Error("pulumi exited with code 255: disk full");
      apps = value;
    },
    up: async (o: OperationOptions): Promise<UpResult> => {
      calls.push("up");
      upOptions.push(o);
      // The engine echoes a secret from the environment's config: it must be redacted.
      o.onOutput("+  aws:rds:Instance db create (password env-db-password-55)\n");
      if (opts.interrupted) {
        // Ctrl-C while `up` runs: the signal's clean-ups, then the engine reports the cancelled update.
        for (const c of cleanups) await c();
        throw new Error("pulumi exited with code 255: update canceled");
      }
      if (opts.upFails) throw new Error("pulumi exited with code 255: registry-password-xyz was refused");
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
    has: async () => opts.present ?? true,
    close: async () => undefined,
  };
  return {
    calls,
    io,
    out,
    apps: () => apps,
    config: () => apps.web,
    cleanups,
    upOptions,
    configSet,
    deps: { workspace, io, env: opts.env ?? {}, registry: () => registry, onInterrupt },
  };
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
    expect(f.calls).toEqual(["set apps", "up"]);
    expect(f.config()).toEqual({
      image: `web@${D("a")}`,
      port: 3000,
      env: { GREETING: "one" },
      deployedBy: "rollback to release 1, by someone (npm run deploy)",
      // The committed settings it replaced.
      overrides: settingsHash({ image: "web:3.0", port: 3000, env: { GREETING: "three" }, memoryMiB: 512 }),
    });
  });

  it("refuses when the release's image is gone from the registry", async () => {
    const f = fakes({ present: false });
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
    expect(f.calls).toEqual(["set apps", "up"]);
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

describe("nothing half-applied", () => {
  const rollback = ["rollback", "--stack", "prod", "--app", "web", "--yes"];

  it("a failed up puts apps back exactly as it was (other apps untouched throughout), exit 1, no secret printed", async () => {
    const f = fakes({ upFails: true });
    const before = structuredClone(f.apps());
    expect(await runApps(parseAppsArgs(rollback)!, f.deps)).toBe(1);
    expect(f.calls).toEqual(["set apps", "up", "set apps"]);
    expect(f.apps()).toEqual(before);
    const text = f.out.join("");
    expect(text).toContain("error: pulumi exited with code 255: [secret] was refused");
    expect(text).toContain("the stack config is restored: apps.web is as it was before this command");
    expect(text).not.toContain("registry-password-xyz");
  });

  it("when the restore fails too, says so and prints the previous settings to put back", async () => {
    const f = fakes({ upFails: true, restoreFails: true });
    expect(await runApps(parseAppsArgs(rollback)!, f.deps)).toBe(1);
    const text = f.out.join("");
    expect(text).toContain("restoring the stack's apps setting failed too (pulumi exited with code 255: disk full)");
    expect(text).toContain('its previous value was {"image":"web:3.0","port":3000,"env":{"GREETING":"three"}');
  });

  it("an interrupt while up runs puts apps back once, before the process dies", async () => {
    const f = fakes({ interrupted: true });
    const before = structuredClone(f.apps());
    expect(await runApps(parseAppsArgs(rollback)!, f.deps)).toBe(1);
    expect(f.calls).toEqual(["set apps", "up", "set apps"]);
    expect(f.apps()).toEqual(before);
    expect(f.out.join("")).toContain("interrupted: the stack config is restored: apps.web is as it was before");
    expect(f.cleanups.size).toBe(0);
  });

  it("the new settings reach the stack in one write, beside the other apps", async () => {
    const f = fakes();
    expect(await runApps(parseAppsArgs(rollback)!, f.deps)).toBe(0);
    expect(f.apps().worker).toEqual(WORKER);
    expect(f.calls).toEqual(["set apps", "up"]);
    // Nothing left to run on a later interrupt.
    expect(f.cleanups.size).toBe(0);
  });

  it("refuses an apps setting that holds a secret (it would be rewritten in clear text), before any change", async () => {
    const f = fakes({ secret: true });
    expect(await runApps(parseAppsArgs(rollback)!, f.deps)).toBe(2);
    expect(f.out.join("")).toContain("the stack's apps setting holds a value stored as a secret");
    expect(f.calls).toEqual([]);
  });

  it("an unknown app names the stack's apps", async () => {
    const f = fakes();
    const args = parseAppsArgs(["rollback", "--stack", "prod", "--app", "api", "--dry-run"])!;
    expect(await runApps(args, f.deps)).toBe(2);
    expect(f.out.join("")).toContain('error: stack "prod" has no app "api" (its apps: web, worker)');
  });
});

describe("config plumbing", () => {
  it("tells the CLI's missing-key answer from any other failure", () => {
    // The SDK's CommandError carries the CLI's result; its message repeats execa's command line.
    const missing = Object.assign(new Error("code: 1\n stdout: \n stderr: Command failed with exit code 1"), {
      commandResult: { code: 1, stderr: "error: configuration key 'apps.web' not found for stack 'prod'\n" },
    });
    expect(isMissingConfigKey(missing)).toBe(true);
    expect(isMissingConfigKey(new Error("error: configuration key 'apps' not found for stack 'dev'"))).toBe(true);
    const wrongPassphrase = Object.assign(new Error("code: 255"), {
      commandResult: { code: 255, stderr: "error: incorrect passphrase\n" },
    });
    expect(isMissingConfigKey(wrongPassphrase)).toBe(false);
    // "not found" elsewhere (a plugin, a file) is not a missing key.
    expect(isMissingConfigKey(new Error("error: plugin not found; config get apps.web for stack 'dev'"))).toBe(false);
    expect(isMissingConfigKey(new Error("no stack named 'dev' found"))).toBe(false);
  });

  /**
   * A stand-in for the SDK's Stack over one stack file, with the real CLI's quirk (v3.248.0, see
   * tests/integration/pulumi-cli-apps.test.ts): `config set-all --json` updates an existing YAML node in place and
   * keeps its quoting, so a non-string written over a quoted string comes back as a string.
   */
  function quirkyStack(stored: Record<string, Record<string, unknown>>, alwaysQuirky = false) {
    const calls: string[] = [];
    const keepQuoted = (old: unknown, next: unknown): unknown => {
      if (next && typeof next === "object" && old && typeof old === "object") {
        const o = old as Record<string, unknown>;
        return Object.fromEntries(Object.entries(next).map(([k, v]) => [k, keepQuoted(o[k], v)]));
      }
      return typeof old === "string" && typeof next !== "string" && next !== undefined ? String(next) : next;
    };
    const sdkStack = {
      getConfig: async (key: string) => {
        calls.push(`get ${key}`);
        return { value: JSON.stringify(stored[key]), secret: false };
      },
      setAllConfigJson: async (json: string) => {
        const [[key, v]] = Object.entries(JSON.parse(json) as Record<string, { objectValue: Record<string, unknown> }>);
        calls.push(`set ${key} ${Object.keys(v!.objectValue).join(",")}`);
        stored[key!] = keepQuoted(alwaysQuirky ? { web: { n: "x" } } : stored[key!], v!.objectValue) as never;
      },
    };
    return { calls, stack: new AutomationStack(sdkStack as unknown as Stack) };
  }

  it("setConfigObject reads back, and writes afresh the entries the CLI kept quoted", async () => {
    const f = quirkyStack({ apps: { web: { env: { WORKERS: "2" } }, worker: { port: 9000 } } });
    const value = { web: { env: { WORKERS: 4 } }, worker: { port: 9000 } };
    await f.stack.setConfigObject("apps", value);
    expect(await f.stack.getConfigObject("apps")).toEqual({ value, secret: false });
    // Written, read back ("4"), web removed, written again, read back.
    expect(f.calls).toEqual([
      "set apps web,worker",
      "get apps",
      "set apps worker",
      "set apps web,worker",
      "get apps",
      "get apps",
    ]);

    const clean = quirkyStack({ apps: { web: { env: { WORKERS: 4 } } } });
    await clean.stack.setConfigObject("apps", { web: { env: { WORKERS: 5 } } });
    expect(clean.calls).toEqual(["set apps web", "get apps"]);

    const stuck = quirkyStack({ apps: { web: { n: "x" } } }, true);
    await expect(stuck.stack.setConfigObject("apps", { web: { n: 1 } })).rejects.toThrow(
      "the Pulumi CLI stored apps.web otherwise than written",
    );
  });

  it("shows only settings that differ", () => {
    expect(configDiff({ a: 1, b: { c: 2 }, deployedBy: "x" }, { a: 1, b: { c: 3 }, deployedBy: "y" })).toEqual([
      { key: "b", from: { c: 2 }, to: { c: 3 } },
    ]);
    expect(appConfigOf(history.releases[0]!, "web", "me")).toMatchObject({ image: `web@${D("a")}`, deployedBy: "me" });
  });
});

describe("what the app's up runs with", () => {
  const appArgs = ["app", "--stack", "prod", "--app", "web", "--image", "web:3.1", "--deployed-by", "ci 42", "--yes"];

  it("config from the environment, as for up: keys printed, values never (redacted from the engine's output)", async () => {
    const env = {
      DEPLOY_SECRETS_JSON: JSON.stringify({ dbPassword: "env-db-password-55" }),
      DEPLOY_CONFIG_aws__region: "eu-central-1",
    };
    const f = fakes({ env });
    expect(await runApps(parseAppsArgs(appArgs)!, f.deps)).toBe(0);
    expect(f.configSet).toEqual([
      { key: "aws:region", value: "eu-central-1", secret: false },
      { key: "dbPassword", value: "env-db-password-55", secret: true },
    ]);
    expect(f.calls).toEqual(["set config", "set apps", "up"]);
    const text = f.out.join("");
    expect(text).toContain("config from environment: aws:region, dbPassword (secret)\n");
    expect(text).toContain("db create (password [secret])");
    expect(text).not.toContain("env-db-password-55");
  });

  it("nothing from the environment is written by a --dry-run", async () => {
    const f = fakes({ env: { DEPLOY_CONFIG_aws__region: "eu-central-1" } });
    const args = parseAppsArgs(["rollback", "--stack", "prod", "--app", "web", "--dry-run"])!;
    expect(await runApps(args, f.deps)).toBe(0);
    expect(f.calls).toEqual([]);
  });

  it("the policy packs given (--policy-pack, repeatable), none by default", async () => {
    const f = fakes();
    const args = parseAppsArgs([...appArgs, "--policy-pack", "policy", "--policy-pack", "extra"])!;
    expect(args.policyPacks).toEqual(["policy", "extra"]);
    expect(await runApps(args, f.deps)).toBe(0);
    expect(f.upOptions.map((o) => o.policyPacks)).toEqual([["policy", "extra"]]);
    const g = fakes();
    expect(await runApps(parseAppsArgs(["rollback", "--stack", "prod", "--app", "web", "--yes"])!, g.deps)).toBe(0);
    expect(g.upOptions.map((o) => o.policyPacks)).toEqual([[]]);
  });

  it("records which committed settings it overrides", async () => {
    const f = fakes();
    const committed = structuredClone(f.config());
    expect(await runApps(parseAppsArgs(appArgs)!, f.deps)).toBe(0);
    expect(f.config()!.overrides).toBe(settingsHash(committed!));
  });

  it("starts from the active release an earlier pin deployed over unchanged committed settings", async () => {
    // The stack file (a fresh CI checkout) still holds the committed web:1.0; release 3 overrode exactly it.
    const committed = { image: "web:1.0", port: 3000, env: { GREETING: "one" } };
    const pinned = history.releases.map((r) =>
      r.seq === 3 ? { ...r, config: { ...r.config, overrides: settingsHash(committed) } } : r,
    );
    const f = fakes({ web: committed, history: { ...history, releases: pinned } });
    expect(await runApps(parseAppsArgs(appArgs)!, f.deps)).toBe(0);
    expect(f.out.join("")).toContain(
      "apps.web: keeping release 3 (deployed by ci run 3, over the committed settings, which are unchanged since)\n",
    );
    // Release 3's settings (env, memory), the new image, and still the committed settings' hash.
    expect(f.config()).toEqual({
      image: `web:3.1@${D("d")}`,
      port: 3000,
      env: { GREETING: "three" },
      memoryMiB: 512,
      deployedBy: "ci 42",
      overrides: settingsHash(committed),
    });
  });
});
