// The deploy command's real Automation API adapter (scripts/deploy) against the real Pulumi CLI, on a local file
// backend in a scratch copy of the project: stack create/select, config from the environment with secrets, the
// outputs and state of an empty stack, a missing stack, and the error a missing plugin gives. What needs a
// successful preview or update (change summaries, drift) stays with the stand-in binary in
// tests/unit/deploy-adapter.test.ts: offline, no plugin is available for a real one.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDeployArgs } from "../../scripts/deploy/args";
import { AutomationWorkspace } from "../../scripts/deploy/automation-workspace";
import { runDeploy, type DeployIo } from "../../scripts/deploy/run";
import { parseStackConfig } from "../../stacks/config/parse";
import { PROJECT } from "../../stacks/config/schema";
import { PulumiSandbox, TEST_PASSPHRASE } from "./support/pulumi-cli";

let sb: PulumiSandbox;
const savedEnv = { ...process.env };

beforeAll(async () => {
  sb = await PulumiSandbox.create();
  // The adapter drives the `pulumi` on PATH with the process environment, as in CI.
  for (const [k, v] of Object.entries(sb.env)) process.env[k] = v;
});
afterAll(async () => {
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
  await sb?.dispose();
});

async function deploy(argv: string[], env: Record<string, string> = {}) {
  let stdout = "";
  let stderr = "";
  const files = new Map<string, string>();
  const io: DeployIo = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    writeFile: async (path, content) => void files.set(path, content),
    appendFile: async (path, content) => void files.set(path, (files.get(path) ?? "") + content),
    interactive: false,
    confirm: async () => false,
  };
  const code = await runDeploy(parseDeployArgs(argv)!, {
    workspace: new AutomationWorkspace(sb.workDir),
    io,
    env: { ...process.env, CI: "true", ...env },
  });
  return { code, stdout, stderr, files };
}

describe("the deploy command's adapter against the real CLI", () => {
  it("preview creates the stack, stores the environment's secret encrypted, then reports the missing plugin (exit 1)", async () => {
    const secret = "SG.deploy-test-secret-value";
    const r = await deploy(["preview", "--stack", "dev"], {
      DEPLOY_SECRET_sendgridApiKey: secret,
      DEPLOY_CONFIG_aws__region: "eu-central-1",
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no language plugin 'pulumi-language-nodejs' found in the workspace or on your $PATH");
    expect(r.stdout + r.stderr).not.toContain(secret);

    // The stack exists in the backend, and the stack file holds the secret encrypted, never in clear text.
    const stacks = JSON.parse((await sb.pulumiOk(["stack", "ls", "--json"])).stdout) as { name: string }[];
    expect(stacks.map((s) => s.name)).toContain("dev");
    const file = await readFile(join(sb.workDir, "Pulumi.dev.yaml"), "utf8");
    expect(file).not.toContain(secret);
    expect(file).toMatch(/startup-infra:sendgridApiKey:\n\s+secure: /);
    const all = JSON.parse(
      (await sb.pulumiOk(["config", "--json", "--show-secrets", "--stack", "dev"])).stdout,
    ) as Record<string, { value?: string; objectValue?: unknown; secret: boolean }>;
    expect(all["startup-infra:sendgridApiKey"]).toMatchObject({ value: secret, secret: true });
    expect(all["aws:region"]).toMatchObject({ value: "eu-central-1", secret: false });

    // What the engine now hands the program still parses, with the secret recognised as one.
    const values: Record<string, string> = {};
    const secretKeys = new Set<string>();
    for (const [k, v] of Object.entries(all)) {
      if (!k.startsWith(`${PROJECT}:`)) continue;
      const key = k.slice(PROJECT.length + 1);
      values[key] = v.objectValue !== undefined ? JSON.stringify(v.objectValue) : v.value!;
      if (v.secret) secretKeys.add(key);
    }
    const config = parseStackConfig({ stack: "dev", values, secretKeys });
    expect(config.secretsSet.sendgridApiKey).toBe(true);
  });

  it("preview with no config in the environment selects the existing stack and leaves its file as it was", async () => {
    const before = await readFile(join(sb.workDir, "Pulumi.dev.yaml"), "utf8");
    const r = await deploy(["preview", "--stack", "dev"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no language plugin 'pulumi-language-nodejs'");
    expect(await readFile(join(sb.workDir, "Pulumi.dev.yaml"), "utf8")).toBe(before);
  });

  it("outputs of an empty stack: an empty object, written to the outputs file", async () => {
    const r = await deploy(["outputs", "--stack", "dev", "--outputs-json", "out.json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.files.get("out.json")!)).toEqual({});
  });

  it("destroy of an empty stack: the protected-resource guard reads the real state export, then destroy runs", async () => {
    const r = await deploy(["destroy", "--stack", "dev", "--yes"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("a missing stack is exit 1 with the CLI's message, and drift never creates it", async () => {
    const r = await deploy(["drift", "--stack", "missing"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no stack named 'missing' found");
    const stacks = JSON.parse((await sb.pulumiOk(["stack", "ls", "--json"])).stdout) as { name: string }[];
    expect(stacks.map((s) => s.name)).not.toContain("missing");
  });

  it("the passphrase is what decrypts the stack's secrets (a wrong one is refused)", async () => {
    const r = await sb.shell(
      `PULUMI_CONFIG_PASSPHRASE=wrong-${TEST_PASSPHRASE} pulumi config get sendgridApiKey --stack dev`,
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/passphrase/i);
  });
});
