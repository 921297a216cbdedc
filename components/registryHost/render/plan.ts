import { createHash } from "node:crypto";
import type { HostFile } from "../../hostFile";
import { renderCloudwatchAgentFile } from "./cloudwatchAgent";
import { renderAcmeFiles } from "./acme/acme";
import { renderGcFiles } from "./gc";
import { renderNginxMainFile } from "./nginxMain";
import { renderNginxSites } from "./nginxSite";
import { renderRegistryFiles } from "./registryConfig";
import { renderRegistryUnitFile } from "./registryUnit";
import { STEP_COMMAND } from "./scripts/assemble";
import {
  renderAcmePrepareScript,
  renderApplyConfigScript,
  renderHealthCheckStdin,
  renderInstallCloudwatchAgentScript,
  renderInstallFilesStdin,
  renderInstallPackagesScript,
  renderPrepareDataVolumeScript,
  renderWaitReadyScript,
} from "./scripts/scripts";
import type { HostRenderInput, ProvisionPlan, ProvisionStep } from "./types";
import { validateHostRenderInput } from "./validate";

/** Every file, link and removal of the host, in a stable order (sorted by path). */
export function renderHostFiles(input: HostRenderInput): Pick<Required<ProvisionPlan>, "files" | "links" | "removed"> {
  const sites = renderNginxSites(input);
  const files: HostFile[] = [
    ...renderRegistryFiles(input),
    renderRegistryUnitFile(input),
    ...renderGcFiles(input),
    renderCloudwatchAgentFile(),
    ...(input.composition === "prod" ? [renderNginxMainFile(input.nginx?.drainSeconds), ...sites.files] : []),
    ...renderAcmeFiles(input),
  ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, links: sites.links, removed: sites.removed };
}

/**
 * The whole host: files plus the ordered steps the component runs over SSH. Every step's command is the fixed line
 * `sudo -n bash -s --`; what it does (script and data) is its stdin. Validates the input first (HostRenderInputError).
 */
export function renderProvisionPlan(input: HostRenderInput): ProvisionPlan {
  validateHostRenderInput(input);
  const { files, links, removed } = renderHostFiles(input);
  const step = (name: string, stdin: string, runsInTests: boolean): ProvisionStep => ({
    name,
    command: STEP_COMMAND,
    stdin,
    runsInTests,
  });
  return {
    files,
    links,
    removed,
    steps: [
      step("wait-ready", renderWaitReadyScript(input), true),
      step("install-packages", renderInstallPackagesScript(input), false),
      step("prepare-data-volume", renderPrepareDataVolumeScript(input), false),
      step("install-files", renderInstallFilesStdin(files, links, removed), true),
      // ACME: state directories and the certificate Nginx starts with (issued earlier, or a temporary one).
      ...(input.acme ? [step("acme-prepare", renderAcmePrepareScript(), true)] : []),
      step("apply-config", renderApplyConfigScript(input), true),
      step("health-check", renderHealthCheckStdin(input), true),
      step("install-cloudwatch-agent", renderInstallCloudwatchAgentScript(), false),
    ],
  };
}

/** sha256 of exactly what a step runs (command + stdin). */
export function stepHash(step: ProvisionStep): string {
  return createHash("sha256")
    .update(step.command)
    .update("\0")
    .update(step.stdin ?? "")
    .digest("hex");
}

/**
 * Triggers for the component's `command.remote.Command`s: step i's trigger hashes steps 0..i, so a change re-runs
 * that step and every later one (new files => install-files, apply-config, health-check) and none before it.
 * The values are hashes of secret-bearing stdin: keep them secret outputs.
 */
export function stepTriggers(steps: readonly ProvisionStep[]): string[] {
  const out: string[] = [];
  let chain = "";
  for (const s of steps) {
    chain = createHash("sha256").update(chain).update(stepHash(s)).digest("hex");
    out.push(chain);
  }
  return out;
}
