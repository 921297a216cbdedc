/**
 * The narrow seam between the deploy command's logic (`run.ts`) and the Pulumi engine.
 *
 * `automation-workspace.ts` implements it over `@pulumi/pulumi/automation` (LocalWorkspace over this project);
 * unit tests implement it with a test double. Nothing else in `scripts/deploy` imports the Automation API.
 */

/** The verbs of `npm run deploy -- <verb>`. */
export const VERBS = ["preview", "up", "refresh", "destroy", "outputs", "drift"] as const;
export type Verb = (typeof VERBS)[number];

/** Counts per engine operation, as the engine reports them (`same`, `create`, `update`, `replace`, `delete`, ...). */
export type OpCounts = Partial<Record<string, number>>;

/** One stack output as the engine returns it: the plain value and whether the program marked it secret. */
export interface OutputValue {
  value: unknown;
  secret: boolean;
}
export type StackOutputs = Record<string, OutputValue>;

/** One stack configuration value fed from the environment (see `env-config.ts`). */
export interface ConfigEntry {
  /** Full key as `pulumi config set` takes it: `aws:region`, `startup-infra:dbPassword`, or `dbPassword`. */
  key: string;
  value: string;
  secret: boolean;
}

/** An object setting read whole: its value, as stored (numbers, booleans, strings), and whether any part is encrypted. */
export interface ConfigObject {
  value: Record<string, unknown>;
  secret: boolean;
}

export interface OperationOptions {
  /** Local policy pack directories (`--policy-pack`). */
  policyPacks: string[];
  /** Ask the engine itself to fail when anything would change. */
  expectNoChanges: boolean;
  /** The engine's progress, as it streams. */
  onOutput: (text: string) => void;
}

export interface OperationResult {
  changes: OpCounts;
}

export interface UpResult extends OperationResult {
  outputs: StackOutputs;
}

/** One selected stack. Every method runs the engine once; failures are thrown, never swallowed. */
export interface DeployStack {
  readonly name: string;
  /** Writes config values to the stack (secrets encrypted by the stack's secrets provider). */
  setConfig(entries: ConfigEntry[]): Promise<void>;
  preview(opts: OperationOptions): Promise<OperationResult>;
  up(opts: OperationOptions): Promise<UpResult>;
  refresh(opts: Omit<OperationOptions, "policyPacks">): Promise<OperationResult>;
  /** A refresh in preview mode: what drifted, nothing written. */
  previewRefresh(opts: Omit<OperationOptions, "policyPacks">): Promise<OperationResult>;
  destroy(opts: Omit<OperationOptions, "policyPacks" | "expectNoChanges">): Promise<OperationResult>;
  outputs(): Promise<StackOutputs>;
  /** `pulumi stack export`: the raw deployment (read by `guards.ts` for protected resources). */
  exportState(): Promise<unknown>;
  /** An object setting read whole (`apps`), or undefined when the stack has none. */
  getConfigObject(key: string): Promise<ConfigObject | undefined>;
  /** Writes an object setting whole, plain (never for secrets). */
  setConfigObject(key: string, value: Record<string, unknown>): Promise<void>;
}

export interface DeployWorkspace {
  /** Fails with `PulumiCliMissingError` when no usable `pulumi` CLI is on PATH. Called before any other work. */
  ensureCli(): Promise<void>;
  /** Selects the stack; with `create`, creates it first when it does not exist. */
  openStack(name: string, opts: { create: boolean }): Promise<DeployStack>;
}
