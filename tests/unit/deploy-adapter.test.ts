// The real adapter (AutomationWorkspace over @pulumi/pulumi/automation) and the real CLI entry, driven against a
// scripted stand-in for the `pulumi` binary, for what the real CLI cannot show offline: a preview or update that
// succeeds (no provider plugin can load here). Stack create/select, a missing stack, config with secrets, an
// empty stack's outputs and the missing-plugin error run against the real CLI in
// tests/integration/pulumi-cli-deploy.test.ts. The stand-in logs every argv it receives and answers like the CLI
// does: this pins what the Automation API actually asks the engine for (policy packs, --preview-only, --secret
// config), how its results are parsed (the engine's event log), and that engine failures reach the exit code.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const PROJECT_DIR = resolve(__dirname, "..", "..");

// Version 3.200.0: above the SDK's minimum, and old enough that the SDK reads engine events from a file
// (newer CLIs stream them over gRPC, which a stand-in cannot reasonably imitate).
const FAKE_PULUMI = `#!/usr/bin/env node
const fs = require("fs");
const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_PULUMI_LOG, JSON.stringify(args) + "\\n");
const cmd = args.filter((a) => !a.startsWith("-")).slice(0, 2).join(" ");
const stackIndex = args.lastIndexOf("--stack");
const stack = stackIndex >= 0 ? args[stackIndex + 1] : undefined;
const fail = process.env.FAKE_PULUMI_FAIL || "";
const die = (message) => { process.stderr.write(message + "\\n"); process.exit(255); };
const event = (obj) => {
  const i = args.indexOf("--event-log");
  if (i >= 0) fs.appendFileSync(args[i + 1], JSON.stringify({ sequence: 1, timestamp: 0, ...obj }) + "\\n");
};
if (args[0] === "version") {
  if (process.env.FAKE_PULUMI_VERSION === "broken") die("boom: cannot load plugin cache");
  process.stdout.write((process.env.FAKE_PULUMI_VERSION || "v3.200.0") + "\\n");
  process.exit(0);
}
if (args[0] === "stack" && args[1] === "select") {
  if (stack === "missing") die("error: no stack named 'missing' found");
  process.exit(0);
}
if (args[0] === "stack" && args[1] === "init") process.exit(0);
if (args[0] === "config" && args[1] === "get") {
  // No \`apps\` in these stacks: the CLI's answer for a key the stack does not set.
  process.stderr.write("error: configuration key '" + args[2] + "' not found for stack '" + stack + "'\\n");
  process.exit(1);
}
if (args[0] === "config") process.exit(0);
if (args[0] === "stack" && args[1] === "export") {
  const resources = [{ urn: "urn:pulumi:" + stack + "::startup-infra::pulumi:pulumi:Stack::startup-infra-" + stack }];
  if (process.env.FAKE_PULUMI_PROTECTED) resources.push({ urn: "urn:pulumi:" + stack + "::startup-infra::aws:rds/instance:Instance::db", protect: true });
  process.stdout.write(JSON.stringify({ version: 3, deployment: { resources } }));
  process.exit(0);
}
if (args[0] === "stack" && args[1] === "output") {
  const secret = args.includes("--show-secrets") ? "registry-password-plain" : "[secret]";
  process.stdout.write(JSON.stringify({ registryAddress: "203.0.113.7:5000", registryPasswords: secret }));
  process.exit(0);
}
if (args[0] === "preview" || args[0] === "refresh") {
  process.stdout.write((args[0] === "preview" ? "Previewing update (" : "Refreshing (") + stack + "):\\n");
  process.stdout.write(" ~  aws:ec2:SecurityGroup host update [diff: ~ingress]\\n");
  if (fail === "generic") die("error: preview failed: AccessDenied: not authorized to perform ec2:DescribeVpcs");
  if (fail === "expect" && args.includes("--expect-no-changes")) die("error: no changes were expected but changes were proposed");
  const changes = process.env.FAKE_PULUMI_CHANGES;
  if (changes !== "none") event({ summaryEvent: { maybeCorrupt: false, durationSeconds: 1, resourceChanges: JSON.parse(changes || '{"same":4}'), PolicyPacks: {} } });
  process.stdout.write("Resources:\\n    done\\n");
  process.exit(0);
}
die("fake pulumi: unexpected command: " + args.join(" "));
`;

