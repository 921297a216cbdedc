// The pipeline definitions parse, and their steps call the deploy command the way docs/ci.md says.
// Every `npm run deploy -- ...` line is parsed with the deploy command's own argument parser, so a flag that the
// command does not know (or that does not apply to the verb) fails here, not in the first real CI run.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseDeployArgs, type DeployArgs } from "../../scripts/deploy/args.js";

const ROOT = resolve(__dirname, "..", "..");
const read = (path: string) => parse(readFileSync(resolve(ROOT, path), "utf8"));

/** Splits a shell command line into words, honouring single and double quotes (enough for our pipelines). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const m of line.matchAll(pattern)) words.push(m[1] ?? m[2] ?? m[3]);
  return words;
}

interface Invocation {
  tool: "deploy" | "trust" | "npm-ci" | "docker-push" | "pulumi-install";
  args?: DeployArgs;
  line: string;
}

/** The commands one step runs, in order, with `substitute` applied (matrix / template values). */
function stepInvocations(script: string, substitute: (s: string) => string): Invocation[] {
  const found: Invocation[] = [];
  for (const raw of substitute(script).split("\n")) {
    const line = raw.trim();
    if (line.startsWith("#")) continue;
    const deploy = /npm run deploy -- (.*)$/.exec(line);
    if (deploy) {
      const args = parseDeployArgs(shellWords(deploy[1]));
      if (args === null) throw new Error(`--help in a pipeline: ${line}`);
      found.push({ tool: "deploy", args, line });
    }
    if (/npm run trust-registry-ca -- /.test(line)) found.push({ tool: "trust", line });
    if (/^npm ci\b/.test(line)) found.push({ tool: "npm-ci", line });
    if (/^docker push /.test(line)) found.push({ tool: "docker-push", line });
  }
  return found;
}

interface Job {
  id: string;
  /** `if` (GitHub) or the stage condition (Azure). */
  condition: string;
  needs: string[];
  environment?: string;
  invocations: Invocation[];
}

function deploys(jobs: Job[], verb: string, stack?: string): { job: Job; args: DeployArgs }[] {
  return jobs.flatMap((job) =>
    job.invocations
      .filter((i) => i.tool === "deploy" && i.args!.verb === verb && (stack === undefined || i.args!.stack === stack))
      .map((i) => ({ job, args: i.args! })),
  );
}

function dependsOn(jobs: Job[], job: Job, target: string): boolean {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const seen = new Set<string>();
  const stack = [...job.needs];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === target) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(byId.get(id)?.needs ?? []));
  }
  return false;
}

