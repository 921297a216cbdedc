import { parseAppImage } from "../../../stacks/config/sections/apps";
import { parseOrUsage } from "../args.js";
import { readConfigFromEnv, secretValuesFromEnv } from "../env-config.js";
import { EXIT, type ExitCode, PulumiCliMissingError, UsageError } from "../errors.js";
import { makeRedactor } from "../redact.js";
import type { DeployIo } from "../run.js";
import { APPS_KEY, applyEnvConfig } from "../stack-config.js";
import type { DeployStack, StackOutputs, UpResult } from "../types.js";
import { type AppsSettings, effectiveApps, historiesOf, historyOf, keptMessage, overridesFor } from "./pins.js";
import { appConfigOf, configDiff, pinnedImage, rollbackTarget } from "./plan.js";

export { APPS_KEY };

export const APP_VERBS = ["app", "rollback"] as const;
export type AppVerb = (typeof APP_VERBS)[number];

export const APPS_USAGE =
  "usage: npm run deploy -- app --stack <name> --app <app> --image <repository:tag> [--deployed-by <text>]\n" +
  "                                [--policy-pack <dir>]... [--yes]\n" +
  "       npm run deploy -- rollback --stack <name> --app <app> [--to <release>] [--dry-run]\n" +
  "                                [--policy-pack <dir>]... [--yes]";

export interface AppsArgs {
  verb: AppVerb;
  stack: string;
  app: string;
  image?: string;
  to?: number;
  dryRun: boolean;
  yes: boolean;
  deployedBy?: string;
  /** Local policy pack directories the `up` runs with (`--policy-pack`, as for `up`). */
  policyPacks: string[];
}

