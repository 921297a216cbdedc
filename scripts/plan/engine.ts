import * as pulumi from "@pulumi/pulumi";
import { mockCall } from "./mocks/calls";
import { mockId, mockState } from "./mocks/resources";
import type { PlannedResource } from "./types";

export interface MockRunOptions {
  project: string;
  stack: string;
  /** Full config keys (`startup-infra:network`) to string values, as the engine would pass them. */
  config: Record<string, string>;
  /** Full config keys that are secrets. */
  secretKeys?: string[];
}

export interface MockRun<T> {
  /** What the program function returned. */
  result: T;
  /** Every resource registered, in registration order (the stack resource first). */
  resources: PlannedResource[];
}

/**
 * The inputs the mock monitor decoded for the registration in progress: it hands them to `newResource` before its
 * first await, so a registration's record can take them instead of decoding the request a second time.
 */
let decodedInputs: Record<string, unknown> | undefined;

/**
 * Runs `program` under the project's mock engine (deterministic fake ids, IPs from documentation ranges, every
 * computed output the program reads; unmocked invokes throw) and records every resource with its parent, inputs and
 * dependencies. One run per process: the engine's state is global. Shared by the unit tests and the offline plan.
 */
export async function runUnderMocks<T>(options: MockRunOptions, program: () => Promise<T> | T): Promise<MockRun<T>> {
  pulumi.runtime.setAllConfig(options.config, options.secretKeys ?? []);
  // A resource's source position (a full stack trace per resource, each frame turned into a file URL) means nothing
  // to the mock engine.
  (pulumi.Resource as unknown as { stackTrace: () => unknown[] }).stackTrace = () => [];
  withoutPromiseLeakTracking();
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        decodedInputs = args.inputs;
        return { id: args.custom === false ? undefined : mockId(args), state: mockState(args) };
      },
      call: (args) => mockCall(args),
    },
    options.project,
    options.stack,
    false,
  );
  const resources: PlannedResource[] = [];
  recordRegistrations(resources);

  let result: T | undefined;
  await pulumi.runtime.runInPulumiStack(async () => {
    result = await program();
    return {};
  });
  // Registrations finish after the program function returns: wait for every pending engine call.
  await pulumi.runtime.disconnect();
  return { result: result as T, resources };
}

/**
 * The SDK wraps every promise it makes for its leaked-promise report at exit: three property definitions, a stack
 * trace and two more promises each, ~10% of a plan's run phase. Under the mock engine the run's own end is the check:
 * `runUnderMocks` returns once every registration has settled, and a run that never does is reported by its caller
 * (the plan: main.ts; a unit test: its timeout). When the SDK no longer has the hook, nothing changes but the speed.
 */
function withoutPromiseLeakTracking(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the SDK module's own exports object, not a copy
  const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise?: unknown };
  if (typeof debuggable.debuggablePromise === "function") debuggable.debuggablePromise = <T>(p: Promise<T>) => p;
}

/** Wraps the mock monitor so each registration is recorded with parent and dependencies (the mocks API omits them). */
function recordRegistrations(into: PlannedResource[]): void {
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource: (req: RegisterResourceRequest, cb: (err: unknown, res: unknown) => void) => unknown;
    newUrn: (parent: string, type: string, name: string) => string;
  };
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    decodedInputs = undefined;
    const pending = original(req, (err, res) => callback(err, res && withCheapText(res)));
    into.push({
      urn: monitor.newUrn(req.getParent(), req.getType(), req.getName()),
      type: req.getType(),
      name: req.getName(),
      parent: req.getParent() || undefined,
      inputs:
        decodedInputs ??
        (pulumi.runtime.deserializeProperties(
          req.getObject() as Parameters<typeof pulumi.runtime.deserializeProperties>[0],
        ) as Record<string, unknown>),
      dependsOn: [...new Set(req.getDependenciesList())],
      custom: req.getCustom(),
      protect: req.getProtect?.() ?? false,
      ignoreChanges: req.getIgnorechangesList?.() ?? [],
    });
    return pending;
  };
}

/**
 * The SDK writes every registration's response into a debug message (`resp: ${innerResponse}`) whether or not
 * debug logging is on, and a protobuf message's own toString renders all its fields: ~5% of a plan's run phase.
 * The response is otherwise read through its getters only; this leaves those as they are.
 */
function withCheapText(res: unknown): unknown {
  if (typeof res === "object") Object.defineProperty(res, "toString", { value: () => "[RegisterResourceResponse]" });
  return res;
}

interface RegisterResourceRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getObject(): unknown;
  getDependenciesList(): string[];
  getCustom(): boolean;
  getProtect?(): boolean;
  getIgnorechangesList?(): string[];
}

/** Resolves an output to its value and secretness (what a test or the plan needs to look at it). */
export async function resolveOutput<T>(output: pulumi.Input<T>): Promise<{ value: T; secret: boolean }> {
  const o = pulumi.output(output) as unknown as { promise(): Promise<T>; isSecret: Promise<boolean> };
  const [value, secret] = await Promise.all([o.promise(), o.isSecret]);
  return { value, secret };
}
