import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import type { HostFile } from "../hostFile";
import { STEP_COMMAND } from "../registryHost/render/scripts/assemble";
import { type AppSpec, configHashOf, DEFAULT_DEPLOYED_BY, historyFromStdout, releaseConfig } from "./release";
import type { ReleaseHistory } from "./releaseHistory";
import {
  type AppDeployInput,
  renderDeployScriptForPlan,
  renderDeployStdin,
  renderEnvFile,
  secretsHash,
} from "./render/deploy";

/** A secret an app gets as an environment variable: where it comes from, and its value (secret). */
export interface AppSecretValue {
  source: string;
  value: pulumi.Input<string>;
}

export interface AppsArgs {
  stack: string;
  apps: Record<string, AppSpec>;
  /** Per app: env NAME -> its secret. */
  secrets: Record<string, Record<string, AppSecretValue>>;
  /** Prod: each release is switched in through Nginx. Dev (no Nginx): releases listen on loopback only. */
  nginx: boolean;
  /** The host's pinned SSH connection (RegistryHost.connection). */
  connection: command.types.input.remote.ConnectionArgs;
  /** A new instance deploys every app again. */
  instanceId: pulumi.Input<string>;
  /** The registry as the host's Docker reaches it (the stacks: its loopback address). */
  registryAddress: pulumi.Input<string>;
  /** The registry user the host pulls as, and its password (secret). */
  registryUser: string;
  registryPassword: pulumi.Input<string>;
  /** The host's last provisioning step: Docker and Nginx are ready after it. */
  after: pulumi.Resource[];
}

/** The release an app's deploy would put into service, as the plan and the outputs show it. */
export interface PlannedRelease {
  image: string;
  configHash: string;
  secretsHash: string;
  deployedBy: string;
}

/**
 * The startup's apps on the host: one SSH step per app that runs the rendered deploy script (app-deploy) whenever the
 * app's image, run configuration, secrets or the script itself change. The step's stdin carries the script, the
 * registry password and the env file: secrets never reach a command line.
 */
export class Apps extends pulumi.ComponentResource {
  /** Per app: the release history as the last deploy left it (undefined until a deploy ran on a host). */
  readonly releaseHistories: pulumi.Output<Record<string, ReleaseHistory | undefined>>;
  /** Per app: what its step deploys (image, hashes, who asked). */
  readonly plannedReleases: pulumi.Output<Record<string, PlannedRelease>>;
  /**
   * What each deploy renders, for the offline plan (`<app>/deploy.sh`, `<app>/env` with secret values replaced by
   * `[secret]`). Not host files: the script and the env file reach the host on the step's stdin.
   */
  readonly renderedFiles: pulumi.Output<HostFile[]>;
  readonly steps: Record<string, command.remote.Command>;

  constructor(name: string, args: AppsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("startup-infra:apps:Apps", name, {}, opts);
    this.steps = {};
    const histories: Record<string, pulumi.Output<ReleaseHistory | undefined>> = {};
    const planned: Record<string, pulumi.Output<PlannedRelease>> = {};
    const files: pulumi.Output<HostFile[]>[] = [];
    for (const [app, spec] of Object.entries(args.apps)) {
      const release = this.release(name, app, spec, args);
      this.steps[app] = release.step;
      histories[app] = release.history;
      planned[app] = release.planned;
      files.push(release.file);
    }
    this.releaseHistories = pulumi.output(histories);
    this.plannedReleases = pulumi.output(planned);
    this.renderedFiles = pulumi.all(files).apply((f) => f.flat());
    this.registerOutputs({ releaseHistories: this.releaseHistories, plannedReleases: this.plannedReleases });
  }

  /** One app's deploy step, its planned release, its history and its script for the plan. */
  private release(name: string, app: string, spec: AppSpec, args: AppsArgs) {
    const secretEntries = Object.entries(args.secrets[app] ?? {});
    const secretValues = pulumi
      .all(secretEntries.map(([, s]) => pulumi.output(s.value)))
      .apply((values) =>
        Object.fromEntries(secretEntries.map(([env, s], i) => [env, { source: s.source, value: values[i]! }])),
      );
    const deployedBy = spec.deployedBy ?? DEFAULT_DEPLOYED_BY;
    const input = pulumi.all([args.registryAddress, secretValues]).apply(([registry, secrets]): AppDeployInput => ({
      app,
      stack: args.stack,
      registry,
      registryUser: args.registryUser,
      repository: spec.repository,
      ...(spec.tag ? { tag: spec.tag } : {}),
      ...(spec.digest ? { digest: spec.digest } : {}),
      port: spec.port,
      healthCheck: spec.healthCheck,
      drainSeconds: spec.drainSeconds,
      stopTimeoutSeconds: spec.stopTimeoutSeconds,
      memoryMiB: spec.memoryMiB,
      ...(spec.cpus !== undefined ? { cpus: spec.cpus } : {}),
      keepReleases: spec.keepReleases,
      nginxSwitch: args.nginx,
      configHash: configHashOf(spec),
      secretsHash: secretsHash(secrets),
      config: releaseConfig(spec),
      deployedBy,
    }));
    const envFile = secretValues.apply((secrets) =>
      renderEnvFile(
        { ...spec.env, ...Object.fromEntries(Object.entries(secrets).map(([k, s]) => [k, s.value])) },
        spec.port,
      ),
    );
    const script = pulumi.unsecret(input.apply(renderDeployScriptForPlan));
    const stdin = pulumi.secret(
      pulumi.all([input, args.registryPassword, envFile]).apply(([i, pw, env]) => renderDeployStdin(i, pw, env)),
    );
    const scriptHash = script.apply((s) => createHash("sha256").update(s).digest("hex"));
    const step = new command.remote.Command(
      `${name}-${app}-deploy`,
      {
        connection: args.connection,
        create: STEP_COMMAND,
        stdin,
        // A new release exactly when the image, the run configuration, the secrets' versions or the script change
        // (the script carries the first three, without secret values), and on a new instance. Who asked is recorded,
        // not a reason to deploy.
        triggers: [args.instanceId, scriptHash],
        addPreviousOutputInEnv: false,
      },
      { parent: this, dependsOn: args.after, customTimeouts: { create: `${deployMinutes(spec)}m` } },
    );
    const history = pulumi.unsecret(step.stdout).apply((out) => historyFromStdout(out, app));
    const planned = input.apply((i): PlannedRelease => ({
      // Registry-relative: the host pulls it over loopback, clients know the registry by registryAddress.
      image: i.digest ? `${i.repository}@${i.digest}` : `${i.repository}:${i.tag}`,
      configHash: i.configHash,
      secretsHash: i.secretsHash,
      deployedBy: i.deployedBy,
    }));
    const shownEnv = renderEnvFile(
      { ...spec.env, ...Object.fromEntries(secretEntries.map(([env]) => [env, "[secret]"])) },
      spec.port,
    );
    const file = script.apply((content): HostFile[] => [
      { path: `${app}/deploy.sh`, content, mode: "0700", secret: false },
      { path: `${app}/env`, content: shownEnv, mode: "0600", secret: false },
    ]);
    return { step, history: pulumi.unsecret(history), planned: pulumi.unsecret(planned), file };
  }
}

/** The step's create timeout: pull, boot, watch and drain, with room to spare. */
function deployMinutes(spec: AppSpec): number {
  const h = spec.healthCheck;
  const seconds = 900 + h.deployTimeoutSeconds + h.watchSeconds + spec.drainSeconds + spec.stopTimeoutSeconds;
  return Math.ceil(seconds / 60) + 5;
}
