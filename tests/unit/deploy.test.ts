import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseDeployArgs, type DeployArgs } from "../../scripts/deploy/args.js";
import { EngineCommandError, translateEngineError } from "../../scripts/deploy/engine-errors.js";
import { ChangesDetectedError, EXIT, PulumiCliMissingError } from "../../scripts/deploy/errors.js";
import { protectedResourceUrns } from "../../scripts/deploy/guards.js";
import { isInteractive } from "../../scripts/deploy/io.js";
import { makeRedactor } from "../../scripts/deploy/redact.js";
import { hasChanges, summarizeChanges } from "../../scripts/deploy/summary.js";
import { runDeploy, type DeployIo } from "../../scripts/deploy/run.js";
import type {
  ConfigEntry,
  ConfigObject,
  DeployStack,
  DeployWorkspace,
  OpCounts,
  OperationOptions,
  StackOutputs,
} from "../../scripts/deploy/types.js";

// ---------------------------------------------------------------------------------------------------------------
// A test double of the engine seam: records every call, replays scripted results, streams scripted progress.

interface Call {
  method: string;
  opts?: unknown;
}

interface FakeScript {
  previewChanges?: OpCounts;
  upChanges?: OpCounts;
  refreshChanges?: OpCounts;
  previewRefreshChanges?: OpCounts;
  destroyChanges?: OpCounts;
  outputs?: StackOutputs;
  exported?: unknown;
  progress?: string[];
  /** Method name -> error it throws. */
  failures?: Record<string, Error>;
  /** The stack's `apps` setting (none when unset). */
  apps?: ConfigObject;
}

class FakeStack implements DeployStack {
  calls: Call[] = [];
  config: ConfigEntry[] = [];
  constructor(
    readonly name: string,
    private readonly script: FakeScript,
  ) {}

  private async op(method: string, opts?: Partial<OperationOptions>): Promise<void> {
    this.calls.push({ method, opts });
    for (const line of this.script.progress ?? []) opts?.onOutput?.(line);
    const failure = this.script.failures?.[method];
    if (failure) throw failure;
  }
  async setConfig(entries: ConfigEntry[]) {
    await this.op("setConfig");
    this.config.push(...entries);
  }
  async preview(opts: OperationOptions) {
    await this.op("preview", opts);
    return { changes: this.script.previewChanges ?? { same: 5 } };
  }
  async up(opts: OperationOptions) {
    await this.op("up", opts);
    return { changes: this.script.upChanges ?? { same: 5 }, outputs: this.script.outputs ?? {} };
  }
  async refresh(opts: Omit<OperationOptions, "policyPacks">) {
    await this.op("refresh", opts);
    return { changes: this.script.refreshChanges ?? { same: 5 } };
  }
  async previewRefresh(opts: Omit<OperationOptions, "policyPacks">) {
    await this.op("previewRefresh", opts);
    return { changes: this.script.previewRefreshChanges ?? { same: 5 } };
  }
  async destroy(opts: Pick<OperationOptions, "onOutput">) {
    await this.op("destroy", opts);
    return { changes: this.script.destroyChanges ?? { delete: 5 } };
  }
  async outputs() {
    await this.op("outputs");
    return this.script.outputs ?? {};
  }
  async exportState() {
    await this.op("exportState");
    return this.script.exported ?? { version: 3, deployment: { resources: [] } };
  }
  // Reading config is not an engine operation worth listing in `calls`; writing is.
  async getConfigObject(key: string) {
    return key === "apps" ? this.script.apps : undefined;
  }
  async setConfigObject(key: string, value: Record<string, unknown>) {
    await this.op(`setConfigObject ${key}`);
    this.script.apps = { value, secret: false };
  }
}

class FakeWorkspace implements DeployWorkspace {
  opened: { name: string; create: boolean }[] = [];
  ensureCliCalls = 0;
  stack?: FakeStack;
  constructor(
    private readonly script: FakeScript = {},
    private readonly cliError?: Error,
  ) {}
  async ensureCli() {
    this.ensureCliCalls++;
    if (this.cliError) throw this.cliError;
  }
  async openStack(name: string, opts: { create: boolean }) {
    this.opened.push({ name, create: opts.create });
    const failure = this.script.failures?.openStack;
    if (failure) throw failure;
    this.stack = new FakeStack(name, this.script);
    return this.stack;
  }
  methods(): string[] {
    return this.stack?.calls.map((c) => c.method) ?? [];
  }
}