export function parseAppsArgs(argv: string[]): AppsArgs | null {
  const { values, positionals } = parseOrUsage(
    {
      args: argv,
      allowPositionals: true,
      options: {
        stack: { type: "string", short: "s" },
        app: { type: "string" },
        image: { type: "string" },
        to: { type: "string" },
        "dry-run": { type: "boolean", default: false },
        "deployed-by": { type: "string" },
        "policy-pack": { type: "string", multiple: true, default: [] },
        yes: { type: "boolean", short: "y", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    },
    APPS_USAGE,
  );
  if (values.help) return null;
  const verb = positionals[0] as AppVerb;
  if (positionals.length !== 1 || !APP_VERBS.includes(verb)) throw new UsageError(APPS_USAGE);
  if (!values.stack) throw new UsageError(`--stack <name> is required\n${APPS_USAGE}`);
  if (!values.app || !/^[a-z](?:[a-z0-9-]{0,30}[a-z0-9])?$/.test(values.app)) {
    throw new UsageError(`--app <name> is required (an app of the stack's apps)\n${APPS_USAGE}`);
  }
  if (verb === "app") {
    if (!values.image || !parseAppImage(values.image)) {
      throw new UsageError(`--image <repository:tag> is required for app (e.g. web:1.5.0)\n${APPS_USAGE}`);
    }
    if (values.to !== undefined || values["dry-run"]) throw new UsageError("--to and --dry-run apply to rollback only");
  } else if (values.image !== undefined) {
    throw new UsageError("--image applies to app only: a rollback re-applies a recorded release");
  }
  let to: number | undefined;
  if (values.to !== undefined) {
    to = Number(values.to);
    if (!Number.isInteger(to) || to < 1) throw new UsageError(`--to must be a release number, got "${values.to}"`);
  }
  return {
    verb,
    stack: values.stack,
    app: values.app,
    ...(values.image !== undefined ? { image: values.image } : {}),
    ...(to !== undefined ? { to } : {}),
    dryRun: values["dry-run"] === true,
    yes: values.yes === true,
    ...(values["deployed-by"] !== undefined ? { deployedBy: values["deployed-by"].slice(0, 200) } : {}),
    policyPacks: values["policy-pack"] ?? [],
  };
}

/** A stack whose `apps` setting the command reads and writes as one object (see automation-workspace.ts). */
export type AppsStack = DeployStack;

export interface AppsWorkspace {
  ensureCli(): Promise<void>;
  openStack(name: string, opts: { create: boolean }): Promise<AppsStack>;
}

/** The registry as the stack's outputs describe it: resolves tags, tells whether a digest is still there. */
export interface RegistryLookup {
  digestOf(repository: string, tag: string): Promise<string | undefined>;
  has(repository: string, digest: string): Promise<boolean>;
  close(): Promise<void>;
}

export interface AppsDeps {
  workspace: AppsWorkspace;
  io: DeployIo;
  env: NodeJS.ProcessEnv;
  /** Opens the stack's registry with the pull credential from its outputs. */
  registry(outputs: StackOutputs): RegistryLookup;
  /** Runs `cleanup` if the process is interrupted (cli-main's `onInterrupt`); returns its unregister. */
  onInterrupt?(cleanup: () => Promise<void>): () => void;
}

/** Who asked, when the caller does not say: the CI run, else the local user. */
export function defaultDeployedBy(env: NodeJS.ProcessEnv): string {
  if (env.GITHUB_RUN_ID)
    return `github ${env.GITHUB_REPOSITORY ?? ""} run ${env.GITHUB_RUN_ID} (${env.GITHUB_SHA ?? ""})`.trim();
  if (env.BUILD_BUILDID) return `azure-pipelines ${env.BUILD_DEFINITIONNAME ?? ""} build ${env.BUILD_BUILDID}`.trim();
  return `${env.USER ?? "someone"} (npm run deploy)`;
}

/**
 * `app`: resolves the image's tag to its digest in the stack's registry, pins `apps.<app>.image` to it, records who
 * asked, and runs `up`. `rollback`: re-applies a recorded release (image by digest and its whole config), after
 * checking its image is still in the registry; `--dry-run` shows the difference and stops. Nothing is left half
 * applied: `apps` is written in one call, and put back as it was when `up` fails (`applyThenUp`).
 */
export async function runApps(args: AppsArgs, deps: AppsDeps): Promise<ExitCode> {
  const { io } = deps;
  let redact = makeRedactor(secretValuesFromEnv(deps.env, []));
  let registry: RegistryLookup | undefined;
  try {
    if (!args.dryRun && !args.yes && !io.interactive) {
      throw new UsageError(`refusing to ${args.verb} ${args.app} on stack "${args.stack}" without --yes in CI`);
    }
    // The stack config the environment defines, as for `up` (env-config.ts): the app's `up` is a whole-stack `up`.
    const config = readConfigFromEnv(deps.env);
    const envSecrets = secretValuesFromEnv(deps.env, config);
    redact = makeRedactor(envSecrets);
    await deps.workspace.ensureCli();
    const stack = await deps.workspace.openStack(args.stack, { create: false });
    const outputs = await stack.outputs();
    redact = makeRedactor([...envSecrets, ...secretStrings(outputs)]);
    const apps = await appsOf(stack, args);
    const histories = historiesOf(outputs);
    const effective = effectiveApps(apps, histories);
    for (const k of effective.kept) io.stdout(keptMessage(k));
    registry = deps.registry(outputs);
    const deployedBy = args.deployedBy ?? defaultDeployedBy(deps.env);
    const current = effective.apps[args.app]!;
    const next =
      args.verb === "app"
        ? await appChange(args, current, registry, deployedBy, io)
        : await rollbackChange(args, current, outputs, registry, deployedBy, io);
    if (next === undefined) return EXIT.ok;
    if (!args.yes && !(await io.confirm(`Deploy ${args.app} on stack "${args.stack}"? [y/N] `))) {
      throw new UsageError("cancelled");
    }
    await applyEnvConfig(stack, config, (t) => io.stdout(t));
    // What the new settings override: the committed ones (or, for an unedited pin, what that pin overrode).
    const pinned = { ...next, overrides: overridesFor(apps[args.app]!, histories[args.app]) };
    await applyThenUp(stack, args, { apps, effective: effective.apps, next: pinned, io, redact, deps });
    return EXIT.ok;
  } catch (err) {
    io.stderr(`error: ${redact(err instanceof Error ? err.message : String(err))}\n`);
    return err instanceof UsageError || err instanceof PulumiCliMissingError ? EXIT.usage : EXIT.failed;
  } finally {
    await registry?.close();
  }
}

/** `app`: the app's settings with the image pinned to the digest the registry has for the tag. */
async function appChange(
  args: AppsArgs,
  current: Record<string, unknown>,
  registry: RegistryLookup,
  deployedBy: string,
  io: DeployIo,
): Promise<Record<string, unknown>> {
  const ref = parseAppImage(args.image!)!;
  if (!ref.tag) throw new UsageError("--image needs a tag to resolve (a digest alone is already pinned)");
  const digest = await registry.digestOf(ref.repository, ref.tag);
  if (!digest) throw new UsageError(`${ref.repository}:${ref.tag} is not in the stack's registry: push it first`);
  io.stdout(`${ref.repository}:${ref.tag} is ${digest}\n`);
  return { ...current, image: pinnedImage(args.image!, digest), deployedBy };
}

/**
 * `rollback`: the recorded release's settings, after showing what changes and whether its image is still in the
 * registry; undefined for `--dry-run` (nothing to apply).
 */
async function rollbackChange(
  args: AppsArgs,
  current: Record<string, unknown>,
  outputs: StackOutputs,
  registry: RegistryLookup,
  deployedBy: string,
  io: DeployIo,
): Promise<Record<string, unknown> | undefined> {
  const history = historyOf(outputs, args.app);
  const target = rollbackTarget(history, args.to);
  const present = await registry.has(history.repository, target.digest);
  io.stdout(
    `rollback of ${args.app} to release ${target.seq} (${target.deployedAt}, by ${target.deployedBy}): ` +
      `image ${history.repository}@${target.digest} ${present ? "is still in the registry" : "is NOT in the registry any more"}\n`,
  );
  const next = appConfigOf(target, history.repository, `rollback to release ${target.seq}, by ${deployedBy}`);
  const diff = configDiff(current, next);
  io.stdout(diff.length ? "changes:\n" : "no setting changes (the same release is re-applied)\n");
  for (const d of diff) io.stdout(`  ${d.key}: ${JSON.stringify(d.from)} -> ${JSON.stringify(d.to)}\n`);
  const active = history.releases.filter((r) => r.status === "active").at(-1);
  if (active && active.secretsHash !== target.secretsHash) {
    io.stdout(
      "  note: the secret values are not those of that release (their versions differ); the current values are used\n",
    );
  }
  if (!present) throw new UsageError(`the image of release ${target.seq} is gone from the registry: cannot roll back`);
  return args.dryRun ? undefined : next;
}

/**
 * Writes `apps` with the app's new settings and runs `up`. When either fails, or the process is interrupted meanwhile,
 * `apps` is written back exactly as it was read, so the stack config again describes what was serving: the deploy
 * step of a release that fails puts the previous release back in service on the host, and a later `up` converges
 * the rest.
 */
async function applyThenUp(
  stack: AppsStack,
  args: AppsArgs,
  change: {
    /** As read: what a failure puts back. */
    apps: AppsSettings;
    /** What the other apps run with (`effectiveApps`). */
    effective: AppsSettings;
    next: Record<string, unknown>;
    io: DeployIo;
    redact: (text: string) => string;
    deps: Pick<AppsDeps, "onInterrupt">;
  },
): Promise<void> {
  const { apps, io, redact } = change;
  // One restore, whoever asks first (an interrupt while `up` runs, then `up` failing because of it), and only once
  // the write it undoes has settled.
  let writing: Promise<void> = Promise.resolve();
  let restoring: Promise<void> | undefined;
  const restore = () =>
    (restoring ??= writing.catch(() => undefined).then(() => stack.setConfigObject(APPS_KEY, apps)));
  const unregister = change.deps.onInterrupt?.(async () => {
    await restore();
    io.stderr(`interrupted: the stack config is restored: apps.${args.app} is as it was before this command\n`);
  });
  let result: UpResult;
  try {
    writing = stack.setConfigObject(APPS_KEY, { ...change.effective, [args.app]: change.next });
    await writing;
    io.stdout(`==> up stack ${args.stack}\n`);
    result = await stack.up({
      policyPacks: args.policyPacks,
      expectNoChanges: false,
      onOutput: (t) => io.stdout(redact(t)),
    });
  } catch (err) {
    throw await restoreApps(restore, args.app, apps, err);
  } finally {
    unregister?.();
  }
  const last = historyOf(result.outputs, args.app).releases.at(-1);
  io.stdout(`${args.app}: release ${last?.seq} ${last?.status} (${last?.digest})\n`);
}

/** Puts `apps` back after a failed write or `up`; the error to report says whether that worked. */
async function restoreApps(
  restore: () => Promise<void>,
  app: string,
  apps: Record<string, Record<string, unknown>>,
  upError: unknown,
): Promise<Error> {
  const reason = upError instanceof Error ? upError.message : String(upError);
  try {
    await restore();
  } catch (err) {
    return new Error(
      `${reason}\nrestoring the stack's apps setting failed too (${err instanceof Error ? err.message : String(err)}): ` +
        `it still holds the new apps.${app}; its previous value was ${JSON.stringify(apps[app])}`,
    );
  }
  return new Error(`${reason}\nthe stack config is restored: apps.${app} is as it was before this command`);
}

/**
 * The stack's whole `apps` setting, which must name `args.app`. Refused when any part of it is stored as a secret:
 * app settings are plain (secrets are named by source under `apps.<app>.secrets`), and writing `apps` back would
 * store that value in clear text.
 */
async function appsOf(stack: AppsStack, args: AppsArgs): Promise<Record<string, Record<string, unknown>>> {
  const apps = (await stack.getConfigObject(APPS_KEY)) ?? { value: {}, secret: false };
  const current = apps.value[args.app];
  if (!current || typeof current !== "object" || Array.isArray(current)) {
    const names = Object.keys(apps.value).sort().join(", ") || "none";
    throw new UsageError(`stack "${args.stack}" has no app "${args.app}" (its apps: ${names})`);
  }
  if (apps.secret) {
    throw new UsageError(
      "the stack's apps setting holds a value stored as a secret (`config set --secret`); app settings are plain " +
        "and this command rewrites them: keep the value in appSecrets.<NAME> and name it under " +
        `apps.${args.app}.secrets instead (docs/apps.md)`,
    );
  }
  return apps.value as Record<string, Record<string, unknown>>;
}

/** Every string inside a secret output (passwords, keys): never printed. */
function secretStrings(outputs: StackOutputs): string[] {
  const found: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === "string") found.push(v);
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  for (const o of Object.values(outputs)) if (o.secret) walk(o.value);
  return found;
}
