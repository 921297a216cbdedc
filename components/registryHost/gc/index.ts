import { resolveRegistryGcInput, type RegistryGcHostInput } from "./input.js";
import { registryGcBundle } from "./bundle.js";
import { renderGcScript } from "./script.js";
import { renderGcService, renderGcTimer } from "./units.js";

export {
  distributionMajorVersion,
  resolveRegistryGcInput,
  type RegistryGcHostInput,
  type ResolvedRegistryGcInput,
} from "./input.js";
export { registryGcBundle, REGISTRY_GC_BUNDLE_TARGET } from "./bundle.js";
export { REGISTRY_GC_NODE_IMAGE, type RetentionHostInput } from "./retention.js";
export { renderGcScript } from "./script.js";
export { renderGcService, renderGcTimer } from "./units.js";

/** A file to install on the host: its contents and octal mode. */
export interface HostFile {
  readonly content: string;
  readonly mode: string;
}

/**
 * Every host file of the scheduled blob GC, by absolute path: the script (0755), the oneshot service and the
 * timer (0644), and with retention the bundled registry-gc (0644; the credential file is the caller's: it is secret). Pure. After shipping them: `systemctl daemon-reload && systemctl enable --now <timer>`
 * (see `registryGcUnits`).
 */
export function renderRegistryGc(input: RegistryGcHostInput): Record<string, HostFile> {
  const i = resolveRegistryGcInput(input);
  return {
    [i.scriptPath]: { content: renderGcScript(i), mode: "0755" },
    [`/etc/systemd/system/${i.unitName}.service`]: { content: renderGcService(i), mode: "0644" },
    [`/etc/systemd/system/${i.unitName}.timer`]: { content: renderGcTimer(i), mode: "0644" },
    ...(i.retention ? { [i.retention.bundlePath]: { content: registryGcBundle(), mode: "0644" } } : {}),
  };
}

/** Unit names and the command that activates the schedule once the files are in place. */
export function registryGcUnits(input: RegistryGcHostInput): { service: string; timer: string; enable: string } {
  const i = resolveRegistryGcInput(input);
  return {
    service: `${i.unitName}.service`,
    timer: `${i.unitName}.timer`,
    enable: `systemctl daemon-reload && systemctl enable --now ${i.unitName}.timer`,
  };
}