class FakeIo implements DeployIo {
  out = "";
  err = "";
  files = new Map<string, string>();
  prompts: string[] = [];
  constructor(
    public interactive = false,
    private readonly answer = false,
  ) {}
  stdout(text: string) {
    this.out += text;
  }
  stderr(text: string) {
    this.err += text;
  }
  async writeFile(path: string, content: string) {
    this.files.set(path, content);
  }
  async appendFile(path: string, content: string) {
    this.files.set(path, (this.files.get(path) ?? "") + content);
  }
  async confirm(question: string) {
    this.prompts.push(question);
    return this.answer;
  }
  everything(): string {
    return this.out + this.err + [...this.files.values()].join("");
  }
}

function args(argv: string): DeployArgs {
  const parsed = parseDeployArgs(argv.split(" ").filter(Boolean));
  if (parsed === null) throw new Error("unexpected --help");
  return parsed;
}

async function run(
  argv: string,
  opts: { script?: FakeScript; env?: NodeJS.ProcessEnv; io?: FakeIo; cliError?: Error },
) {
  const workspace = new FakeWorkspace(opts.script, opts.cliError);
  const io = opts.io ?? new FakeIo();
  const code = await runDeploy(args(argv), { workspace, io, env: opts.env ?? {} });
  return { code, workspace, io };
}

// ---------------------------------------------------------------------------------------------------------------

