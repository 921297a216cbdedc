// The pipeline definitions parse, and their steps call the deploy command the way docs/ci.md says.
// Every `npm run deploy -- ...` line is parsed with the deploy command's own argument parser, so a flag that the
// command does not know (or that does not apply to the verb) fails here, not in the first real CI run.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseDeployArgs, type DeployArgs } from "../../scripts/deploy/args.js";
import { APP_VERBS, type AppsArgs, parseAppsArgs } from "../../scripts/deploy/apps/run.js";
import { azureConditionHolds, githubConditionHolds } from "./support/pipelineConditions.js";

const ROOT = resolve(__dirname, "..", "..");
const text = (path: string) => readFileSync(resolve(ROOT, path), "utf8");
const read = (path: string) => parse(text(path));

/** The Pulumi SDK version the lock file resolves: the CLI the pipelines install must be the same. */
const SDK_VERSION: string = JSON.parse(text("package-lock.json")).packages["node_modules/@pulumi/pulumi"].version;

/** Splits a shell command line into words, honouring single and double quotes (enough for our pipelines). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const m of line.matchAll(pattern)) words.push(m[1] ?? m[2] ?? m[3]);
  return words;
}

interface Invocation {
  tool: "deploy" | "deploy-app" | "trust" | "npm-ci" | "docker-push" | "pulumi-install";
  args?: DeployArgs;
  app?: AppsArgs;
  line: string;
}

/** The commands one step runs, in order, with `substitute` applied (matrix / template values). */
function stepInvocations(script: string, substitute: (s: string) => string): Invocation[] {
  const found: Invocation[] = [];
  for (const raw of substitute(script).split("\n")) {
    const line = raw.trim();
    if (line.startsWith("#")) continue;
    const deploy = /npm run deploy -- (.*)$/.exec(line);
    const appVerb = deploy && (APP_VERBS as readonly string[]).includes(shellWords(deploy[1])[0] ?? "");
    if (deploy && appVerb) {
      // An app deploy: parsed by its own parser (it runs `up` for one app's release; docs/apps.md).
      // The commit id the CI expands (GitHub's $GITHUB_SHA, Azure's $(Build.SourceVersion)) stands in as a sample.
      const expanded = deploy[1].replace(/\$\{GITHUB_SHA\}|\$\(Build\.SourceVersion\)/g, "0123abcd");
      const app = parseAppsArgs(shellWords(expanded));
      if (app === null) throw new Error(`--help in a pipeline: ${line}`);
      found.push({ tool: "deploy-app", app, line });
    } else if (deploy) {
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
  // Pull requests: preview of dev only, with the policy pack and a summary file; nothing that changes a stack, and
  // nothing of prod (the security tests below check the credentials).
  const prPreviews = deploys(jobs, "preview").filter(({ job }) => is.pr(job));
  expect(prPreviews.map(({ args }) => args.stack)).toEqual(["dev"]);
  expect(prPreviews[0].args.policyPacks).toEqual(["policy"]);
  expect(prPreviews[0].args.summaryFile).toBeTruthy();
  for (const job of jobs.filter(is.pr)) {
    expect(job.invocations.filter((i) => i.tool === "deploy").map((i) => i.args!.verb)).toEqual(["preview"]);
  }
  // Prod is previewed from main only, before the gated up.
  const prodPreviews = deploys(jobs, "preview", "prod");
  expect(prodPreviews).toHaveLength(1);
  expect(is.main(prodPreviews[0].job), "prod preview runs only on main").toBe(true);
  expect(prodPreviews[0].args.policyPacks).toEqual(["policy"]);

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
  expect(dependsOn(jobs, upProd[0].job, prodPreviews[0].job.id), "up prod waits for the prod preview").toBe(true);

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

  // Pushing to the dev registry: trust the CA first, after the dev stack is up. (Prod's registry has a public
  // certificate: its pushers run on the prod environment, after up prod.)
  const pushers = jobs.filter((j) => j.invocations.some((i) => i.tool === "docker-push"));
  expect(pushers.length).toBeGreaterThan(0);
  for (const job of pushers.filter((j) => j.environment === "prod")) {
    expect(dependsOn(jobs, job, upProd[0].job.id), `${job.id} pushes to prod after up prod`).toBe(true);
  }
  for (const job of pushers.filter((j) => j.environment !== "prod")) {
    const tools = job.invocations.map((i) => i.tool);
    const trust = tools.indexOf("trust");
    expect(trust, `${job.id} trusts the registry CA`).toBeGreaterThanOrEqual(0);
    expect(trust).toBeLessThan(tools.indexOf("docker-push"));
    expect(tools.indexOf("npm-ci")).toBeLessThan(trust);
    expect(dependsOn(jobs, job, upDev[0].job.id)).toBe(true);
  }

  // The app jobs: build and push the image, then deploy exactly it (by digest), on main only: dev after up dev,
  // then prod after up prod and after the app serves on dev, on the approval-gated prod environment.
  const appDeploys = jobs.flatMap((job) =>
    job.invocations.filter((i) => i.tool === "deploy-app").map((i) => ({ job, i })),
  );
  expect(appDeploys.map(({ i }) => i.app!.stack)).toEqual(["dev", "prod"]);
  for (const { job, i } of appDeploys) {
    const tools = job.invocations.map((x) => x.tool);
    expect(is.main(job), `${job.id} runs only on main`).toBe(true);
    expect(i.app).toMatchObject({ verb: "app", yes: true });
    // The app's `up` is a whole-stack `up`: the same policy pack as every other.
    expect(i.app!.policyPacks, `${job.id} runs up with the policy pack`).toEqual(["policy"]);
    expect(tools.indexOf("docker-push"), `${job.id} pushes before it deploys`).toBeGreaterThanOrEqual(0);
    expect(tools.indexOf("docker-push")).toBeLessThan(tools.indexOf("deploy-app"));
    expect(tools.indexOf("pulumi-install")).toBeLessThan(tools.indexOf("deploy-app"));
    expect(tools.indexOf("npm-ci")).toBeLessThan(tools.indexOf("deploy-app"));
  }
  const [appDev, appProd] = appDeploys.map(({ job }) => job);
  expect(dependsOn(jobs, appDev!, upDev[0].job.id)).toBe(true);
  expect(appProd!.environment).toBe("prod");
  expect(dependsOn(jobs, appProd!, upProd[0].job.id), "the prod app job waits for up prod").toBe(true);
  expect(dependsOn(jobs, appProd!, appDev!.id), "the prod app job waits for the app on dev").toBe(true);
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
      pr: (j) => githubReachable(workflow, j.id, PR_EVENT),
      main: (j) => onlyOnMain(workflow.jobs[j.id]),
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
  });

  it("runs the deploy command as docs/ci.md describes", () => {
    checkFlow(jobs, {
      pr: (j) => azureReachable(pipeline, j.id, AZURE_PR),
      main: (j) => !azureReachable(pipeline, j.id, AZURE_PR) && j.condition.includes("refs/heads/main"),
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

// ---------------------------------------------------------------------------------------------------------------
// Security: what a pull request can reach, how secrets are bound, pins. Each of these failed on the pipelines that
// previewed prod on pull requests with shared, job-wide credentials and tag-pinned actions.

const PR_EVENT = { event: "pull_request", ref: "refs/pull/1/merge" };

/** True when `jobId` can run for `context`: its trigger is configured, its `if` may hold, and so may its needs'. */
function githubReachable(workflow: any, jobId: string, context: { event: string; ref: string }): boolean {
  if (!(context.event in workflow.on)) return false;
  const job = workflow.jobs[jobId];
  if (!githubConditionHolds(String(job.if ?? ""), context)) return false;
  const condition = String(job.if ?? "");
  // A job whose `if` does not use always()/failure() is skipped when a job it needs was skipped.
  if (/\b(always|failure)\(\)/.test(condition)) return true;
  return [job.needs ?? []].flat().every((need: string) => githubReachable(workflow, need, context));
}

/** True when the job can run only for a push to (or a dispatch/schedule on) main. */
function onlyOnMain(job: any): boolean {
  const condition = String(job.if ?? "");
  return (
    condition.includes("github.ref == 'refs/heads/main'") &&
    !githubConditionHolds(condition, PR_EVENT) &&
    !githubConditionHolds(condition, { event: "push", ref: "refs/heads/feature" })
  );
}

/** Secret names a value refers to (`secrets.NAME`). */
function secretNames(value: unknown): string[] {
  return [...JSON.stringify(value ?? null).matchAll(/secrets\.([A-Za-z0-9_]+)/g)].map((m) => m[1]);
}

const isProdName = (name: string) => /(^|_)PROD(_|$)/i.test(name);
const isDevName = (name: string) => /(^|_)DEV(_|$)/i.test(name);

describe("GitHub Actions: pull requests never reach prod credentials", () => {
  const workflow = read(".github/workflows/infra.yml");
  const jobIds = Object.keys(workflow.jobs);
  const prJobs = jobIds.filter((id) => githubReachable(workflow, id, PR_EVENT));

  it("runs pull requests with `pull_request` (never `pull_request_target`) and some job for them", () => {
    expect(Object.keys(workflow.on)).not.toContain("pull_request_target");
    expect(prJobs.length).toBeGreaterThan(0);
  });

  it("no job a pull request can reach names a prod secret or a prod environment", () => {
    for (const id of prJobs) {
      const job = workflow.jobs[id];
      expect(String(job.environment ?? ""), `${id}'s environment`).not.toMatch(/prod/i);
      expect(secretNames(job).filter(isProdName), `${id}'s secrets`).toEqual([]);
      expect(JSON.stringify(job), `${id} mentions a prod stack`).not.toMatch(/--stack prod|matrix\.stack/);
    }
  });

  it("dev and prod have their own secrets: every secret is named for one stack", () => {
    const names = new Set(jobIds.flatMap((id) => secretNames(workflow.jobs[id])));
    expect(names.size).toBeGreaterThan(0);
    for (const name of names) expect(isDevName(name) || isProdName(name), `secret ${name}`).toBe(true);
  });

  it("prod secrets live only in jobs on a protected prod environment that run only on main", () => {
    const prodJobs = jobIds.filter((id) => secretNames(workflow.jobs[id]).some(isProdName));
    expect(prodJobs.length).toBeGreaterThan(0);
    for (const id of prodJobs) {
      const job = workflow.jobs[id];
      expect(["prod", "prod-preview"], `${id}'s environment`).toContain(job.environment);
      expect(onlyOnMain(job), `${id} runs only on main`).toBe(true);
      expect(secretNames(job).filter(isDevName), `${id} mixes dev secrets`).toEqual([]);
    }
    const upProd = jobIds.filter((id) => JSON.stringify(workflow.jobs[id].steps).includes("up --stack prod"));
    expect(upProd.map((id) => workflow.jobs[id].environment)).toEqual(["prod"]);
  });

  it("binds secrets to the steps that use them, never to the workflow or a whole job", () => {
    expect(secretNames(workflow.env)).toEqual([]);
    for (const id of jobIds) expect(secretNames(workflow.jobs[id].env), `${id}.env`).toEqual([]);
  });

  it("grants `contents: read` at the workflow level and `id-token: write` only to jobs that use OIDC", () => {
    expect(workflow.permissions).toEqual({ contents: "read" });
    for (const id of jobIds) {
      const job = workflow.jobs[id];
      const usesOidc = (job.steps ?? []).some(
        (s: any) => String(s.uses ?? "").startsWith("aws-actions/") || s.env?.ARM_USE_OIDC === "true",
      );
      expect(job.permissions?.["id-token"] === "write", `${id}: id-token write iff OIDC`).toBe(usesOidc);
    }
  });

  it("pins every action by a full commit SHA with its tag in a comment", () => {
    const uses = text(".github/workflows/infra.yml")
      .split("\n")
      .filter((line) => /^\s*(-\s+)?uses:/.test(line));
    expect(uses.length).toBeGreaterThan(0);
    for (const line of uses) expect(line).toMatch(/uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  it("installs the Pulumi CLI at the SDK's version from package-lock.json", () => {
    const installs = jobIds.flatMap((id) =>
      (workflow.jobs[id].steps ?? []).filter((s: any) => String(s.uses ?? "").startsWith("pulumi/actions@")),
    );
    expect(installs.length).toBeGreaterThan(0);
    for (const step of installs) expect(String(step.with?.["pulumi-version"])).toBe(SDK_VERSION);
  });
});

const AZURE_PR = { "Build.Reason": "PullRequest", "Build.SourceBranch": "refs/pull/1/merge" };

/** Stage ids on which `stage` depends: `dependsOn`, or the stage before it when not given (Azure's default). */
function stageDependencies(pipeline: any, index: number): string[] {
  const stage = pipeline.stages[index];
  if (stage.dependsOn !== undefined) return [stage.dependsOn].flat();
  return index === 0 ? [] : [pipeline.stages[index - 1].stage];
}

function azureReachable(pipeline: any, stageId: string, variables: Record<string, string>): boolean {
  const index = pipeline.stages.findIndex((s: any) => s.stage === stageId);
  const deps = stageDependencies(pipeline, index);
  const depsRan = deps.every((d) => azureReachable(pipeline, d, variables));
  return azureConditionHolds(String(pipeline.stages[index].condition ?? ""), variables, depsRan);
}

describe("Azure Pipelines: pull requests never reach prod credentials", () => {
  const pipeline = read("azure-pipelines.yml");
  const stages: any[] = pipeline.stages;
  const prStages = stages.filter((s) => azureReachable(pipeline, s.stage, AZURE_PR));
  const mentionsProd = (value: unknown) =>
    /startup-infra-prod|\$\((PROD_\w+|\w+_PROD)\)|"environment":"prod|--stack prod/.test(JSON.stringify(value));

  it("links no variable group at the pipeline root", () => {
    expect(JSON.stringify(pipeline.variables ?? [])).not.toMatch(/"group"/);
  });

  it("runs only the dev preview for a pull request, with nothing of prod", () => {
    expect(prStages.length).toBeGreaterThan(0);
    for (const stage of prStages) expect(mentionsProd(stage), `${stage.stage} reaches prod`).toBe(false);
    // Template loops expanded: no job of a pull-request stage deploys or previews prod.
    const prIds = prStages.map((s) => s.stage);
    const stacks = azureJobs(pipeline)
      .filter((j) => prIds.includes(j.id))
      .flatMap((j) => j.invocations.filter((i) => i.tool === "deploy").map((i) => i.args!.stack));
    expect(stacks).toEqual(["dev"]);
  });

  it("binds prod's variable group, service connection and secrets only to main-only stages on a prod environment", () => {
    const prodStages = stages.filter(mentionsProd);
    expect(prodStages.length).toBeGreaterThan(0);
    for (const stage of prodStages) {
      expect(String(stage.condition), stage.stage).toContain("refs/heads/main");
      expect(azureReachable(pipeline, stage.stage, AZURE_PR), `${stage.stage} on a PR`).toBe(false);
      const onFeature = { "Build.Reason": "IndividualCI", "Build.SourceBranch": "refs/heads/feature" };
      expect(azureReachable(pipeline, stage.stage, onFeature), `${stage.stage} on a feature branch`).toBe(false);
    }
    const upProd = stages.find((s) => s.stage === "up_prod");
    expect(upProd.jobs.map((j: any) => j.environment)).toEqual(["prod"]);
  });

  it("has separate dev and prod secrets, each stage only its own", () => {
    for (const stage of stages) {
      const json = JSON.stringify(stage);
      const names = [...json.matchAll(/\$\((\w+)\)/g)].map((m) => m[1]);
      const secrets = names.filter((n) => /TOKEN|PASSPHRASE|SECRET|PASSWORD/.test(n));
      const prod = secrets.filter(isProdName);
      const dev = secrets.filter(isDevName);
      expect(
        secrets.filter((n) => !isProdName(n) && !isDevName(n)),
        `${stage.stage}: unscoped secrets`,
      ).toEqual([]);
      expect(prod.length > 0 && dev.length > 0, `${stage.stage} mixes dev and prod`).toBe(false);
    }
  });

  it("uses workload identity federation only: no long-lived AWS keys or Azure client secrets", () => {
    const json = JSON.stringify(pipeline);
    expect(json).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|servicePrincipalKey|ARM_CLIENT_SECRET/);
    expect(json).toContain("AWS_WEB_IDENTITY_TOKEN_FILE");
  });

  it("installs the Pulumi CLI at the SDK's version from package-lock.json", () => {
    const installs = [...JSON.stringify(pipeline).matchAll(/"task":"Pulumi@1"[^}]*"versionSpec":"([^"]*)"/g)];
    expect(installs.length).toBeGreaterThan(0);
    for (const m of installs) expect(m[1]).toBe(SDK_VERSION);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Cloud identities: which job may hold which identity (docs/security.md). Every identity is `<stack>-preview`
// (read-only) or `<stack>-deploy`. A pull request runs its own code (npm install scripts included) with whatever its
// job holds, so a job a pull request can reach must hold only preview identities; a deploy identity belongs only to
// jobs that run from main on a branch-restricted environment, because the trust policies tell callers apart by the
// token's subject alone (GitHub: `repo:<owner>/<repo>:environment:<env>` for a job that names an environment, see
// docs.github.com/en/actions/reference/security/oidc, "Filtering for a specific environment"; Azure DevOps:
// `sc://<org>/<project>/<service connection>`). Each checker returns its findings, so the tests can also show that
// a pipeline handing a pull request a deploy identity is caught.

type Identity = { stack: string; kind: "preview" | "deploy"; name: string };

/** `AWS_ROLE_ARN_DEV_PREVIEW`, `startup-infra-prod-deploy`, ... -> stack and kind; undefined for other names. */
function identityOf(name: string): Identity | undefined {
  const m = /(?:^|_|-)(dev|prod)[_-](preview|deploy)$/i.exec(name);
  return m ? { stack: m[1]!.toLowerCase(), kind: m[2]!.toLowerCase() as Identity["kind"], name } : undefined;
}

/** The GitHub environments and the kind of identity each one's trust policies admit. */
const GITHUB_ENVIRONMENTS: Record<string, Omit<Identity, "name">> = {
  "dev-preview": { stack: "dev", kind: "preview" },
  "prod-preview": { stack: "prod", kind: "preview" },
  dev: { stack: "dev", kind: "deploy" },
  prod: { stack: "prod", kind: "deploy" },
};

/** Cloud identities a GitHub job uses: the role it assumes and the Entra client it signs in as (variable names). */
function githubIdentities(job: any): { names: string[]; identities: Identity[] } {
  const names: string[] = [];
  for (const step of job.steps ?? []) {
    for (const value of [step.with?.["role-to-assume"], step.env?.ARM_CLIENT_ID, step.env?.AWS_ROLE_ARN]) {
      if (value === undefined) continue;
      const m = /^\$\{\{\s*vars\.(\w+)\s*\}\}$/.exec(String(value));
      names.push(m ? m[1]! : String(value));
    }
  }
  return { names, identities: names.map(identityOf).filter((i): i is Identity => i !== undefined) };
}

/** What the deploy command is asked to do in these invocations: its verbs, an app deploy's (`app`, `rollback`) too. */
function deployVerbs(invocations: Invocation[]): string[] {
  return invocations.flatMap((i) =>
    i.tool === "deploy" ? [i.args!.verb] : i.tool === "deploy-app" ? [i.app!.verb] : [],
  );
}

function githubIdentityFindings(workflow: any): string[] {
  const findings: string[] = [];
  for (const [id, job] of Object.entries<any>(workflow.jobs)) {
    const { names, identities } = githubIdentities(job);
    if (names.length === 0) continue;
    const env = GITHUB_ENVIRONMENTS[String(job.environment ?? "")];
    // Without an environment the token's subject is the event or the ref, which no trust policy here admits.
    if (!env) findings.push(`${id}: holds ${names.join(", ")} without one of the identity environments`);
    for (const name of names) {
      const identity = identityOf(name);
      if (!identity) findings.push(`${id}: ${name} is not a <stack>_PREVIEW / <stack>_DEPLOY identity`);
      else if (env && (identity.stack !== env.stack || identity.kind !== env.kind)) {
        findings.push(`${id}: ${name} does not belong to environment ${job.environment}`);
      }
    }
    const verbs = githubJobs({ ...workflow, jobs: { [id]: job } }).flatMap((j) => deployVerbs(j.invocations));
    if (githubReachable(workflow, id, PR_EVENT)) {
      for (const i of identities.filter((x) => x.kind === "deploy"))
        findings.push(`${id}: a pull request reaches ${i.name}`);
      if (env?.kind === "deploy") findings.push(`${id}: a pull request reaches environment ${job.environment}`);
    }
    for (const i of identities.filter((x) => x.kind === "deploy")) {
      if (!onlyOnMain(job)) findings.push(`${id}: ${i.name} in a job that does not run only on main`);
    }
    const needsDeploy = verbs.some((v) => v !== "preview" && v !== "drift");
    for (const i of identities) {
      if (needsDeploy !== (i.kind === "deploy")) findings.push(`${id}: ${verbs.join("/")} with ${i.name}`);
    }
  }
  return findings;
}

/** Service connections and AWS role variables a stage of azure-pipelines.yml uses. */
function azureStageIdentities(stage: any): string[] {
  const json = JSON.stringify(stage);
  const connections = [...json.matchAll(/"azureSubscription":"([^"]+)"/g)].map((m) => m[1]!);
  const roles = [...json.matchAll(/"AWS_ROLE_ARN":"\$\((\w+)\)"/g)].map((m) => m[1]!);
  return [...connections, ...roles];
}

function azureIdentityFindings(pipeline: any): string[] {
  const findings: string[] = [];
  const onFeature = { "Build.Reason": "IndividualCI", "Build.SourceBranch": "refs/heads/feature" };
  for (const stage of pipeline.stages) {
    const names = azureStageIdentities(stage);
    if (names.length === 0) continue;
    const identities = names.map(identityOf);
    names.forEach((name, i) => {
      if (!identities[i]) findings.push(`${stage.stage}: ${name} is not a <stack>-preview / <stack>-deploy identity`);
    });
    const known = identities.filter((i): i is Identity => i !== undefined);
    if (new Set(known.map((i) => `${i.stack}-${i.kind}`)).size > 1) {
      findings.push(`${stage.stage}: mixes identities ${names.join(", ")}`);
    }
    const deploy = known.filter((i) => i.kind === "deploy");
    if (azureReachable(pipeline, stage.stage, AZURE_PR)) {
      for (const i of deploy) findings.push(`${stage.stage}: a pull request reaches ${i.name}`);
    }
    if (deploy.length > 0) {
      if (azureReachable(pipeline, stage.stage, onFeature)) findings.push(`${stage.stage}: deploy identity off main`);
      const environments = (stage.jobs ?? []).map((j: any) => j.environment);
      if (!environments.every((e: unknown) => e === deploy[0]!.stack)) {
        findings.push(`${stage.stage}: deploy identity outside a deployment job on environment ${deploy[0]!.stack}`);
      }
    }
    const verbs = azureJobs({ ...pipeline, stages: [stage] }).flatMap((j) => deployVerbs(j.invocations));
    const needsDeploy = verbs.some((v) => v !== "preview" && v !== "drift");
    for (const i of known) {
      if (needsDeploy !== (i.kind === "deploy")) findings.push(`${stage.stage}: ${verbs.join("/")} with ${i.name}`);
    }
  }
  return findings;
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe("GitHub Actions: pull requests get read-only preview identities only", () => {
  const workflow = read(".github/workflows/infra.yml");

  it("every OIDC job names an identity environment and holds only that environment's identities", () => {
    expect(githubIdentityFindings(workflow)).toEqual([]);
    const held = Object.fromEntries(
      Object.entries<any>(workflow.jobs).map(([id, job]) => [id, githubIdentities(job).names]),
    );
    expect(held["preview-dev"]).toEqual(["AWS_ROLE_ARN_DEV_PREVIEW", "AZURE_CLIENT_ID_DEV_PREVIEW"]);
    expect(held["up-dev"]).toEqual(["AWS_ROLE_ARN_DEV_DEPLOY", "AZURE_CLIENT_ID_DEV_DEPLOY"]);
    expect(held["drift-prod"]).toEqual(["AWS_ROLE_ARN_PROD_PREVIEW", "AZURE_CLIENT_ID_PROD_PREVIEW"]);
    expect(held["up-prod"]).toEqual(["AWS_ROLE_ARN_PROD_DEPLOY", "AZURE_CLIENT_ID_PROD_DEPLOY"]);
  });

  it("catches a pull-request job given the dev deploy role, the deploy environment, or no environment", () => {
    const deployRole = clone(workflow);
    const step = deployRole.jobs["preview-dev"].steps.find((s: any) => s.with?.["role-to-assume"]);
    step.with["role-to-assume"] = "${{ vars.AWS_ROLE_ARN_DEV_DEPLOY }}";
    expect(githubIdentityFindings(deployRole)).toEqual(
      expect.arrayContaining(["preview-dev: a pull request reaches AWS_ROLE_ARN_DEV_DEPLOY"]),
    );
    const deployEnvironment = clone(workflow);
    deployEnvironment.jobs["preview-dev"].environment = "dev";
    expect(githubIdentityFindings(deployEnvironment)).toEqual(
      expect.arrayContaining(["preview-dev: a pull request reaches environment dev"]),
    );
    const noEnvironment = clone(workflow);
    delete noEnvironment.jobs["preview-dev"].environment;
    expect(githubIdentityFindings(noEnvironment)).toEqual([
      "preview-dev: holds AWS_ROLE_ARN_DEV_PREVIEW, AZURE_CLIENT_ID_DEV_PREVIEW without one of the identity environments",
    ]);
    const upWithPreview = clone(workflow);
    const upStep = upWithPreview.jobs["up-dev"].steps.find((s: any) => s.with?.["role-to-assume"]);
    upStep.with["role-to-assume"] = "${{ vars.AWS_ROLE_ARN_DEV_PREVIEW }}";
    expect(githubIdentityFindings(upWithPreview)).toEqual(
      expect.arrayContaining(["up-dev: AWS_ROLE_ARN_DEV_PREVIEW does not belong to environment dev"]),
    );
  });
});

describe("Azure Pipelines: pull requests get read-only preview identities only", () => {
  const pipeline = read("azure-pipelines.yml");

  it("each stage holds one identity, preview for previews and drift, deploy only from main on its environment", () => {
    expect(azureIdentityFindings(pipeline)).toEqual([]);
    const held = Object.fromEntries(pipeline.stages.map((s: any) => [s.stage, azureStageIdentities(s)]));
    expect(held.preview_dev).toEqual(["startup-infra-dev-preview", "AWS_ROLE_ARN_DEV_PREVIEW"]);
    expect(held.up_dev).toEqual(["startup-infra-dev-deploy", "AWS_ROLE_ARN_DEV_DEPLOY"]);
    expect(held.drift_dev).toEqual(["startup-infra-dev-preview", "AWS_ROLE_ARN_DEV_PREVIEW"]);
    expect(held.preview_prod).toEqual(["startup-infra-prod-preview", "AWS_ROLE_ARN_PROD_PREVIEW"]);
    expect(held.up_prod).toEqual(["startup-infra-prod-deploy", "AWS_ROLE_ARN_PROD_DEPLOY"]);
  });

  it("catches a pull-request stage given the dev deploy connection or role (the pipeline this replaced)", () => {
    const withConnection = clone(pipeline);
    const stage = withConnection.stages.find((s: any) => s.stage === "preview_dev");
    const task = stage.jobs[0].steps.find((s: any) => s.task === "AzureCLI@2");
    task.inputs.azureSubscription = "startup-infra-dev-deploy";
    task.env.AWS_ROLE_ARN = "$(AWS_ROLE_ARN_DEV_DEPLOY)";
    expect(azureIdentityFindings(withConnection)).toEqual(
      expect.arrayContaining([
        "preview_dev: a pull request reaches startup-infra-dev-deploy",
        "preview_dev: a pull request reaches AWS_ROLE_ARN_DEV_DEPLOY",
      ]),
    );
    // One connection shared by the pull request and `up dev` cannot be told apart by a trust policy at all.
    task.inputs.azureSubscription = "startup-infra-dev";
    task.env.AWS_ROLE_ARN = "$(AWS_ROLE_ARN_DEV)";
    expect(azureIdentityFindings(withConnection)).toEqual(
      expect.arrayContaining([
        "preview_dev: startup-infra-dev is not a <stack>-preview / <stack>-deploy identity",
        "preview_dev: AWS_ROLE_ARN_DEV is not a <stack>-preview / <stack>-deploy identity",
      ]),
    );
  });
});

describe("docs/security.md and docs/ci.md name every identity the pipelines use", () => {
  const github = read(".github/workflows/infra.yml");
  const azure = read("azure-pipelines.yml");
  const names = [
    ...Object.values<any>(github.jobs).flatMap((job) => githubIdentities(job).names),
    ...azure.stages.flatMap(azureStageIdentities),
  ];
  const environments = Object.values<any>(github.jobs).flatMap((job) => (job.environment ? [job.environment] : []));

  it.each([...new Set([...names, ...environments])])("%s", (name) => {
    expect(text("docs/security.md")).toContain(`\`${name}\``);
    expect(text("docs/ci.md")).toContain(`\`${name}\``);
  });
});
