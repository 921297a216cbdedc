import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DIAGRAM_DIR, DIAGRAM_STACKS, DIAGRAMS, diagramSource, sourceStamp } from "../../scripts/plan/readme";
import { PROJECT_DIR } from "./support/runStack";

const work = mkdtempSync(join(tmpdir(), "plan-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs the real plan command as a user would (its own process). */
function plan(args: string[]) {
  const result = spawnSync(process.execPath, ["--require", "tsx/cjs", "scripts/plan/cli.ts", ...args], {
    cwd: PROJECT_DIR,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function override(name: string, yaml: string): string {
  const file = join(work, name);
  writeFileSync(file, yaml);
  return file;
}

describe.each(["dev", "prod"])("npm run plan -- --stack %s", (stack) => {
  const out = join(work, stack);
  let run: ReturnType<typeof plan>;
  beforeAll(() => {
    run = plan(["--stack", stack, "--out", out]);
  });
  const planJson = () => JSON.parse(readFileSync(join(out, "plan.json"), "utf8"));

  it("exits 0 with a readable summary", () => {
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Offline plan of stack "${stack}" (composition ${stack})`);
    expect(run.stdout).toMatch(/Policy: passes(, no violations\.|, with (1 advisory|\d+ advisories):)/);
    expect(run.stdout).not.toContain("violation(s)");
  });

  it("counts resources the way plan.json does, saying what the headline count leaves out", () => {
    const doc = planJson();
    const all = doc.resources as { type: string; urn: string }[];
    const providers = all.filter((r) => r.type.startsWith("pulumi:providers:")).length;
    const cloud = run.stdout.match(
      /: (\d+) cloud resources \(plan\.json lists (\d+): these, (\d+) providers and (\d+) components/,
    );
    expect(cloud, run.stdout.split("\n")[0]).not.toBeNull();
    const [, shown, listed, shownProviders, components] = cloud!.map(Number);
    expect(listed).toBe(all.length);
    expect(shownProviders).toBe(providers);
    expect(shown! + shownProviders! + components!).toBe(all.length);
  });

  it("prints no PEM fragments (a certificate output is named, not printed)", () => {
    expect(run.stdout).not.toContain("-----BEGIN");
    expect(run.stdout).not.toMatch(/^[A-Za-z0-9+/]{40,}={0,2}$/m);
  });

  it("writes plan.json with resources (urn, type, name, parent, inputs, dependsOn), outputs and no mandatory violation", () => {
    const doc = planJson();
    expect(doc.stack).toBe(stack);
    expect(doc.resources.length).toBeGreaterThan(20);
    for (const r of doc.resources)
      expect(Object.keys(r)).toEqual(expect.arrayContaining(["urn", "type", "name", "parent", "inputs", "dependsOn"]));
    expect(doc.violations.filter((v: { enforcementLevel: string }) => v.enforcementLevel === "mandatory")).toEqual([]);
  });

  it("replaces every secret with [secret]: the database password never appears", () => {
    const doc = planJson();
    const db = doc.resources.find((r: { type: string }) => r.type === "aws:rds/instance:Instance");
    expect(db.inputs.password).toBe("[secret]");
    expect(doc.outputs.databasePassword).toBe("[secret]");
  });

  it("writes the dependency diagram", () => {
    const mmd = readFileSync(join(out, "architecture.mmd"), "utf8");
    expect(mmd).toMatch(/\nflowchart TB\n/);
    expect(mmd).toContain(`subgraph ${stack}_dependencies`);
  });

  it("writes the traffic diagram: DNS or the Elastic IP, the ports the host's security group opens, subnets, RDS, Azure", () => {
    const mmd = readFileSync(join(out, "traffic.mmd"), "utf8");
    expect(mmd).toContain(`public subnets 10.0.0.0/24`);
    expect(mmd).toContain(`private subnets 10.0.128.0/24, 10.0.129.0/24`);
    expect(mmd).toContain(`SSH :22 from 203.0.113.10/32`);
    expect(mmd).toContain(`${stack}_apps -->|"postgres :5432 in the VPC, from the host's group only"| ${stack}_rds`);
    expect(mmd).toContain(`Azure koreacentral`);
    if (stack === "dev") {
      expect(mmd).toContain(`dev_users -->|"by IP address (no DNS)"| dev_eip`);
      expect(mmd).toContain(`dev_eip -->|"registry :5000 from anywhere"| dev_registry`);
      expect(mmd).toContain(`dev_eip -->|"API :8000 from anywhere"| dev_gateway`);
      expect(mmd).not.toContain("Nginx");
    } else {
      expect(mmd).toContain(`prod_dns -->|"A record"| prod_eip`);
      expect(mmd).toContain(`prod_eip -->|"HTTPS :443 from anywhere"| prod_nginx`);
      expect(mmd).toContain(`prod_nginx -->|"docker.example.com"| prod_registry`);
      expect(mmd).not.toContain(":5000 from");
    }
  });
});

describe("plan exit codes", () => {
  it("exits 2 on invalid config, listing every problem with its fix, without a stack trace", () => {
    const file = override(
      "bad.yaml",
      [
        "config:",
        "  startup-infra:network:",
        "    vpcCidr: 10.0.0.0/33",
        "  startup-infra:database:",
        "    engine: oracle",
        "",
      ].join("\n"),
    );
    const run = plan(["--stack", "dev", "--config-file", file, "--out", join(work, "bad")]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Invalid configuration for stack "dev": 2 problems.');
    expect(run.stderr).toContain("startup-infra:network.vpcCidr:");
    expect(run.stderr).toContain("fix: pulumi config set --path 'database.engine' postgres");
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(work, "bad", "plan.json"))).toBe(false);
  });

  it("exits 2 for a stack without a stack file, listing the stacks that exist", () => {
    const run = plan(["--stack", "nosuchstack", "--out", join(work, "none")]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Pulumi.nosuchstack.yaml");
    expect(run.stderr).toContain("Stacks that exist: dev, prod.");
  });

  it("exits 2 for a missing --config-file, without questioning the stack name", () => {
    const run = plan(["--stack", "dev", "--config-file", join(work, "missing.yaml"), "--out", join(work, "none")]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(`plan: --config-file ${join(work, "missing.yaml")}: no such file.`);
  });

  it("exits 2 on a YAML syntax error, naming the file, line and column (not a program failure)", () => {
    const file = override("broken.yaml", "config:\n  startup-infra:host:\n    instanceType: [t3\n  x: 1\n");
    const run = plan(["--stack", "dev", "--config-file", file, "--out", join(work, "broken")]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${file}:4:3: Flow sequence in block collection`);
    expect(run.stderr).not.toContain("mock engine");
  });

  it.each([
    ["noconfig.yaml", "startup-infra:host:\n  instanceType: t3.small\n", "has no top-level `config:` block"],
    ["region.yaml", "config:\n  aws:region: us-east-1\n", "`aws:region` is not applied"],
  ])("exits 2 instead of ignoring %s", (name, yaml, message) => {
    const run = plan(["--stack", "dev", "--config-file", override(name, yaml), "--out", join(work, name)]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(existsSync(join(work, name, "plan.json"))).toBe(false);
  });

  it.each([
    [["--stak", "dev"], "plan: unknown option --stak (did you mean --stack?)"],
    [["--stack"], "plan: --stack needs a value: --stack <value>"],
  ])("exits 2 on bad usage %j with a message for people", (args, message) => {
    const run = plan(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain("usage: npm run plan -- --stack");
    expect(run.stderr).not.toMatch(/ambiguous|To specify a positional/);
  });

  it("exits 1 and names the rule when prod opens SSH to the world", () => {
    const file = override(
      "ssh-open.yaml",
      ["config:", "  startup-infra:host:", "    sshAllowedCidrs: ['0.0.0.0/0']", ""].join("\n"),
    );
    const run = plan(["--stack", "prod", "--config-file", file, "--out", join(work, "open")]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/\[mandatory\] [a-z0-9-]+: .*22/);
    const doc = JSON.parse(readFileSync(join(work, "open", "plan.json"), "utf8"));
    expect(doc.violations.some((v: { enforcementLevel: string }) => v.enforcementLevel === "mandatory")).toBe(true);
  });
});

describe("--config-file merges like pulumi config set --path", () => {
  const resources = (dir: string) => JSON.parse(readFileSync(join(work, dir, "plan.json"), "utf8")).resources;

  it("a file that sets only azure.location keeps Azure on, with the same resource count as the stack", () => {
    const file = override("az.yaml", "config:\n  startup-infra:azure:\n    location: westeurope\n");
    const run = plan(["--stack", "dev", "--config-file", file, "--out", join(work, "az")]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const planned = resources("az");
    expect(planned.length).toBe(resources("dev").length);
    const group = planned.find((r: { type: string }) => r.type === "azure-native:resources:ResourceGroup");
    expect(group.inputs.location).toBe("westeurope");
  });

  it("a file that sets only host.instanceType keeps prod's sshAllowedCidrs", () => {
    const file = override("host.yaml", "config:\n  startup-infra:host:\n    instanceType: t3.small\n");
    const run = plan(["--stack", "prod", "--config-file", file, "--out", join(work, "host")]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const instance = resources("host").find((r: { type: string }) => r.type === "aws:ec2/instance:Instance");
    expect(instance.inputs.instanceType).toBe("t3.small");
  });
});

describe("README stays true to the plan", () => {
  const readme = readFileSync(join(PROJECT_DIR, "README.md"), "utf8");

  it.each(Object.entries(DIAGRAMS))(
    "docs/diagrams/%s.mmd is what the plans generate, and its SVG was rendered from it (npm run docs:diagrams)",
    (name, file) => {
      const generated = diagramSource(DIAGRAM_STACKS.map((s) => readFileSync(join(work, s, file), "utf8")));
      expect(readFileSync(join(PROJECT_DIR, DIAGRAM_DIR, `${name}.mmd`), "utf8")).toBe(generated);
      const svg = readFileSync(join(PROJECT_DIR, DIAGRAM_DIR, `${name}.svg`), "utf8");
      expect(svg.startsWith(`${sourceStamp(generated)}\n<svg`)).toBe(true);
      expect(readme).toContain(`](${DIAGRAM_DIR}/${name}.svg)`);
    },
  );

  it.each(["dev", "prod"])("docs/outputs.md documents every %s stack output", (stack) => {
    const outputsDoc = readFileSync(join(PROJECT_DIR, "docs", "outputs.md"), "utf8");
    const outputs = Object.keys(JSON.parse(readFileSync(join(work, stack, "plan.json"), "utf8")).outputs);
    expect(outputs.length).toBeGreaterThan(5);
    for (const name of outputs) expect(outputsDoc, `output ${name} is not in docs/outputs.md`).toContain(`\`${name}\``);
  });
});
