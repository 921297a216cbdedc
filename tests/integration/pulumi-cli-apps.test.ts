// `npm run deploy -- app|rollback` (scripts/deploy/apps) against the real Pulumi CLI on a local file backend and the
// platform's real registry (distribution v3, TLS from a private CA, bcrypt htpasswd): the app settings written with
// the CLI as docs/apps.md shows, a deployment imported with `pulumi stack import` whose outputs are what the program
// outputs (appReleases with a release history recorded from the program's own view of the config, the registry
// outputs, `registryPasswords` secret), then the commands as a user runs them. Offline there is no language host,
// so every `up` fails: that is where "nothing half-applied" is checked. What a successful `up` prints stays with
// the test doubles in tests/unit/deploy-apps.test.ts.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configHashOf, releaseConfig, type AppSpec } from "../../components/apps/release";
import type { Release, ReleaseHistory } from "../../components/apps/releaseHistory";
import { secretsHash } from "../../components/apps/render/deploy";
import { registryFromOutputs } from "../../scripts/deploy/apps/registry";
import { settingsHash } from "../../scripts/deploy/apps/pins";
import { type AppsStack, type AppsWorkspace, parseAppsArgs, runApps } from "../../scripts/deploy/apps/run";
import { parseDeployArgs } from "../../scripts/deploy/args";
import { AutomationWorkspace } from "../../scripts/deploy/automation-workspace";
import { isMissingConfigKey } from "../../scripts/deploy/engine-errors";
import { type DeployIo, runDeploy } from "../../scripts/deploy/run";
import { parseStackConfig } from "../../stacks/config/parse";
import { parseAppImage } from "../../stacks/config/sections/apps";
import { PROJECT } from "../../stacks/config/schema";
import { PulumiSandbox } from "./support/pulumi-cli";
import { startStackRegistry, type StackRegistry } from "./support/stack-registry";
import { makeTempDir, removeDir } from "./support/tmp";

const STACK = "dev";
const PASSWORDS = { ci: "it-ci-password-7f3a", deploy: "it-deploy-password-91c2" };
const STRIPE_KEY = "sk_test_it_apps_cli_5e81";
const DB_URL = (password: string) => `postgresql://app:${password}@db.internal:5432/app`;

let sb: PulumiSandbox;
let work: string;
let registry: StackRegistry;
const digests: Record<string, string> = {};
let history: ReleaseHistory;
const savedEnv = { ...process.env };
/** The outputs the stack is imported with (registry, appReleases with `history`). */
let baseOutputs: Record<string, unknown>;
/** `recorded` over the stack's config as the program sees it. */
let recordRelease: (r: Parameters<typeof recorded>[2]) => Release;

/** `pulumi config --json --show-secrets` of the stack, keyed as the CLI keys it. */
async function allConfig(): Promise<Record<string, { value?: string; objectValue?: unknown; secret: boolean }>> {
  return JSON.parse((await sb.pulumiOk(["config", "--json", "--show-secrets", "--stack", STACK])).stdout);
}

/** The stack's `apps` setting as the real CLI returns it (types as stored). */
async function appsNow(): Promise<Record<string, Record<string, unknown>>> {
  return (await allConfig())[`${PROJECT}:apps`]!.objectValue as Record<string, Record<string, unknown>>;
}

/**
 * One release as the program records it: the app's settings parsed as the program parses the stack config (the
 * stack's real config with `apps.web` replaced by `given`), the image split as stacks/apps.ts splits it.
 */
function recorded(
  base: Record<string, string>,
  secretKeys: Set<string>,
  r: { seq: number; status: Release["status"]; given: Record<string, unknown>; dbPassword: string; day: number },
): Release {
  const values = { ...base, apps: JSON.stringify({ web: r.given }) };
  const { image, ...settings } = parseStackConfig({ stack: STACK, values, secretKeys }).apps.web!;
  const spec: AppSpec = { ...parseAppImage(image)!, ...settings };
  const secrets: Record<string, { source: string; value: string }> = {
    DATABASE_URL: { source: "database.url", value: DB_URL(r.dbPassword) },
    ...(spec.secrets.STRIPE_KEY ? { STRIPE_KEY: { source: "appSecrets.STRIPE_KEY", value: STRIPE_KEY } } : {}),
  };
  return {
    seq: r.seq,
    digest: spec.digest!,
    configHash: configHashOf(spec),
    secretsHash: secretsHash(secrets),
    deployedAt: `2026-11-${String(r.day).padStart(2, "0")}T09:00:00Z`,
    deployedBy: `github acme/web run ${r.seq}`,
    status: r.status,
    config: releaseConfig(spec),
  };
}