describe("deploy verbs against the workspace test double", () => {
  it("preview creates-or-selects the stack, passes the policy pack, streams progress and prints the change summary", async () => {
    const { code, workspace, io } = await run("preview --stack dev --policy-pack policy", {
      script: {
        previewChanges: { create: 2, update: 1, replace: 1, "create-replacement": 1, "delete-replaced": 1, same: 4 },
        progress: ["Previewing update (dev)\n", " +  aws:ec2:Vpc net create\n"],
      },
    });
    expect(code).toBe(EXIT.ok);
    expect(workspace.ensureCliCalls).toBe(1);
    expect(workspace.opened).toEqual([{ name: "dev", create: true }]);
    expect(workspace.methods()).toEqual(["preview"]);
    expect(workspace.stack!.calls[0].opts).toMatchObject({ policyPacks: ["policy"], expectNoChanges: false });
    expect(io.out).toContain(" +  aws:ec2:Vpc net create\n");
    expect(io.out).toContain("Changes: 2 to create, 1 to update, 1 to replace, 0 to delete, 4 unchanged");
    expect(io.err).toBe("");
  });

  it("preview --expect-no-changes exits 3 when the engine proposes changes, 0 when it does not", async () => {
    const changed = await run("preview --stack dev --expect-no-changes", { script: { previewChanges: { update: 1 } } });
    expect(changed.code).toBe(EXIT.changes);
    expect(changed.io.err).toMatch(/--expect-no-changes/);
    const clean = await run("preview --stack dev --expect-no-changes", { script: { previewChanges: { same: 9 } } });
    expect(clean.code).toBe(EXIT.ok);
  });

  it("drift is a refresh in preview mode on an existing stack; any drift with --expect-no-changes is exit 3", async () => {
    const drifted = await run("drift --stack prod --expect-no-changes", {
      script: { previewRefreshChanges: { same: 10, update: 1 } },
    });
    expect(drifted.code).toBe(EXIT.changes);
    expect(drifted.workspace.opened).toEqual([{ name: "prod", create: false }]);
    expect(drifted.workspace.methods()).toEqual(["previewRefresh"]);
    expect(drifted.io.out).toContain("1 to update");

    const deleted = await run("drift --stack prod --expect-no-changes", {
      script: { previewRefreshChanges: { delete: 1 } },
    });
    expect(deleted.code).toBe(EXIT.changes);

    const clean = await run("drift --stack prod --expect-no-changes", {
      script: { previewRefreshChanges: { same: 10 } },
    });
    expect(clean.code).toBe(EXIT.ok);
    // Without the flag, drift is reported but is not a failure.
    const reported = await run("drift --stack prod", { script: { previewRefreshChanges: { update: 2 } } });
    expect(reported.code).toBe(EXIT.ok);
    expect(reported.io.out).toContain("2 to update");
  });

  it("up --yes runs the update with the policy pack and writes the outputs JSON with secrets masked", async () => {
    const { code, workspace, io } = await run("up --stack dev --yes --policy-pack policy --outputs-json out/dev.json", {
      script: {
        upChanges: { create: 3 },
        outputs: {
          registryAddress: { value: "203.0.113.7:5000", secret: false },
          registryPasswords: { value: { ci: "hunter2-very-secret" }, secret: true },
          registryUsers: { value: ["ci"], secret: false },
        },
      },
    });
    expect(code).toBe(EXIT.ok);
    expect(workspace.opened).toEqual([{ name: "dev", create: true }]);
    expect(workspace.methods()).toEqual(["up"]);
    expect(workspace.stack!.calls[0].opts).toMatchObject({ policyPacks: ["policy"] });
    expect(JSON.parse(io.files.get("out/dev.json")!)).toEqual({
      registryAddress: "203.0.113.7:5000",
      registryPasswords: "[secret]",
      registryUsers: ["ci"],
    });
    expect(io.everything()).not.toContain("hunter2-very-secret");
    expect(io.out).toContain("3 to create");
  });

  it("up --expect-no-changes previews first and stops with exit 3 before anything is updated", async () => {
    const { code, workspace } = await run("up --stack dev --yes --expect-no-changes", {
      script: { previewChanges: { create: 1 } },
    });
    expect(code).toBe(EXIT.changes);
    expect(workspace.methods()).toEqual(["preview"]);
    const clean = await run("up --stack dev --yes --expect-no-changes", { script: { previewChanges: { same: 3 } } });
    expect(clean.code).toBe(EXIT.ok);
    expect(clean.workspace.methods()).toEqual(["preview", "up"]);
    expect(clean.workspace.stack!.calls[1].opts).toMatchObject({ expectNoChanges: true });
  });

  it("refresh --yes refreshes an existing stack", async () => {
    const { code, workspace } = await run("refresh --stack dev --yes", { script: { refreshChanges: { update: 1 } } });
    expect(code).toBe(EXIT.ok);
    expect(workspace.opened).toEqual([{ name: "dev", create: false }]);
    expect(workspace.methods()).toEqual(["refresh"]);
  });

  it("outputs prints and writes the outputs with secrets masked, on an existing stack", async () => {
    const { code, workspace, io } = await run("outputs --stack dev --outputs-json o.json", {
      script: {
        outputs: {
          registryCaCertificatePem: {
            value: "-----BEGIN CERTIFICATE-----\nABC\n-----END CERTIFICATE-----\n",
            secret: false,
          },
          dbPassword: { value: "s3cr3t-db-password", secret: true },
        },
      },
    });
    expect(code).toBe(EXIT.ok);
    expect(workspace.opened).toEqual([{ name: "dev", create: false }]);
    const written = JSON.parse(io.files.get("o.json")!);
    expect(written.dbPassword).toBe("[secret]");
    expect(written.registryCaCertificatePem).toContain("BEGIN CERTIFICATE");
    expect(io.out).toContain('"dbPassword": "[secret]"');
    expect(io.everything()).not.toContain("s3cr3t-db-password");
  });
});

describe("refusals (exit 2) and --yes", () => {
  for (const verb of ["up", "destroy", "refresh"]) {
    it(`${verb} without --yes in a non-interactive run is refused before any engine call`, async () => {
      const { code, workspace, io } = await run(`${verb} --stack dev`, { io: new FakeIo(false) });
      expect(code).toBe(EXIT.usage);
      expect(io.err).toMatch(/without --yes in a non-interactive run/);
      expect(workspace.ensureCliCalls).toBe(0);
      expect(workspace.opened).toEqual([]);
    });
  }

  it("interactive up without --yes asks, and a 'no' runs nothing", async () => {
    const io = new FakeIo(true, false);
    const { code, workspace } = await run("up --stack dev", { io });
    expect(code).toBe(EXIT.usage);
    expect(io.prompts).toHaveLength(1);
    expect(workspace.methods()).toEqual([]);
  });

  it("interactive up without --yes asks, and a 'yes' runs the update", async () => {
    const io = new FakeIo(true, true);
    const { code, workspace } = await run("up --stack dev", { io });
    expect(code).toBe(EXIT.ok);
    expect(workspace.methods()).toEqual(["up"]);
  });

  it("a missing Pulumi CLI is exit 2 with the install hint, and no stack is opened", async () => {
    const { code, workspace, io } = await run("preview --stack dev", {
      cliError: new PulumiCliMissingError("`pulumi` was not found on PATH"),
    });
    expect(code).toBe(EXIT.usage);
    expect(io.err).toContain("https://www.pulumi.com/docs/install/");
    expect(io.err.trim().split("\n")).toHaveLength(1);
    expect(workspace.opened).toEqual([]);
  });

  it("bad usage is a UsageError", () => {
    expect(() => parseDeployArgs(["preview"])).toThrow(/--stack <name> is required/);
    expect(() => parseDeployArgs(["deploy", "--stack", "dev"])).toThrow(/unknown verb/);
    expect(() => parseDeployArgs(["preview", "--stack", "dev", "--bogus"])).toThrow(
      /^unknown option --bogus; known options: --stack/,
    );
    expect(() => parseDeployArgs(["drift", "--stack", "dev", "--policy-pack", "policy"])).toThrow(/does not apply/);
    expect(() => parseDeployArgs(["up", "--stack", "dev", "--confirm", "dev"])).toThrow(/does not apply/);
    expect(() => parseDeployArgs(["preview", "--stack", "../etc"])).toThrow(/not a valid stack name/);
    expect(parseDeployArgs(["--help"])).toBeNull();
  });
});

