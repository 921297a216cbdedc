import { resolve } from "node:path";
import { runUnderMocks, resolveOutput } from "../../../scripts/plan/engine";
import type { PlannedResource } from "../../../scripts/plan/types";
import { loadStackFile } from "../../../scripts/plan/stackConfig";
import { unwrapSecrets } from "../../../scripts/plan/secrets";
import { PROJECT } from "../../../stacks/config/schema";
import { buildStack } from "../../../stacks/program";

export const PROJECT_DIR = resolve(__dirname, "../../..");

export interface StackRun {
  resources: PlannedResource[];
  /** Stack outputs, resolved, each with whether it is secret. */
  outputs: Record<string, { value: unknown; secret: boolean }>;
  /** Files shipped to hosts, resolved. */
  hostFiles: { path: string; content: string; mode: string; secret: boolean }[];
  /** Resources of a type, with secret wrappers removed from inputs. */
  ofType(type: string): (PlannedResource & { props: Record<string, any> })[];
  /** The one resource with this name (throws if not exactly one). */
  named(name: string): PlannedResource & { props: Record<string, any> };
}

/**
 * Runs the real program for `stack` under the shared mock engine, with the stack file's config plus `overrides`
 * (short keys -> objects/strings; `secrets` are set as secret keys). One run per test file: the engine is global.
 */
export async function runStack(
  stack: string,
  overrides: Record<string, unknown> = {},
  secrets: Record<string, string> = {},
): Promise<StackRun> {
  const file = loadStackFile(PROJECT_DIR, stack);
  const config = { ...file.config };
  const secretKeys = new Set(file.secretKeys);
  for (const [k, v] of Object.entries(overrides))
    config[`${PROJECT}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  for (const [k, v] of Object.entries(secrets)) {
    config[`${PROJECT}:${k}`] = v;
    secretKeys.add(`${PROJECT}:${k}`);
  }
  const run = await runUnderMocks({ project: PROJECT, stack, config, secretKeys: [...secretKeys] }, buildStack);
  const outputs: StackRun["outputs"] = {};
  for (const [k, v] of Object.entries(run.result.outputs)) outputs[k] = await resolveOutput(v);
  const hostFiles = (await resolveOutput(run.result.hostFiles)).value;
  const withProps = (r: PlannedResource) => ({ ...r, props: unwrapSecrets(r.inputs) as Record<string, any> });
  return {
    resources: run.resources,
    outputs,
    hostFiles,
    ofType: (type) => run.resources.filter((r) => r.type === type).map(withProps),
    named: (name) => {
      const found = run.resources.filter((r) => r.name === name);
      if (found.length !== 1) throw new Error(`expected one resource named ${name}, found ${found.length}`);
      return withProps(found[0]!);
    },
  };
}