/** The program's view of the stack config: values by key without the project prefix, and which are secret. */
async function programValues(): Promise<{ base: Record<string, string>; secretKeys: Set<string> }> {
  const base: Record<string, string> = {};
  const secretKeys = new Set<string>();
  for (const [k, v] of Object.entries(await allConfig())) {
    if (!k.startsWith(`${PROJECT}:`)) continue;
    const key = k.slice(PROJECT.length + 1);
    base[key] = v.objectValue !== undefined ? JSON.stringify(v.objectValue) : v.value!;
    if (v.secret) secretKeys.add(key);
  }
  return { base, secretKeys };
}

/** `pulumi stack import` of a deployment whose stack resource carries `outputs` (secret ones as plaintext secrets). */
async function importOutputs(outputs: Record<string, unknown>, secret: readonly string[]): Promise<void> {
  const exported = JSON.parse((await sb.pulumiOk(["stack", "export", "--stack", STACK])).stdout);
  const wrapped = Object.fromEntries(
    Object.entries(outputs).map(([k, v]) => [
      k,
      // The engine's secret signature; `stack import` encrypts the plaintext with the stack's secrets provider.
      secret.includes(k)
        ? { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", plaintext: JSON.stringify(v) }
        : v,
    ]),
  );
  exported.deployment.resources = [
    {
      urn: `urn:pulumi:${STACK}::${PROJECT}::pulumi:pulumi:Stack::${PROJECT}-${STACK}`,
      custom: false,
      type: "pulumi:pulumi:Stack",
      outputs: wrapped,
    },
  ];
  const file = join(work, "deployment.json");
  await writeFile(file, JSON.stringify(exported));
  await sb.pulumiOk(["stack", "import", "--stack", STACK, "--file", file]);
}

beforeAll(async () => {
  work = await makeTempDir("apps-cli-");
  // First, with the suite's own HOME: the registry binary is cached there.
  registry = await startStackRegistry(work, PASSWORDS);
  sb = await PulumiSandbox.create(["Pulumi.yaml", "Pulumi.dev.yaml"]);
  for (const [k, v] of Object.entries(sb.env)) process.env[k] = v;
  for (const tag of ["0.9.0", "1.0.0", "1.1.0", "2.0.0", "3.0.0"]) digests[tag] = await registry.push("web", tag);
  digests.worker = await registry.push("worker", "1.0");
  // Release 1's image was cleaned up since.
  await registry.deleteManifest("web", digests["0.9.0"]!);

  // The app settings, as docs/apps.md sets them (what release 4 deployed).
  await sb.pulumiOk(["stack", "init", STACK]);
  const set = (key: string, value: string, ...flags: string[]) =>
    sb.pulumiOk(["config", "set", "--path", ...flags, "--stack", STACK, key, "--", value]);
  await set("apps.web.image", `web:2.0.0@${digests["2.0.0"]}`);
  await set("apps.web.port", "3000");
  await set("apps.web.env.GREETING", "four");
  await set("apps.web.env.WORKERS", "4"); // stored as a number by the CLI
  await set("apps.web.env.PHONE_PREFIX", "+82", "--type", "string"); // a string, as the user meant it
  await set("apps.web.secrets.DATABASE_URL", "database.url");
  await set("apps.web.secrets.STRIPE_KEY", "appSecrets.STRIPE_KEY");
  await set("apps.web.memoryMiB", "512");
  await set("apps.web.deployedBy", "github acme/web run 4");
  await set("apps.worker.image", `worker:1.0@${digests.worker}`);
  await set("apps.worker.port", "9000");
  await set("appSecrets.STRIPE_KEY", STRIPE_KEY, "--secret");

  const { base, secretKeys } = await programValues();
  const common = { port: 3000, secrets: { DATABASE_URL: "database.url" } };
  const image = (tag: string) => `web:${tag}@${digests[tag]}`;
  const releases = [
    {
      seq: 1,
      status: "retired",
      day: 2,
      dbPassword: "old-db-pass",
      given: { ...common, image: image("0.9.0"), env: { GREETING: "one" } },
    },
    {
      seq: 2,
      status: "retired",
      day: 9,
      dbPassword: "old-db-pass",
      given: {
        ...common,
        image: image("1.0.0"),
        env: { GREETING: "two", WORKERS: "2", PHONE_PREFIX: "+82" },
        healthCheck: { path: "/healthz" },
      },
    },
    {
      seq: 3,
      status: "failed",
      day: 16,
      dbPassword: "new-db-pass",
      given: { ...common, image: image("1.1.0"), env: { GREETING: "three" } },
    },
    {
      seq: 4,
      status: "active",
      day: 23,
      dbPassword: "new-db-pass",
      given: (await appsNow()).web!,
    },
  ] as const;
  history = {
    version: 1,
    app: "web",
    repository: "web",
    keepReleases: 5,
    releases: releases.map((r) => recorded(base, secretKeys, r)),
  };
  const latest = history.releases.at(-1)!;
  recordRelease = (r) => recorded(base, secretKeys, r);
  baseOutputs = {
    registryAddress: registry.address,
    registryCaCertificatePem: registry.caPem,
    registryUsers: Object.keys(PASSWORDS),
    registryPasswords: PASSWORDS,
    appReleases: {
      web: {
        deploys: {
          image: `web@${latest.digest}`,
          configHash: latest.configHash,
          secretsHash: latest.secretsHash,
          deployedBy: latest.deployedBy,
        },
        history,
      },
      worker: { deploys: { image: `worker@${digests.worker}` }, history: null },
    },
  };
  await importOutputs(baseOutputs, ["registryPasswords"]);
});

afterAll(async () => {
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
  await registry?.stop();
  await sb?.dispose();
  await removeDir(work);
});

/** The real adapter, with the stack's `apps` setting read through the real CLI at the moment `up` starts. */
class WatchedWorkspace implements AppsWorkspace {
  readonly real = new AutomationWorkspace(sb.workDir);
  readonly appsAtUp: Record<string, Record<string, unknown>>[] = [];
  ensureCli(): Promise<void> {
    return this.real.ensureCli();
  }
  async openStack(name: string, opts: { create: boolean }): Promise<AppsStack> {
    const stack = await this.real.openStack(name, opts);
    const up = stack.up.bind(stack);
    stack.up = async (o) => {
      this.appsAtUp.push(await appsNow());
      return up(o);
    };
    return stack;
  }
}

/** A non-interactive DeployIo (as in CI) that keeps what the command prints. */
function capturingIo() {
  const printed = { stdout: "", stderr: "" };
  const io: DeployIo = {
    stdout: (t) => void (printed.stdout += t),
    stderr: (t) => void (printed.stderr += t),
    writeFile: async () => undefined,
    appendFile: async () => undefined,
    interactive: false,
    confirm: async () => false,
  };
  return { io, printed };
}

/** `npm run deploy -- <argv>` as CI runs it (no terminal), against the real CLI and registry. */
async function deploy(argv: string[]) {
  const { io, printed } = capturingIo();
  const workspace = new WatchedWorkspace();
  const code = await runApps(parseAppsArgs(argv)!, {
    workspace,
    io,
    env: { ...process.env, CI: "true" },
    registry: registryFromOutputs,
  });
  const { stdout, stderr } = printed;
  for (const secret of Object.values(PASSWORDS)) expect(stdout + stderr).not.toContain(secret);
  expect(stdout + stderr).not.toContain(STRIPE_KEY);
  return { code, stdout, stderr, appsAtUp: workspace.appsAtUp };
}

const stackFile = () => readFile(join(sb.workDir, `Pulumi.${STACK}.yaml`), "utf8");

describe("reading app settings through the real CLI", () => {
  it("a key the stack does not set: the CLI's words, and the SDK's error, are recognised as 'not set'", async () => {
    const raw = await sb.pulumi(["config", "get", "--path", "apps.api", "--stack", STACK]);
    expect(raw.code).toBe(1);
    expect(raw.stderr.trim()).toBe(`error: configuration key 'apps.api' not found for stack '${STACK}'`);
    const ws = await LocalWorkspace.create({ workDir: sb.workDir });
    const err = await ws.getConfig(STACK, "apps.api", true).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(isMissingConfigKey(err)).toBe(true);

    const stack = await new AutomationWorkspace(sb.workDir).openStack(STACK, { create: false });
    expect(await stack.getConfigObject("noSuchSetting")).toBeUndefined();
    const apps = await stack.getConfigObject("apps");
    expect(apps?.secret).toBe(false);
    expect(apps?.value.web).toMatchObject({ env: { WORKERS: 4, PHONE_PREFIX: "+82" }, memoryMiB: 512 });
  });

  it("any other failure is an error, never 'not set' (a wrong passphrase on a secret setting)", async () => {
    const stack = await new AutomationWorkspace(sb.workDir).openStack(STACK, { create: false });
    process.env.PULUMI_CONFIG_PASSPHRASE = "wrong-passphrase";
    try {
      await expect(stack.getConfigObject("appSecrets")).rejects.toThrow(/incorrect passphrase/);
    } finally {
      process.env.PULUMI_CONFIG_PASSPHRASE = sb.env.PULUMI_CONFIG_PASSPHRASE;
    }
  });
});

describe("rollback against the real CLI and registry", () => {
  it("--dry-run: the previous good release, the whole config difference, the image still there; nothing written", async () => {
    const before = await stackFile();
    const r = await deploy(["rollback", "--stack", STACK, "--app", "web", "--dry-run"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const d2 = digests["1.0.0"]!;
    expect(r.stdout).toContain(
      `rollback of web to release 2 (2026-11-09T09:00:00Z, by github acme/web run 2): image web@${d2} is still in the registry\nchanges:\n`,
    );
    expect(r.stdout).toContain(
      `  env: {"GREETING":"four","PHONE_PREFIX":"+82","WORKERS":4} -> {"GREETING":"two","PHONE_PREFIX":"+82","WORKERS":"2"}\n`,
    );
    expect(r.stdout).toContain(`  image: "web:2.0.0@${digests["2.0.0"]}" -> "web@${d2}"\n`);
    expect(r.stdout).toContain("  memoryMiB: 512 -> 1024\n");
    expect(r.stdout).toMatch(/^ {2}healthCheck: undefined -> \{[^\n]*"path":"\/healthz"[^\n]*\}$/m);
    expect(r.stdout).toContain(
      '  secrets: {"DATABASE_URL":"database.url","STRIPE_KEY":"appSecrets.STRIPE_KEY"} -> {"DATABASE_URL":"database.url"}\n',
    );
    expect(r.stdout).toContain(
      "  note: the secret values are not those of that release (their versions differ); the current values are used\n",
    );
    // Every setting the recorded release differs in (its defaults written out: a release records them all), and
    // never who asked.
    expect([...r.stdout.matchAll(/^ {2}(\w+):/gm)].map((m) => m[1])).toEqual([
      "drainSeconds",
      "env",
      "healthCheck",
      "image",
      "keepReleases",
      "memoryMiB",
      "secrets",
      "stopTimeoutSeconds",
      "note",
    ]);
    expect(r.appsAtUp).toEqual([]);
    expect(await stackFile()).toBe(before);
  });

  it("a release whose image registry clean-up deleted: said so, refused (exit 2), nothing written", async () => {
    const before = await stackFile();
    const r = await deploy(["rollback", "--stack", STACK, "--app", "web", "--to", "1", "--dry-run"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`image web@${digests["0.9.0"]} is NOT in the registry any more`);
    expect(r.stderr).toBe("error: the image of release 1 is gone from the registry: cannot roll back\n");
    expect(await stackFile()).toBe(before);
  });

  it("an unknown release, a failed one, an unknown app: exit 2 with what exists", async () => {
    const before = await stackFile();
    const unknown = await deploy(["rollback", "--stack", STACK, "--app", "web", "--to", "9", "--yes"]);
    expect([unknown.code, unknown.stderr]).toEqual([2, "error: web has no release 9 (releases: 1, 2, 3, 4)\n"]);
    const failed = await deploy(["rollback", "--stack", STACK, "--app", "web", "--to", "3", "--yes"]);
    expect([failed.code, failed.stderr]).toEqual([2, "error: release 3 of web failed: it cannot be re-applied\n"]);
    const app = await deploy(["rollback", "--stack", STACK, "--app", "api", "--yes"]);
    expect([app.code, app.stderr]).toEqual([2, `error: stack "${STACK}" has no app "api" (its apps: web, worker)\n`]);
    expect(await stackFile()).toBe(before);
  });

  it("--yes: up sees release 2's whole config, types kept; up fails (no language host), the config is restored", async () => {
    const before = await allConfig();
    const comments = (await stackFile()).split("\n").filter((l) => l.trimStart().startsWith("#"));
    const r = await deploy(["rollback", "--stack", STACK, "--app", "web", "--deployed-by", "it-runner", "--yes"]);

    // What `up` ran with: release 2's recorded settings, image by digest, who asked; the other app untouched.
    expect(r.appsAtUp).toHaveLength(1);
    const atUp = r.appsAtUp[0]!;
    const { image: _image, ...recordedRest } = history.releases[1]!.config!;
    expect(atUp.web).toEqual({
      ...recordedRest,
      image: `web@${digests["1.0.0"]}`,
      deployedBy: "rollback to release 2, by it-runner",
      // The committed settings it replaced (what a later `npm run deploy -- up` compares with).
      overrides: settingsHash((before[`${PROJECT}:apps`]!.objectValue as Record<string, Record<string, unknown>>).web!),
    });
    // Number-like strings stay strings (leaf by leaf, the CLI would have stored "2" as 2 and "+82" as 82).
    expect(atUp.web!.env).toEqual({ GREETING: "two", WORKERS: "2", PHONE_PREFIX: "+82" });
    expect(atUp.worker).toEqual((before[`${PROJECT}:apps`]!.objectValue as Record<string, unknown>).worker);

    expect(r.code).toBe(1);
    expect(await allConfig()).toEqual(before);
    expect(r.stdout).toContain("==> up stack dev\n");
    expect(r.stderr).toContain("no language plugin 'pulumi-language-nodejs' found");
    expect(r.stderr).toContain("the stack config is restored: apps.web is as it was before this command\n");
    const file = await stackFile();
    for (const line of comments) expect(file).toContain(line);
  });
});

describe("app against the real CLI and registry", () => {
  it("resolves the tag to the registry's digest; up sees it pinned; up fails, the config is restored", async () => {
    const before = await allConfig();
    const beforeApps = await appsNow();
    const r = await deploy([
      "app",
      "--stack",
      STACK,
      "--app",
      "web",
      "--image",
      "web:3.0.0",
      "--deployed-by",
      "ci 5",
      "--yes",
    ]);
    expect(r.stdout).toContain(`web:3.0.0 is ${digests["3.0.0"]}\n`);
    expect(r.appsAtUp).toEqual([
      {
        ...beforeApps,
        web: {
          ...beforeApps.web,
          image: `web:3.0.0@${digests["3.0.0"]}`,
          deployedBy: "ci 5",
          overrides: settingsHash(beforeApps.web!),
        },
      },
    ]);
    // The number the user stored stays a number.
    expect((r.appsAtUp[0]!.web!.env as Record<string, unknown>).WORKERS).toBe(4);
    expect(r.code).toBe(1);
    expect(await allConfig()).toEqual(before);
    expect(r.stderr).toContain("no language plugin 'pulumi-language-nodejs' found");
    expect(r.stderr).toContain("the stack config is restored: apps.web is as it was before this command\n");
  });

  it("a tag the registry does not have: exit 2 before anything is written", async () => {
    const before = await stackFile();
    const r = await deploy(["app", "--stack", STACK, "--app", "web", "--image", "web:9.9.9", "--yes"]);
    expect([r.code, r.stderr]).toEqual([2, "error: web:9.9.9 is not in the stack's registry: push it first\n"]);
    expect(r.appsAtUp).toEqual([]);
    expect(await stackFile()).toBe(before);
  });
});

describe("a secret stored inside apps", () => {
  it("is refused before anything is shown or written (rewriting apps would store it in clear text)", async () => {
    const token = "tok-it-apps-secret-0d17";
    await sb.pulumiOk([
      "config",
      "set",
      "--secret",
      "--path",
      "--stack",
      STACK,
      "apps.worker.env.API_TOKEN",
      "--",
      token,
    ]);
    try {
      const before = await stackFile();
      expect(before).not.toContain(token);
      for (const argv of [
        ["rollback", "--stack", STACK, "--app", "web", "--dry-run"],
        ["app", "--stack", STACK, "--app", "web", "--image", "web:3.0.0", "--yes"],
      ]) {
        const r = await deploy(argv);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain("the stack's apps setting holds a value stored as a secret");
        expect(r.stdout + r.stderr).not.toContain(token);
        expect(r.appsAtUp).toEqual([]);
      }
      expect(await stackFile()).toBe(before);
    } finally {
      await sb.pulumiOk(["config", "rm", "--path", "--stack", STACK, "apps.worker.env.API_TOKEN"]);
    }
  });
});

describe("npm run deploy -- up keeps the release an app deploy pinned in a throwaway checkout", () => {
  /** `npm run deploy -- up --stack dev --yes` as CI runs it, against the real CLI. */
  async function up() {
    const { io, printed } = capturingIo();
    const workspace = new WatchedWorkspace();
    const code = await runDeploy(parseDeployArgs(["up", "--stack", STACK, "--yes"])!, {
      workspace,
      io,
      env: { ...process.env, CI: "true" },
    });
    return { code, ...printed, appsAtUp: workspace.appsAtUp };
  }

  it("committed apps.web unchanged since release 5 overrode it: up runs with release 5; edited: with the committed", async () => {
    const file = await stackFile();
    const committed = (await appsNow()).web!;
    // Release 5: `app --image web:3.0.0` in CI, over exactly the committed settings (the file was never updated).
    const pin = { ...committed, image: `web:3.0.0@${digests["3.0.0"]}`, overrides: settingsHash(committed) };
    const r5 = recordRelease({ seq: 5, status: "active", given: pin, dbPassword: "new-db-pass", day: 30 });
    expect(r5.config!.overrides).toBe(settingsHash(committed));
    const releases = [...history.releases.slice(0, 3), { ...history.releases[3]!, status: "retired" as const }, r5];
    const outputs = structuredClone(baseOutputs) as { appReleases: { web: { history: ReleaseHistory } } };
    outputs.appReleases.web.history = { ...history, releases };
    await importOutputs(outputs, ["registryPasswords"]);
    try {
      const kept = await up();
      expect(kept.stdout).toContain(
        "apps.web: keeping release 5 (deployed by github acme/web run 5, over the committed settings, which are unchanged since)\n",
      );
      expect(kept.appsAtUp).toHaveLength(1);
      const { image: _image, ...rest } = r5.config!;
      expect(kept.appsAtUp[0]!.web).toEqual({
        ...rest,
        image: `web@${digests["3.0.0"]}`,
        deployedBy: "github acme/web run 5",
      });
      expect(kept.appsAtUp[0]!.worker).toEqual((await appsNow()).worker);
      expect(kept.code).toBe(1);
      expect(kept.stderr).toContain("no language plugin 'pulumi-language-nodejs' found");

      // Someone edits the committed settings (a fresh checkout of the edited file): they win.
      await writeFile(join(sb.workDir, `Pulumi.${STACK}.yaml`), file);
      await sb.pulumiOk(["config", "set", "--path", "--stack", STACK, "apps.web.memoryMiB", "768"]);
      const edited = (await appsNow()).web!;
      const ran = await up();
      expect(ran.stdout).not.toContain("keeping release");
      expect(ran.appsAtUp.map((a) => a.web)).toEqual([edited]);
      expect(edited.memoryMiB).toBe(768);
    } finally {
      await writeFile(join(sb.workDir, `Pulumi.${STACK}.yaml`), file);
      await importOutputs(baseOutputs, ["registryPasswords"]);
    }
  });
});