describe("the destroy guard", () => {
  const protectedState = {
    version: 3,
    deployment: {
      resources: [
        { urn: "urn:pulumi:dev::startup-infra::aws:rds/instance:Instance::db", protect: true },
        { urn: "urn:pulumi:dev::startup-infra::aws:ec2/vpc:Vpc::net" },
      ],
    },
  };

  it("destroys an unprotected, non-prod stack with --yes", async () => {
    const { code, workspace } = await run("destroy --stack dev --yes", {});
    expect(code).toBe(EXIT.ok);
    expect(workspace.opened).toEqual([{ name: "dev", create: false }]);
    expect(workspace.methods()).toEqual(["exportState", "destroy"]);
  });

  it("refuses prod without --confirm prod, even with --yes", async () => {
    const { code, workspace, io } = await run("destroy --stack prod --yes", {});
    expect(code).toBe(EXIT.usage);
    expect(io.err).toMatch(/refusing to destroy stack "prod".*--confirm prod/);
    expect(workspace.methods()).not.toContain("destroy");
  });

  it("refuses prod with a --confirm that names another stack", async () => {
    const { code, workspace } = await run("destroy --stack prod --yes --confirm dev", {});
    expect(code).toBe(EXIT.usage);
    expect(workspace.methods()).not.toContain("destroy");
  });

  it("destroys prod with --yes --confirm prod", async () => {
    const { code, workspace } = await run("destroy --stack prod --yes --confirm prod", {});
    expect(code).toBe(EXIT.ok);
    expect(workspace.methods()).toEqual(["exportState", "destroy"]);
  });

  it("guards org-qualified prod names too", async () => {
    const { code } = await run("destroy --stack acme/prod --yes", {});
    expect(code).toBe(EXIT.usage);
  });

  it("refuses a stack holding protected resources, naming them, unless confirmed", async () => {
    const refused = await run("destroy --stack dev --yes", { script: { exported: protectedState } });
    expect(refused.code).toBe(EXIT.usage);
    expect(refused.io.err).toContain("1 protected resource(s)");
    expect(refused.io.err).toContain("aws:rds/instance:Instance::db");
    expect(refused.workspace.methods()).not.toContain("destroy");

    const confirmed = await run("destroy --stack dev --yes --confirm dev", { script: { exported: protectedState } });
    expect(confirmed.code).toBe(EXIT.ok);
    expect(confirmed.workspace.methods()).toEqual(["exportState", "destroy"]);
  });
});