let binDir: string;
let workDir: string;
/** The deploy command's TMPDIR: it must hold nothing after a run but tsx's transform cache (kept between runs). */
let childTmp: string;

beforeAll(() => {
  binDir = mkdtempSync(join(tmpdir(), "fake-pulumi-bin-"));
  workDir = mkdtempSync(join(tmpdir(), "fake-pulumi-work-"));
  childTmp = mkdtempSync(join(tmpdir(), "fake-pulumi-tmp-"));
  symlinkSync(process.execPath, join(binDir, "node"));
  writeFileSync(join(binDir, "pulumi"), FAKE_PULUMI);
  chmodSync(join(binDir, "pulumi"), 0o755);
});
afterAll(() => {
  rmSync(binDir, { recursive: true, force: true });
  rmSync(workDir, { recursive: true, force: true });
  rmSync(childTmp, { recursive: true, force: true });
});

let runCount = 0;
function deploy(argv: string[], env: Record<string, string> = {}) {
  const log = join(workDir, `calls-${++runCount}.jsonl`);
  writeFileSync(log, "");
  const result = spawnSync(join(binDir, "node"), ["--require", "tsx/cjs", "scripts/deploy/cli.ts", ...argv], {
    cwd: PROJECT_DIR,
    env: { PATH: binDir, HOME: workDir, TMPDIR: childTmp, CI: "true", FAKE_PULUMI_LOG: log, ...env },
    encoding: "utf8",
    timeout: 50_000,
  });
  // Every run, whatever its outcome, leaves its temporary directory as it found it (the Automation API's event-log
  // directory included).
  expect(readdirSync(childTmp).filter((name) => !name.startsWith("tsx-"))).toEqual([]);
  const calls: string[][] = readFileSync(log, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, calls };
}

const find = (calls: string[][], ...words: string[]) => calls.filter((c) => words.every((w, i) => c[i] === w));

