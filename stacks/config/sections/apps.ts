import { z } from "zod";
import { APP_NAME, ENV_NAME } from "../../../components/apps/names";
import { dnsLabel, port } from "./common";

export { APP_NAME, ENV_NAME };

// The reference grammar of distribution (reference/regexp.go), narrowed: every path component starts with a lower-case
// letter or digit (nothing can start with "-" and be read as a docker option) and there is NO registry host: an app
// image is always a repository of the stack's own registry, which the program puts in front.
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const TAG = "[A-Za-z0-9_][A-Za-z0-9._-]{0,127}";
const DIGEST = "sha256:[0-9a-f]{64}";
const APP_IMAGE = new RegExp(`^(${COMPONENT}(?:/${COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);

/** An app image split into its parts: a repository of the stack's registry with a tag, a digest, or both. */
export interface AppImageReference {
  repository: string;
  tag?: string;
  digest?: string;
}

/** The parts of `image`, or undefined when it is not a valid app image reference (see `appImageProblem`). */
export function parseAppImage(image: string): AppImageReference | undefined {
  const m = APP_IMAGE.exec(image);
  if (!m || (!m[2] && !m[3])) return undefined;
  return { repository: m[1]!, ...(m[2] ? { tag: m[2] } : {}), ...(m[3] ? { digest: m[3] } : {}) };
}

/** What is wrong with an app image reference, or undefined. */
export function appImageProblem(image: string): string | undefined {
  const first = image.split("/")[0] ?? "";
  if (image.includes("/") && /[.:]/.test(first) && !first.includes("@")) {
    return (
      `names the registry host "${first}": an app image is a repository of the stack's own registry, ` +
      `written without its host (e.g. ${image.slice(first.length + 1) || "web:1.4.2"})`
    );
  }
  const parsed = parseAppImage(image);
  if (!parsed) {
    return (
      "must be a repository of the stack's registry with a tag, a digest or both (e.g. web:1.4.2, " +
      "web@sha256:<64 hex digits>); repository parts are lower-case letters, digits and inner . _ -"
    );
  }
  if (parsed.tag === "latest" && !parsed.digest) return "must not use the floating tag latest: pin a version";
  return undefined;
}

/** Names an app may not take: `registry` is what a site serving the registry says. */
export const RESERVED_APP_NAMES = ["registry"] as const;

export const appName = z
  .string()
  .regex(APP_NAME, "must be an app name: lower-case letters, digits and inner hyphens, at most 32 characters")
  .refine((n) => !(RESERVED_APP_NAMES as readonly string[]).includes(n), {
    message: "is reserved: a site that names `registry` serves the Docker registry",
  });

const envName = z
  .string()
  .regex(ENV_NAME, "must be an environment variable name: letters, digits and _, not starting with a digit");

/**
 * Docker's env file is one `NAME=value` per line, the value taken literally (no quotes, no expansion): any text but
 * a line break or NUL goes through unchanged.
 */
export function envValueProblem(value: string): string | undefined {
  if (/[\r\n\0]/.test(value)) return "must be one line (an env file holds NAME=value per line; no line breaks or NUL)";
  if (value.length > 32_768) return "must be at most 32768 characters";
  return undefined;
}

const envValue = z.preprocess(
  (v) => (typeof v === "number" || typeof v === "boolean" ? String(v) : v),
  z.string().superRefine((value, ctx) => {
    const problem = envValueProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  }),
);

/**
 * Where an app secret comes from. The platform's own outputs: `database.url` (the connection URL with the generated
 * password), `database.password`, `storage.connection` (what the storage-connection Key Vault secret holds),
 * `mail.sendgridApiKey`; or one of the stack's own secrets: `appSecrets.<NAME>` (set with
 * `pulumi config set --secret --path 'appSecrets.<NAME>' -- ...`).
 */
export const PLATFORM_SECRET_SOURCES = [
  "database.url",
  "database.password",
  "storage.connection",
  "mail.sendgridApiKey",
] as const;
export type PlatformSecretSource = (typeof PLATFORM_SECRET_SOURCES)[number];
export const APP_SECRET_PREFIX = "appSecrets.";

export function secretSourceProblem(source: string): string | undefined {
  if ((PLATFORM_SECRET_SOURCES as readonly string[]).includes(source)) return undefined;
  if (source.startsWith(APP_SECRET_PREFIX) && ENV_NAME.test(source.slice(APP_SECRET_PREFIX.length))) return undefined;
  return `must be one of ${PLATFORM_SECRET_SOURCES.join(", ")} or ${APP_SECRET_PREFIX}<NAME> (a stack secret)`;
}