describe("engine failures reach the exit code", () => {
  it("a failing up is exit 1 with the error on stderr and in the summary", async () => {
    const { code, io } = await run("up --stack dev --yes --summary s.md", {
      script: { failures: { up: new Error("error: creating EC2 Instance: UnauthorizedOperation") } },
    });
    expect(code).toBe(EXIT.failed);
    expect(io.err).toContain("UnauthorizedOperation");
    expect(io.files.get("s.md")).toContain("failed");
    expect(io.files.get("s.md")).toContain("UnauthorizedOperation");
  });

  it("a failed run's summary carries the last lines of the engine output", async () => {
    const { code, io } = await run("up --stack dev --yes --summary s.md", {
      script: {
        progress: ["Updating (dev)\n", " +  aws:rds:Instance db creating (12s)\n", "error: DBInstanceAlreadyExists\n"],
        failures: { up: new Error("pulumi exited with code 255: error: update failed") },
      },
    });
    expect(code).toBe(EXIT.failed);
    const md = io.files.get("s.md")!;
    expect(md).toContain("Last lines of the engine output");
    expect(md).toContain(" +  aws:rds:Instance db creating (12s)");
  });

  it("reduces the SDK's CommandError to the CLI's stderr: no repeated stdout, no command line", () => {
    const sdkError = Object.assign(
      new Error("code: -2\n stdout: \n stderr: Command failed with exit code 255: pulumi config set-all ...\n"),
      {
        commandResult: {
          code: -2,
          stdout: "",
          stderr: "Command failed with exit code 255: pulumi config set-all --secret k=v\nerror: bad\nLOTS OF STDOUT",
          err: { exitCode: 255, stderr: "error: could not decrypt configuration value", stdout: "LOTS OF STDOUT" },
        },
      },
    );
    const translated = translateEngineError(sdkError);
    expect(translated).toBeInstanceOf(EngineCommandError);
    expect((translated as Error).message).toBe(
      "pulumi exited with code 255: error: could not decrypt configuration value",
    );
  });

  it("a stack that cannot be opened is exit 1", async () => {
    const { code } = await run("drift --stack qa", {
      script: { failures: { openStack: new Error("no stack named 'qa'") } },
    });
    expect(code).toBe(EXIT.failed);
  });

  it("translates the Automation API's texts: missing CLI -> exit 2, expect-no-changes -> exit 3", () => {
    const enoent = new Error("code: -2\n stderr: Command failed with ENOENT: pulumi version\nspawn pulumi ENOENT\n");
    expect(translateEngineError(enoent)).toBeInstanceOf(PulumiCliMissingError);
    const old = new Error("Minimum version requirement failed. The minimum CLI version requirement is 3.200.0");
    expect(translateEngineError(old)).toBeInstanceOf(PulumiCliMissingError);
    const proposed = new Error("code: 255\n stderr: error: no changes were expected but changes were proposed\n");
    expect(translateEngineError(proposed)).toBeInstanceOf(ChangesDetectedError);
    const occurred = new Error("stderr: no changes were expected but changes occurred");
    expect(translateEngineError(occurred)).toBeInstanceOf(ChangesDetectedError);
    const other = new Error("error: update failed");
    expect(translateEngineError(other)).toBe(other);
  });

  it("maps a translated engine error to its exit code", async () => {
    const changes = await run("refresh --stack dev --yes", {
      script: { failures: { refresh: new ChangesDetectedError("the engine found changes") } },
    });
    expect(changes.code).toBe(EXIT.changes);
  });
});