describe("the real adapter against a scripted pulumi binary", () => {
  it("preview: stack created-or-selected, secret config set as --secret, policy pack passed, summary from the event log", () => {
    const summary = join(workDir, "preview.md");
    const r = deploy(["preview", "--stack", "dev", "--policy-pack", "policy", "--summary", summary], {
      DEPLOY_SECRET_dbPassword: "very-secret-db-pw",
      DEPLOY_CONFIG_aws__region: "eu-central-1",
      FAKE_PULUMI_CHANGES: JSON.stringify({ create: 2, update: 1, same: 3 }),
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(find(r.calls, "stack", "select")[0]).toEqual(expect.arrayContaining(["--stack", "dev"]));
    const setAll = find(r.calls, "config", "set-all")[0];
    expect(setAll).toEqual(
      expect.arrayContaining(["--secret", "dbPassword=very-secret-db-pw", "--plaintext", "aws:region=eu-central-1"]),
    );
    const preview = find(r.calls, "preview")[0];
    expect(preview).toEqual(expect.arrayContaining(["--policy-pack", "policy", "--diff", "--stack", "dev"]));
    expect(preview).not.toContain("--expect-no-changes");
    expect(r.stdout).toContain(" ~  aws:ec2:SecurityGroup host update");
    expect(r.stdout).toContain("Changes: 2 to create, 1 to update, 0 to replace, 0 to delete, 3 unchanged");
    expect(readFileSync(summary, "utf8")).toContain("| 2 | 1 | 0 | 0 | 3 |");
    expect(r.stdout + r.stderr + readFileSync(summary, "utf8")).not.toContain("very-secret-db-pw");
  });

  it("drift: refresh --preview-only on an existing stack; drift with --expect-no-changes is exit 3", () => {
    const r = deploy(["drift", "--stack", "prod", "--expect-no-changes"], {
      FAKE_PULUMI_CHANGES: JSON.stringify({ update: 1, same: 9 }),
    });
    expect(r.code).toBe(3);
    expect(find(r.calls, "stack", "init")).toEqual([]);
    expect(find(r.calls, "refresh")[0]).toEqual(expect.arrayContaining(["--preview-only", "--stack", "prod"]));
    expect(r.stderr).toMatch(/has changes but --expect-no-changes was given/);
  });

  it("drift without changes is exit 0", () => {
    const r = deploy(["drift", "--stack", "prod", "--expect-no-changes"], { FAKE_PULUMI_CHANGES: '{"same":10}' });
    expect(r.code).toBe(0);
  });

  it("a drift check whose engine sends no change summary fails (exit 1) instead of passing silently", () => {
    const r = deploy(["drift", "--stack", "prod", "--expect-no-changes"], { FAKE_PULUMI_CHANGES: "none" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no change summary");
  });

  it("an engine failure is exit 1 with the engine's message", () => {
    const summary = join(workDir, "failed.md");
    const r = deploy(["preview", "--stack", "dev", "--summary", summary], { FAKE_PULUMI_FAIL: "generic" });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "error: pulumi exited with code 255: error: preview failed: AccessDenied: not authorized to perform ec2:DescribeVpcs\n",
    );
    // The progress was streamed once, on stdout; the summary keeps its tail.
    expect(r.stdout.match(/Previewing update \(dev\)/g)).toHaveLength(1);
    expect(readFileSync(summary, "utf8")).toContain(" ~  aws:ec2:SecurityGroup host update");
  });

  it("the engine's own --expect-no-changes refusal maps to exit 3 (refresh --yes --expect-no-changes)", () => {
    // The pre-check (refresh --preview-only) sees no change; the engine then refuses the refresh itself.
    const r = deploy(["refresh", "--stack", "dev", "--yes", "--expect-no-changes"], {
      FAKE_PULUMI_CHANGES: '{"same":3}',
      FAKE_PULUMI_FAIL: "expect",
    });
    expect(r.code).toBe(3);
    expect(find(r.calls, "refresh").map((c) => c.includes("--preview-only"))).toEqual([true, false]);
  });

  it("outputs: secrets masked in the outputs JSON, plain values kept", () => {
    const file = join(workDir, "outputs", "dev.json");
    const r = deploy(["outputs", "--stack", "dev", "--outputs-json", file]);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({
      registryAddress: "203.0.113.7:5000",
      registryPasswords: "[secret]",
    });
    expect(r.stdout).not.toContain("registry-password-plain");
  });

  it("destroy of a stack with protected resources stops after the export, before any destroy", () => {
    const r = deploy(["destroy", "--stack", "dev", "--yes"], { FAKE_PULUMI_PROTECTED: "1" });
    expect(r.code).toBe(2);
    expect(find(r.calls, "stack", "export")).toHaveLength(1);
    expect(find(r.calls, "destroy")).toEqual([]);
    expect(r.stderr).toContain("aws:rds/instance:Instance::db");
  });

  it("a CLI older than the SDK's minimum, or one that cannot start, is exit 2 before any stack work", () => {
    const old = deploy(["preview", "--stack", "dev"], { FAKE_PULUMI_VERSION: "v3.1.0" });
    expect(old.code).toBe(2);
    expect(old.stderr).toMatch(
      /Minimum version requirement failed.*install it: https:\/\/www\.pulumi\.com\/docs\/install\//,
    );
    expect(old.calls).toEqual([["version"]]);

    const broken = deploy(["preview", "--stack", "dev"], { FAKE_PULUMI_VERSION: "broken" });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain("`pulumi version` failed (boom: cannot load plugin cache)");
    expect(broken.stderr.trim().split("\n")).toHaveLength(1);
  });
});