/** Assertions shared by both CI systems: the behaviour docs/ci.md promises. */
function checkFlow(
  jobs: Job[],
  is: { pr: (j: Job) => boolean; main: (j: Job) => boolean; schedule: (j: Job) => boolean },
) {
  // Pull requests: preview of dev and prod with the policy pack, and a summary file; nothing that changes a stack.
  for (const stack of ["dev", "prod"]) {
    const previews = deploys(jobs, "preview", stack).filter(({ job }) => is.pr(job));
    expect(previews, `PR preview of ${stack}`).toHaveLength(1);
    expect(previews[0].args.policyPacks).toEqual(["policy"]);
    expect(previews[0].args.summaryFile).toBeTruthy();
  }
  for (const job of jobs.filter(is.pr)) {
    expect(job.invocations.filter((i) => i.tool === "deploy").map((i) => i.args!.verb)).toEqual(["preview"]);
  }

  // Main: up dev, then a gated up prod that depends on it.
  const upDev = deploys(jobs, "up", "dev");
  const upProd = deploys(jobs, "up", "prod");
  expect(upDev).toHaveLength(1);
  expect(upProd).toHaveLength(1);
  for (const { job, args } of [...upDev, ...upProd]) {
    expect(is.main(job), `${job.id} runs only on main`).toBe(true);
    expect(args.yes).toBe(true);
    expect(args.policyPacks).toEqual(["policy"]);
  }
  expect(upProd[0].job.environment).toBe("prod");
  expect(dependsOn(jobs, upProd[0].job, upDev[0].job.id)).toBe(true);

  // Schedule: drift of both stacks, where any change is a failure (exit 3).
  for (const stack of ["dev", "prod"]) {
    const drifts = deploys(jobs, "drift", stack).filter(({ job }) => is.schedule(job));
    expect(drifts, `scheduled drift of ${stack}`).toHaveLength(1);
    expect(drifts[0].args.expectNoChanges).toBe(true);
  }

  // Nothing in CI destroys.
  expect(deploys(jobs, "destroy")).toEqual([]);

  // Every job that deploys installs the Pulumi CLI and runs `npm ci` first.
  for (const job of jobs) {
    const firstDeploy = job.invocations.findIndex((i) => i.tool === "deploy");
    if (firstDeploy < 0) continue;
    const before = job.invocations.slice(0, firstDeploy).map((i) => i.tool);
    expect(before, job.id).toContain("pulumi-install");
    expect(before, job.id).toContain("npm-ci");
  }

  // Pushing to the dev registry: trust the CA first, after the dev stack is up.
  const pushers = jobs.filter((j) => j.invocations.some((i) => i.tool === "docker-push"));
  expect(pushers.length).toBeGreaterThan(0);
  for (const job of pushers) {
    const tools = job.invocations.map((i) => i.tool);
    const trust = tools.indexOf("trust");
    expect(trust, `${job.id} trusts the registry CA`).toBeGreaterThanOrEqual(0);
    expect(trust).toBeLessThan(tools.indexOf("docker-push"));
    expect(tools.indexOf("npm-ci")).toBeLessThan(trust);
    expect(dependsOn(jobs, job, upDev[0].job.id)).toBe(true);
  }
}

// ---------------------------------------------------------------------------------------------------------------

function githubJobs(workflow: any): Job[] {
  const jobs: Job[] = [];
  for (const [id, job] of Object.entries<any>(workflow.jobs)) {
    const stacks: (string | undefined)[] = job.strategy?.matrix?.stack ?? [undefined];
    for (const stack of stacks) {
      const substitute = (s: string) => (stack === undefined ? s : s.replaceAll("${{ matrix.stack }}", stack));
      const invocations: Invocation[] = [];
      for (const step of job.steps ?? []) {
        if (typeof step.uses === "string" && step.uses.startsWith("pulumi/actions@")) {
          invocations.push({ tool: "pulumi-install", line: step.uses });
        }
        if (typeof step.run === "string") invocations.push(...stepInvocations(step.run, substitute));
      }
      jobs.push({
        id,
        condition: String(job.if ?? ""),
        needs: [job.needs ?? []].flat(),
        environment: job.environment === undefined ? undefined : substitute(String(job.environment)),
        invocations,
      });
    }
  }
  return jobs;
}