describe("config and secrets from the environment", () => {
  const env = {
    DEPLOY_CONFIG_aws__region: "eu-central-1",
    DEPLOY_SECRET_dbPassword: "pa55word-from-ci-store",
    DEPLOY_SECRETS_JSON: JSON.stringify({ "startup-infra:tlsKey": "-----BEGIN KEY-----tls-key-material" }),
    DEPLOY_CONFIG_JSON: JSON.stringify({ "startup-infra:instanceType": "t3.large" }),
    PULUMI_ACCESS_TOKEN: "pul-0123456789abcdef",
    UNRELATED: "x",
  };

  it("reach the workspace as config entries, secrets flagged secret, and no value is ever printed", async () => {
    const { code, workspace, io } = await run("up --stack dev --yes --summary s.md --outputs-json o.json", {
      env,
      script: {
        // An engine that echoes a secret (as a failed `config set` command line would) must still not leak it.
        progress: ["setting pa55word-from-ci-store in the stack\n", "token pul-0123456789abcdef\n"],
      },
    });
    expect(code).toBe(EXIT.ok);
    expect(workspace.methods()).toEqual(["setConfig", "up"]);
    expect(workspace.stack!.config).toEqual([
      { key: "aws:region", value: "eu-central-1", secret: false },
      { key: "dbPassword", value: "pa55word-from-ci-store", secret: true },
      { key: "startup-infra:instanceType", value: "t3.large", secret: false },
      { key: "startup-infra:tlsKey", value: "-----BEGIN KEY-----tls-key-material", secret: true },
    ]);
    expect(io.out).toContain("config from environment: aws:region, dbPassword (secret)");
    const all = io.everything();
    expect(all).not.toContain("pa55word-from-ci-store");
    expect(all).not.toContain("tls-key-material");
    expect(all).not.toContain("pul-0123456789abcdef");
    expect(io.out).toContain("setting [secret] in the stack");
  });

  it("an engine error that quotes a secret is redacted on stderr and in the summary", async () => {
    const { code, io } = await run("preview --stack dev --summary s.md", {
      env,
      script: {
        failures: {
          setConfig: new Error("Command failed: pulumi config set-all --secret dbPassword=pa55word-from-ci-store"),
        },
      },
    });
    expect(code).toBe(EXIT.failed);
    expect(io.err).toContain("dbPassword=[secret]");
    expect(io.everything()).not.toContain("pa55word-from-ci-store");
  });

  it("invalid JSON is exit 2 without quoting the value", async () => {
    const { code, io, workspace } = await run("preview --stack dev", {
      env: { DEPLOY_SECRETS_JSON: '{"dbPassword": "leaky-value"' },
    });
    expect(code).toBe(EXIT.usage);
    expect(io.err).toContain("DEPLOY_SECRETS_JSON is not valid JSON");
    expect(io.everything()).not.toContain("leaky-value");
    expect(workspace.opened).toEqual([]);
  });

  it("a key given both as plain and secret is refused", async () => {
    const { code } = await run("preview --stack dev", {
      env: { DEPLOY_CONFIG_dbPassword: "a", DEPLOY_SECRET_dbPassword: "b" },
    });
    expect(code).toBe(EXIT.usage);
  });

  it("an undefined Azure Pipelines variable ($(NAME) left unexpanded) is not config", async () => {
    const { code, workspace } = await run("preview --stack dev", {
      env: { DEPLOY_SECRETS_JSON: "$(DEPLOY_SECRETS_JSON)", DEPLOY_SECRET_x: "$(X)" },
    });
    expect(code).toBe(EXIT.ok);
    expect(workspace.methods()).toEqual(["preview"]);
  });
});

describe("the Markdown summary", () => {
  it("names the verb, stack, outcome, exit code, policy pack, change counts and masked outputs", async () => {
    const io = new FakeIo();
    io.files.set("summary.md", "# earlier step\n");
    const { code } = await run("up --stack dev --yes --policy-pack policy --summary summary.md", {
      io,
      script: {
        upChanges: { create: 2, update: 1, delete: 1, same: 7 },
        outputs: {
          registryAddress: { value: "203.0.113.7:5000", secret: false },
          registryPasswords: { value: { ci: "pw-in-output-123" }, secret: true },
        },
      },
    });
    expect(code).toBe(EXIT.ok);
    const md = io.files.get("summary.md")!;
    // Appended, never overwritten ($GITHUB_STEP_SUMMARY is shared by the job's steps).
    expect(md.startsWith("# earlier step\n")).toBe(true);
    expect(md).toContain("### Update of stack `dev`: succeeded");
    expect(md).toContain("Exit code: 0");
    expect(md).toContain("Policy packs: `policy`");
    expect(md).toContain("| Create | Update | Replace | Delete | Unchanged |");
    expect(md).toContain("| 2 | 1 | 0 | 1 | 7 |");
    expect(md).toContain("| `registryAddress` | 203.0.113.7:5000 |");
    expect(md).toContain("| `registryPasswords` | [secret] |");
    expect(md).not.toContain("pw-in-output-123");
  });

  it("records drift as 'changes detected' with exit code 3", async () => {
    const { io } = await run("drift --stack prod --expect-no-changes --summary s.md", {
      script: { previewRefreshChanges: { update: 1, same: 3 } },
    });
    const md = io.files.get("s.md")!;
    expect(md).toContain("### Drift check of stack `prod`: changes detected");
    expect(md).toContain("Exit code: 3");
  });

  it("records a refusal", async () => {
    const { io } = await run("destroy --stack prod --yes --summary s.md", {});
    expect(io.files.get("s.md")).toContain("### Destroy of stack `prod`: refused");
  });

  it("a summary that cannot be written fails an otherwise successful run", async () => {
    const io = new FakeIo();
    io.appendFile = async () => {
      throw new Error("EACCES: permission denied");
    };
    const { code } = await run("preview --stack dev --summary /nope/s.md", { io });
    expect(code).toBe(EXIT.failed);
    expect(io.err).toContain("could not write the summary");
  });
});