const secretSource = z.string().superRefine((value, ctx) => {
  const problem = secretSourceProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/** A URL path (and optional query) with no characters a shell, curl or a log line could misread. */
const healthPath = z
  .string()
  .max(200)
  .regex(
    /^\/[A-Za-z0-9._~!&*+,;=:@%/-]*(\?[A-Za-z0-9._~!&*+,;=:@%/?-]*)?$/,
    "must be a URL path starting with / (e.g. /up), without spaces, quotes or #",
  );

export const HEALTH_CHECK_DEFAULTS = {
  path: "/up",
  intervalSeconds: 1,
  timeoutSeconds: 5,
  deployTimeoutSeconds: 600,
  watchSeconds: 60,
  unhealthyThreshold: 3,
} as const;

export const healthCheck = z
  .object({
    /** Path the host requests over HTTP on the container's loopback port; any 2xx answer is healthy. Defaults to /up. */
    path: healthPath.default(HEALTH_CHECK_DEFAULTS.path).meta({ example: "/up" }),
    /** Seconds between checks (before and after the switch). Defaults to 1. */
    intervalSeconds: z.number().int().min(1).max(60).default(HEALTH_CHECK_DEFAULTS.intervalSeconds).meta({
      example: "1",
    }),
    /** Seconds one check may take. Defaults to 5. */
    timeoutSeconds: z.number().int().min(1).max(60).default(HEALTH_CHECK_DEFAULTS.timeoutSeconds).meta({
      example: "5",
    }),
    /**
     * Seconds a new release may take from start to its first healthy answer (slow boots: migrations, JIT warm-up).
     * Defaults to 600.
     */
    deployTimeoutSeconds: z
      .number()
      .int()
      .min(5)
      .max(3600)
      .default(HEALTH_CHECK_DEFAULTS.deployTimeoutSeconds)
      .meta({ example: "600" }),
    /**
     * Seconds the host keeps checking the new release after the switch; failing there puts the previous release
     * back. Defaults to 60.
     */
    watchSeconds: z.number().int().min(0).max(3600).default(HEALTH_CHECK_DEFAULTS.watchSeconds).meta({
      example: "60",
    }),
    /** Consecutive failed checks that make a release unhealthy. Defaults to 3. */
    unhealthyThreshold: z.number().int().min(1).max(20).default(HEALTH_CHECK_DEFAULTS.unhealthyThreshold).meta({
      example: "3",
    }),
  })
  .strict();

/** One app: a container of the stack's registry, run on the host and switched without dropping a request. */
export const appSchema = z
  .object({
    /** Repository of the stack's registry with a tag and/or digest (web:1.4.2, web@sha256:...). Required. */
    image: z
      .string()
      .superRefine((image, ctx) => {
        const problem = appImageProblem(image);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      })
      .meta({ example: "web:1.4.2" }),
    /** Port the app listens on inside its container. Required. */
    port: port.meta({ example: "8080" }),
    /** Prod: the `sites` name it serves (that entry then names this app). Defaults to none (not behind Nginx). */
    site: dnsLabel.optional().meta({ example: "www" }),
    /** Plain environment variables. `PORT` defaults to `port`. Defaults to none. */
    env: z.record(envName, envValue).default({}).meta({ example: "production" }),
    /** Environment variables whose values are secrets: NAME -> source (see PLATFORM_SECRET_SOURCES). Defaults to none. */
    secrets: z.record(envName, secretSource).default({}).meta({ example: "database.url" }),
    healthCheck: healthCheck.default({ ...HEALTH_CHECK_DEFAULTS }),
    /**
     * Seconds the previous release keeps serving the connections it has (long requests, websockets) after the switch,
     * before Nginx's old workers close them and the old container is stopped. Defaults to 30.
     */
    drainSeconds: z.number().int().min(0).max(3600).default(30).meta({ example: "30" }),
    /** Seconds `docker stop` waits after SIGTERM before SIGKILL. Defaults to 30. */
    stopTimeoutSeconds: z.number().int().min(1).max(600).default(30).meta({ example: "30" }),
    /** Memory limit in MiB. Defaults to 1024. */
    memoryMiB: z.number().int().min(16).max(1_048_576).default(1024).meta({ example: "1024" }),
    /** CPU limit in cores (e.g. 1.5). Defaults to no limit. */
    cpus: z.number().positive().max(512).optional().meta({ example: "1" }),
    /**
     * Who or what asked for this release, recorded in the release history (`npm run deploy -- app` and `rollback`
     * set it; a change alone re-runs the deploy, which then finds nothing to do). Defaults to "pulumi up".
     */
    deployedBy: z.string().max(200).optional().meta({ example: "ci: build 1234" }),
    /** Releases kept as rollback targets (their images stay on the host and in the registry). Defaults to 5. */
    keepReleases: z.number().int().min(1).max(50).default(5).meta({ example: "5" }),
    /**
     * Written by `npm run deploy -- app` and `rollback`, never by hand: sha256 of the committed settings they replaced.
     * While the committed settings stay unchanged, the deploy command keeps the release that overrode them (docs/apps.md).
     * No effect on the container; recorded with the release. Defaults to none.
     */
    overrides: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "must be a sha256 (64 lower-case hex digits), as the deploy command writes it")
      .optional()
      .meta({ example: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" }),
  })
  .strict();
export type AppConfig = z.output<typeof appSchema>;

/** `apps`: app name -> how it runs. Defaults to none. */
export const appsSection = z.record(appName, appSchema);
