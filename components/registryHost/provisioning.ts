/**
 * Wiring between the pure renderers (render/) and the SSH commands: which values the renderers get, and what each
 * remote command is keyed on. Pure, so the trigger rules are tested without the engine.
 */
import { stepTriggers } from "./render";
import type { HostRenderInput, ProvisionPlan } from "./render/types";

/** The renderers' entry point (`renderProvisionPlan` in render/index.ts). */
export type RenderProvisionPlan = (input: HostRenderInput) => ProvisionPlan;

/** The part of the render input known when the program starts (from config). */
export type StaticRenderInput = Omit<HostRenderInput, "registry" | "tls" | "dataVolumeDevice"> & {
  registry: Omit<HostRenderInput["registry"], "htpasswd" | "publicHost" | "healthCheckCredential">;
};

/** The part only known once resources exist (hashes, keys, certificates, volume id). */
export interface ResolvedHostValues {
  htpasswd: string;
  /** The name or IP clients use for the registry (dev: the Elastic IP; prod: the registry site's name). */
  publicHost: string;
  /** A registry user and its password, for the health check's authenticated probe (travels on stdin only). */
  healthCheckCredential: { user: string; password: string };
  /** The shipped certificate and key; absent with ACME (the host obtains its own). */
  certificatePem?: string;
  privateKeyPem?: string;
  caCertificatePem?: string;
  dataVolumeDevice: string;
}

export function renderInputOf(fixed: StaticRenderInput, values: ResolvedHostValues): HostRenderInput {
  return {
    ...fixed,
    registry: {
      ...fixed.registry,
      htpasswd: values.htpasswd,
      publicHost: values.publicHost,
      healthCheckCredential: values.healthCheckCredential,
    },
    ...(values.certificatePem !== undefined && values.privateKeyPem !== undefined
      ? {
          tls: {
            certificatePem: values.certificatePem,
            privateKeyPem: values.privateKeyPem,
            ...(values.caCertificatePem !== undefined ? { caCertificatePem: values.caCertificatePem } : {}),
          },
        }
      : {}),
    dataVolumeDevice: values.dataVolumeDevice,
  };
}

/**
 * Stand-ins of the right shape for the resolved values. Rendering them once at program start tells the component
 * which steps exist (resources must be declared before their inputs are known); the real plan must have the same.
 */
export function placeholderValues(users: string[], withCa: boolean, withCertificate = true): ResolvedHostValues {
  const pem = (label: string) =>
    `-----BEGIN ${label}-----\n${Buffer.from(`placeholder ${label}`).toString("base64")}\n-----END ${label}-----\n`;
  return {
    htpasswd: users.map((u) => `${u}:$2y$10$${".".repeat(53)}\n`).join(""),
    publicHost: "192.0.2.1",
    healthCheckCredential: { user: users[0] ?? "placeholder", password: "placeholder-password" },
    ...(withCertificate ? { certificatePem: pem("CERTIFICATE"), privateKeyPem: pem("PRIVATE KEY") } : {}),
    ...(withCa ? { caCertificatePem: pem("CERTIFICATE") } : {}),
    dataVolumeDevice: "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol00000000000000000",
  };
}

export interface ProvisionCommandSpec {
  name: string;
  command: string;
  stdin?: string;
  /**
   * The renderers' `stepTriggers`: step i hashes exactly what steps 0..i run and install (command + stdin), so a
   * changed file re-runs install-files and every later step (apply, health check), and nothing before it.
   */
  trigger: string;
}

/**
 * The remote commands for a plan, in order. Throws when the plan breaks the contract: step names must be unique
 * resource-name suffixes, and no secret may appear on a command line (process lists and logs show it).
 */
export function provisionCommandSpecs(plan: ProvisionPlan, secrets: string[] = []): ProvisionCommandSpec[] {
  const seen = new Set<string>();
  const triggers = stepTriggers(plan.steps);
  return plan.steps.map((step, i) => {
    if (!/^[a-z][a-z0-9-]*$/.test(step.name)) throw new Error(`provision step name "${step.name}" is not kebab-case`);
    if (seen.has(step.name)) throw new Error(`provision step "${step.name}" appears twice`);
    seen.add(step.name);
    if (secretOnCommandLine(step.command, secrets)) {
      throw new Error(`provision step "${step.name}" has a secret on its command line: pass it on stdin`);
    }
    return {
      name: step.name,
      command: step.command,
      ...(step.stdin !== undefined ? { stdin: step.stdin } : {}),
      trigger: triggers[i]!,
    };
  });
}

/** Each secret, and each line of a multi-line secret (a PEM body, an htpasswd entry), must stay off the command line. */
function secretOnCommandLine(command: string, secrets: string[]): boolean {
  for (const secret of secrets) {
    const pieces = [secret, ...secret.split("\n")].map((s) => s.trim()).filter((s) => s.length >= 16);
    if (pieces.some((p) => command.includes(p) && !/^-----(BEGIN|END) /.test(p))) return true;
  }
  return false;
}

/** A step as declared at program start: its name and whether it takes stdin. */
export interface DeclaredStep {
  name: string;
  hasStdin: boolean;
}

export function declaredSteps(plan: ProvisionPlan): DeclaredStep[] {
  return plan.steps.map((s) => ({ name: s.name, hasStdin: s.stdin !== undefined }));
}

/** The steps the real plan has must be the ones declared at program start, in the same order, with the same stdin use. */
export function assertSameSteps(declared: DeclaredStep[], plan: ProvisionPlan): void {
  const show = (steps: DeclaredStep[]) => steps.map((s) => `${s.name}${s.hasStdin ? " (stdin)" : ""}`).join(", ");
  const actual = declaredSteps(plan);
  if (show(actual) !== show(declared)) {
    throw new Error(
      `the rendered provision plan has steps [${show(actual)}] but [${show(declared)}] were declared: ` +
        "a renderer's step list must not depend on resolved values (keys, hashes, ids)",
    );
  }
}