describe("pure helpers", () => {
  it("counts a replacement once, whichever halves the engine reports", () => {
    expect(summarizeChanges({ replace: 1, "create-replacement": 1, "delete-replaced": 1 }).replaces).toBe(1);
    expect(summarizeChanges({ "create-replacement": 2, "delete-replaced": 2 }).replaces).toBe(2);
    expect(summarizeChanges({ create: 1, import: 1, delete: 2, discard: 1, same: 3 })).toEqual({
      creates: 2,
      updates: 0,
      replaces: 0,
      deletes: 3,
      same: 3,
    });
  });

  it("treats same/read/refresh as no change and everything else as a change", () => {
    expect(hasChanges({ same: 4, read: 1, refresh: 2 })).toBe(false);
    expect(hasChanges({ same: 4, update: 0 })).toBe(false);
    for (const op of ["create", "update", "delete", "replace", "create-replacement", "import", "discard"]) {
      expect(hasChanges({ same: 1, [op]: 1 }), op).toBe(true);
    }
  });

  it("redacts every known secret, longest first, and leaves short values alone", () => {
    const redact = makeRedactor(["abcd", "abcdefgh", "xy"]);
    expect(redact("k=abcdefgh k2=abcd xy")).toBe("k=[secret] k2=[secret] xy");
  });

  it("finds protected resources only in a well-formed export", () => {
    expect(protectedResourceUrns(null)).toEqual([]);
    expect(protectedResourceUrns({ deployment: {} })).toEqual([]);
    expect(
      protectedResourceUrns({
        deployment: { resources: [{ urn: "a", protect: true }, { urn: "b", protect: false }, null] },
      }),
    ).toEqual(["a"]);
  });

  it("is interactive only with a terminal and without CI", () => {
    expect(isInteractive({}, true)).toBe(true);
    expect(isInteractive({ CI: "false" }, true)).toBe(true);
    expect(isInteractive({ CI: "true" }, true)).toBe(false);
    expect(isInteractive({ CI: "1" }, true)).toBe(false);
    expect(isInteractive({}, false)).toBe(false);
  });
});

describe("apps a deployed release overrode", () => {
  const committed = { image: "web:1.0.0", port: 3000 };
  const sha = createHash("sha256").update('{"image":"web:1.0.0","port":3000}').digest("hex");
  const D = `sha256:${"b".repeat(64)}`;
  const config = { image: `web@${D}`, port: 3000, env: {}, secrets: {}, overrides: sha };
  const outputs: StackOutputs = {
    appReleases: {
      secret: false,
      value: {
        web: {
          history: {
            version: 1,
            app: "web",
            repository: "web",
            keepReleases: 5,
            releases: [
              {
                seq: 7,
                digest: D,
                configHash: "1".repeat(64),
                secretsHash: "0".repeat(64),
                deployedAt: "2026-12-01T10:00:00Z",
                deployedBy: "ci run 7",
                status: "active",
                config,
              },
            ],
          },
        },
      },
    },
  };

  it.each(["up --stack dev --yes", "preview --stack dev"])(
    "%s: runs with the active release while the committed settings are unchanged",
    async (argv) => {
      const script: FakeScript = { outputs, apps: { value: { web: committed }, secret: false } };
      const { code, workspace, io } = await run(argv, { script });
      expect(code).toBe(EXIT.ok);
      expect(workspace.methods().slice(0, 2)).toEqual(["outputs", "setConfigObject apps"]);
      expect(script.apps!.value.web).toEqual({ ...config, deployedBy: "ci run 7" });
      expect(io.out).toContain("apps.web: keeping release 7 (deployed by ci run 7, over the committed settings");
    },
  );

  it("edited committed settings win; drift does not run the program and leaves apps alone", async () => {
    const edited = { ...committed, port: 8080 };
    const script: FakeScript = { outputs, apps: { value: { web: edited }, secret: false } };
    const up = await run("up --stack dev --yes", { script });
    expect(up.workspace.methods()).toEqual(["outputs", "up"]);
    expect(script.apps!.value.web).toEqual(edited);
    const drift = await run("drift --stack dev", {
      script: { outputs, apps: { value: { web: committed }, secret: false } },
    });
    expect(drift.workspace.methods()).toEqual(["previewRefresh"]);
  });
});