describe("GitHub Actions: .github/workflows/infra.yml", () => {
  const workflow = read(".github/workflows/infra.yml");
  const jobs = githubJobs(workflow);

  it("parses and triggers on pull requests, pushes to main, a schedule and by hand", () => {
    expect(Object.keys(workflow.on)).toEqual(
      expect.arrayContaining(["pull_request", "push", "schedule", "workflow_dispatch"]),
    );
    expect(workflow.on.push.branches).toEqual(["main"]);
    expect(workflow.on.schedule[0].cron).toMatch(/^\S+ \S+ \S+ \S+ \S+$/);
  });

  it("runs the deploy command as docs/ci.md describes", () => {
    checkFlow(jobs, {
      pr: (j) => j.condition.includes("github.event_name == 'pull_request'"),
      main: (j) => j.id !== "preview" && j.id !== "drift" && !j.condition.includes("pull_request"),
      schedule: (j) => j.condition.includes("github.event_name == 'schedule'"),
    });
  });

  it("gates main-only jobs on a push to main, and prod on its own environment", () => {
    const upDev = jobs.find((j) => j.id === "up-dev")!;
    expect(upDev.condition).toContain("github.event_name == 'push'");
    expect(upDev.condition).toContain("refs/heads/main");
    expect(jobs.find((j) => j.id === "up-prod")!.environment).toBe("prod");
  });

  it("grants OIDC tokens to the jobs that assume cloud roles", () => {
    for (const [id, job] of Object.entries<any>(workflow.jobs)) {
      const usesAws = (job.steps ?? []).some((s: any) => String(s.uses ?? "").startsWith("aws-actions/"));
      if (usesAws) expect(job.permissions?.["id-token"], id).toBe("write");
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------

/** Expands `- ${{ each stack in parameters.stacks }}:` blocks the way Azure's template compiler does. */
function expandEach(items: any[], parameters: Record<string, unknown>): { item: any; vars: Record<string, string> }[] {
  const out: { item: any; vars: Record<string, string> }[] = [];
  for (const item of items ?? []) {
    const key = typeof item === "object" && item !== null ? Object.keys(item)[0] : undefined;
    const each = key === undefined ? null : /^\$\{\{\s*each (\w+) in parameters\.(\w+)\s*\}\}$/.exec(key);
    if (each) {
      for (const value of parameters[each[2]] as string[]) {
        for (const inner of item[key!]) out.push({ item: inner, vars: { [each[1]]: value } });
      }
    } else {
      out.push({ item, vars: {} });
    }
  }
  return out;
}

function azureJobs(pipeline: any): Job[] {
  const parameters = Object.fromEntries((pipeline.parameters ?? []).map((p: any) => [p.name, p.default]));
  const jobs: Job[] = [];
  for (const stage of pipeline.stages) {
    for (const { item: job, vars } of expandEach(stage.jobs, parameters)) {
      const substitute = (s: string) =>
        Object.entries(vars).reduce(
          (acc, [name, value]) => acc.replace(new RegExp(`\\$\\{\\{\\s*${name}\\s*\\}\\}`, "g"), value),
          s,
        );
      const steps = job.deployment ? job.strategy.runOnce.deploy.steps : job.steps;
      const invocations: Invocation[] = [];
      for (const step of steps ?? []) {
        if (typeof step.task === "string" && step.task.startsWith("Pulumi@")) {
          invocations.push({ tool: "pulumi-install", line: step.task });
        }
        for (const script of [step.script, step.bash, step.inputs?.inlineScript]) {
          if (typeof script === "string") invocations.push(...stepInvocations(script, substitute));
        }
      }
      jobs.push({
        // Jobs are identified by their stage: Azure's dependencies are between stages.
        id: stage.stage,
        condition: String(stage.condition ?? ""),
        needs: [stage.dependsOn ?? []].flat(),
        environment: job.environment,
        invocations,
      });
    }
  }
  return jobs;
}

describe("Azure Pipelines: azure-pipelines.yml", () => {
  const pipeline = read("azure-pipelines.yml");
  const jobs = azureJobs(pipeline);

  it("parses and triggers on main, pull requests and a schedule that runs even without changes", () => {
    expect(pipeline.trigger.branches.include).toEqual(["main"]);
    expect(pipeline.pr.branches.include).toEqual(["main"]);
    expect(pipeline.schedules[0].always).toBe(true);
    expect(pipeline.parameters.find((p: any) => p.name === "stacks").default).toEqual(["dev", "prod"]);
  });

  it("runs the deploy command as docs/ci.md describes", () => {
    checkFlow(jobs, {
      pr: (j) => j.condition.includes("'PullRequest'"),
      main: (j) => j.condition === "succeeded()" || j.condition.includes("refs/heads/main"),
      schedule: (j) => j.condition.includes("'Schedule'"),
    });
  });

  it("deploys through deployment jobs on the dev and prod environments (approvals live on `prod`)", () => {
    const env = (stage: string) => jobs.find((j) => j.id === stage)!.environment;
    expect(env("up_dev")).toBe("dev");
    expect(env("up_prod")).toBe("prod");
  });

  it("uses a service connection per stack, named at compile time", () => {
    const text = readFileSync(resolve(ROOT, "azure-pipelines.yml"), "utf8");
    const connections = [...text.matchAll(/azureSubscription: (\S+)/g)].map((m) => m[1]);
    expect(connections.length).toBeGreaterThan(0);
    // A runtime `$(var)` cannot name a service connection; `${{ }}` template values can.
    for (const c of connections) expect(c).not.toMatch(/\$\(/);
  });
});
