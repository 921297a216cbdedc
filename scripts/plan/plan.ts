import { join } from "node:path";
import type { HostFile } from "../../components/hostFile";
import { evaluatePolicies } from "../../policy/evaluate";
import { ConfigError } from "../../stacks/config/errors";
import { parseStackConfig, type StackConfig } from "../../stacks/config/parse";
import { PROJECT, SECRET_KEYS } from "../../stacks/config/schema";
import { buildStack } from "../../stacks/program";
import { renderArchitecture } from "./diagram";
import { renderTraffic } from "./traffic";
import { resolveOutput, runUnderMocks } from "./engine";
import { placeholderSecrets } from "./placeholders";
import { writeTree } from "./outputTree";
import { maskSecrets, SECRET_PLACEHOLDER } from "./secrets";
import { loadStackFile } from "./stackConfig";
import type { PlannedResource, PlanViolation } from "./types";

export interface PlanOptions {
  projectDir: string;
  stack: string;
  configFile?: string;
  outDir: string;
}

export interface PlanReport {
  stack: string;
  composition: StackConfig["composition"];
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
  hostFiles: HostFile[];
  /** What each app's deploy renders, written under `apps/` (`<app>/deploy.sh`, `<app>/env`). */
  appFiles: HostFile[];
  violations: PlanViolation[];
  notes: string[];
}

/** Placeholder line that stands for a secret file's content in `host/`. */
export const SECRET_FILE_PLACEHOLDER = "# [secret] content withheld by the offline plan\n";

/**
 * Validates the stack config, evaluates the real program under the mock engine, runs the policy pack over the
 * planned resources, and writes plan.json, host/ and architecture.mmd into `outDir`. Throws ConfigError on
 * invalid config (nothing is written then).
 */
export async function runPlan(options: PlanOptions): Promise<PlanReport> {
  const file = loadStackFile(options.projectDir, options.stack, options.configFile);
  const short = (k: string) => k.slice(PROJECT.length + 1);
  const values = Object.fromEntries(
    Object.entries(file.config)
      .filter(([k]) => k.startsWith(`${PROJECT}:`))
      .map(([k, v]) => [short(k), v]),
  );
  const secretKeys = new Set(file.secretKeys.map(short));
  // Secret values cannot be read offline (no CLI, no passphrase): every secret key that is absent or stored as a
  // secret is planned with a placeholder. One stored in clear text stays as it is, so the program's check reports it.
  const standIns = Object.keys(SECRET_KEYS).filter((k) => !(k in values) || secretKeys.has(k));
  for (const key of standIns) {
    // The app secrets are a map: its names (when the file sets any) stay, each value is a placeholder.
    values[key] = key === "appSecrets" ? appSecretStandIn(values[key]) : "placeholder";
    secretKeys.add(key);
  }
  const config = parseStackConfig({ stack: options.stack, values, secretKeys });

  const placeholders = placeholderSecrets(config);
  const engineConfig = { ...file.config };
  const engineSecretKeys = new Set(file.secretKeys);
  for (const key of standIns) {
    engineConfig[`${PROJECT}:${key}`] =
      key === "appSecrets" ? values[key]! : (placeholders.values[key] ?? "offline-plan-placeholder");
    engineSecretKeys.add(`${PROJECT}:${key}`);
  }
  const notes = [...placeholders.notes];

  const run = await runUnderMocks(
    { project: PROJECT, stack: options.stack, config: engineConfig, secretKeys: [...engineSecretKeys] },
    buildStack,
  );
  const outputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(run.result.outputs)) {
    const resolved = await resolveOutput(v);
    outputs[k] = resolved.secret ? SECRET_PLACEHOLDER : maskSecrets(resolved.value);
  }
  const hostFiles = (await resolveOutput(run.result.hostFiles)).value ?? [];
  const appFiles = run.result.appFiles ? ((await resolveOutput(run.result.appFiles)).value ?? []) : [];
  const violations = evaluatePolicies(run.resources, config.composition);

  const report: PlanReport = {
    stack: options.stack,
    composition: config.composition,
    resources: run.resources,
    outputs,
    hostFiles,
    appFiles,
    violations,
    notes,
  };
  const traffic = renderTraffic({ ...report, hostFilePaths: hostFiles.map((f) => f.path), config });
  writePlan(options.outDir, report, traffic);
  return report;
}

/** plan.json, host/<path> of every host file, architecture.mmd and traffic.mmd: exactly these in `outDir`. */
function writePlan(outDir: string, report: PlanReport, traffic: string): void {
  const planJson = {
    stack: report.stack,
    composition: report.composition,
    resources: report.resources.map((r) => ({
      urn: r.urn,
      type: r.type,
      name: r.name,
      parent: r.parent ?? null,
      inputs: maskSecrets(r.inputs),
      dependsOn: r.dependsOn,
      protect: r.protect,
      ignoreChanges: r.ignoreChanges,
    })),
    outputs: report.outputs,
    violations: report.violations,
    notes: report.notes,
  };
  const files = new Map<string, string>([["plan.json", JSON.stringify(planJson, null, 2) + "\n"]]);
  for (const f of report.hostFiles) files.set(join("host", f.path), f.secret ? SECRET_FILE_PLACEHOLDER : f.content);
  // What each app's deploy renders (script, env file with secrets masked): it reaches the host on stdin, not as a file.
  for (const f of report.appFiles) files.set(join("apps", f.path), f.secret ? SECRET_FILE_PLACEHOLDER : f.content);
  files.set("architecture.mmd", renderArchitecture(report.stack, report.resources));
  files.set("traffic.mmd", traffic);
  writeTree(outDir, files);
}

export { ConfigError };

/** `appSecrets` for the plan: the names the stack file sets (values replaced), or none. */
function appSecretStandIn(given: string | undefined): string {
  let names: string[] = [];
  try {
    const parsed: unknown = given === undefined ? {} : JSON.parse(given);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) names = Object.keys(parsed);
  } catch {
    names = [];
  }
  return JSON.stringify(Object.fromEntries(names.map((n) => [n, "offline-plan-placeholder"])));
}
