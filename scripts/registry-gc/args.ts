import { parseArgs } from "node:util";
import { parseDuration } from "./duration.js";

/** Bad command line: the CLI prints the message and exits 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

export interface CliOptions {
  /** Registry base URL without a trailing slash, e.g. `https://203.0.113.7:5000`. */
  readonly registry: string;
  /** User for basic auth; undefined means anonymous. */
  readonly user?: string;
  /** Where the password comes from: stdin (`--password-stdin`), the REGISTRY_PASSWORD variable, or nowhere. */
  readonly passwordFrom: "stdin" | "env" | "none";
  /** PEM file of the CA that signed the registry's certificate. */
  readonly caCertPath?: string;
  /** Repository globs; empty means every repository. */
  readonly repos: readonly string[];
  readonly keep: number;
  readonly keepTagsLike: readonly RegExp[];
  readonly keepYoungerThanMs?: number;
  /** False (the default) is a dry run. */
  readonly delete: boolean;
  readonly json: boolean;
  readonly concurrency: number;
  readonly pageSize: number;
  /** File caching the creation times of immutable digests between runs. */
  readonly cachePath?: string;
  readonly help: boolean;
}

export const USAGE = `Usage: npm run registry-gc -- --registry <https://host:port> [--user <name> --password-stdin]
         [--ca-cert <pem>] [--repo <glob>]... [--keep <N>] [--keep-tags-like <regex>]...
         [--keep-younger-than <duration>] [--delete] [--json] [--concurrency <n>] [--page-size <n>]
         [--cache <file>]

Keeps, per repository, the N newest images, tags matching a pattern and images younger than a duration;
deletes every other tag by digest (never a digest a kept tag points at). Dry run unless --delete.
Password: --password-stdin, or the REGISTRY_PASSWORD environment variable (user: --user or REGISTRY_USER).
Exit codes: 0 done, 1 some deletions failed, 2 bad usage / registry unreachable / authentication failed.`;

function wholeNumber(name: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return Number(value);
}

/**
 * Parses and validates the command line once, into one typed object. Throws UsageError with a one-line
 * message on anything wrong (unknown flag, missing registry, password on the command line, bad regex...).
 */
export function parseCliArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): CliOptions {
  if (argv.some((a) => a === "--password" || a.startsWith("--password="))) {
    throw new UsageError(
      "--password is refused (it would show in ps and shell history): use --password-stdin or REGISTRY_PASSWORD",
    );
  }
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        registry: { type: "string" },
        user: { type: "string" },
        "password-stdin": { type: "boolean", default: false },
        "ca-cert": { type: "string" },
        repo: { type: "string", multiple: true, default: [] },
        keep: { type: "string" },
        "keep-tags-like": { type: "string", multiple: true, default: [] },
        "keep-younger-than": { type: "string" },
        delete: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        concurrency: { type: "string", default: "8" },
        "page-size": { type: "string", default: "1000" },
        cache: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message.split("\n")[0]!);
  }
  const help = values.help === true;
  const base = {
    repos: values.repo ?? [],
    delete: values.delete === true,
    json: values.json === true,
    help,
  };
  if (help) {
    return { ...base, registry: "", passwordFrom: "none", keep: 0, keepTagsLike: [], concurrency: 8, pageSize: 1000 };
  }

  if (!values.registry) throw new UsageError("--registry is required, e.g. --registry https://203.0.113.7:5000");
  let url: URL;
  try {
    url = new URL(values.registry);
  } catch {
    throw new UsageError(`--registry "${values.registry}" is not a URL: use https://host:port`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new UsageError(`--registry must start with https:// (or http://), got "${values.registry}"`);
  }
  if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.username || url.password) {
    throw new UsageError(`--registry must be just scheme://host[:port], got "${values.registry}"`);
  }

  const user = values.user ?? env.REGISTRY_USER;
  let passwordFrom: CliOptions["passwordFrom"] = "none";
  if (values["password-stdin"]) passwordFrom = "stdin";
  else if (env.REGISTRY_PASSWORD !== undefined) passwordFrom = "env";
  if (user && passwordFrom === "none") {
    throw new UsageError(`no password for user "${user}": pipe it to --password-stdin or set REGISTRY_PASSWORD`);
  }
  if (!user && passwordFrom === "stdin") throw new UsageError("--password-stdin needs --user (or REGISTRY_USER)");

  if (
    values.keep === undefined &&
    values["keep-tags-like"]!.length === 0 &&
    values["keep-younger-than"] === undefined
  ) {
    throw new UsageError(
      "no retention rule: give --keep <N>, --keep-tags-like <regex> or --keep-younger-than <duration> (--keep 0 alone deletes every tag)",
    );
  }
  const keep = values.keep === undefined ? 0 : wholeNumber("keep", values.keep, 0, 1_000_000);
  const keepTagsLike = values["keep-tags-like"]!.map((p) => {
    try {
      return new RegExp(p);
    } catch (e) {
      throw new UsageError(`--keep-tags-like "${p}" is not a valid regular expression: ${(e as Error).message}`);
    }
  });
  let keepYoungerThanMs: number | undefined;
  if (values["keep-younger-than"] !== undefined) {
    try {
      keepYoungerThanMs = parseDuration(values["keep-younger-than"]);
    } catch (e) {
      throw new UsageError(`--keep-younger-than: ${(e as Error).message}`);
    }
  }
  for (const g of base.repos) if (g.trim() === "") throw new UsageError("--repo needs a non-empty glob");

  return {
    ...base,
    registry: `${url.protocol}//${url.host}`,
    user: user || undefined,
    passwordFrom,
    caCertPath: values["ca-cert"],
    keep,
    keepTagsLike,
    keepYoungerThanMs,
    concurrency: wholeNumber("concurrency", values.concurrency!, 1, 256),
    pageSize: wholeNumber("page-size", values["page-size"]!, 1, 100_000),
    cachePath: values.cache,
  };
}
