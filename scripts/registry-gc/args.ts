import { parseArgs, type ParseArgsConfig } from "node:util";
import { closest, distance } from "fastest-levenshtein";
import { DEFAULT_MAX_NAMES, DEFAULT_MAX_RUN_BYTES, parseByteSize } from "./budget.js";
import { DEFAULT_MAX_PAGES, isLoopbackHost } from "./client.js";
import { parseDuration } from "../../components/duration.js";
import type { RankBy } from "./types.js";

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
  /**
   * The registry's filesystem storage root (its `rootdirectory`), read-only: tags, digests and push times come
   * from there instead of the API (host-side mode); only deletions use the API.
   */
  readonly storageDir?: string;
  /**
   * Release histories (a directory of `<app>.json`, like the host's `/srv/registry/releases`, or one file, e.g.
   * saved from the stack's output): their active, deploying and rollback-target digests are never deleted.
   */
  readonly releasesPath?: string;
  /** File listing the running containers' images, one `name@sha256:<hex>` per line: never deleted. */
  readonly runningPath?: string;
  /** With --storage: write here the protected digests present in the storage that no tag points at. */
  readonly untaggedProtectedPath?: string;
  /** Most pages followed for one listing. */
  readonly maxPages: number;
  /** Most names (repositories, tags, index entries) and response bytes one run reads from the registry. */
  readonly maxNames: number;
  readonly maxBytes: number;
  /** What orders the images: `created` (API default), `pushed` (`--storage` default) or `tag` (names only). */
  readonly rankBy: RankBy;
  readonly help: boolean;
}

/** Default of `--concurrency`: enough requests in flight to keep both cores of a small registry host busy. */
export const DEFAULT_CONCURRENCY = 16;

const OPTIONS = {
  registry: { type: "string" },
  user: { type: "string" },
  "password-stdin": { type: "boolean", default: false },
  "ca-cert": { type: "string" },
  repo: { type: "string", multiple: true, default: [] as string[] },
  keep: { type: "string" },
  "keep-tags-like": { type: "string", multiple: true, default: [] as string[] },
  "keep-younger-than": { type: "string" },
  delete: { type: "boolean", default: false },
  json: { type: "boolean", default: false },
  concurrency: { type: "string", default: String(DEFAULT_CONCURRENCY) },
  "page-size": { type: "string", default: "1000" },
  "max-pages": { type: "string", default: String(DEFAULT_MAX_PAGES) },
  "max-names": { type: "string", default: String(DEFAULT_MAX_NAMES) },
  "max-bytes": { type: "string", default: "1G" },
  cache: { type: "string" },
  storage: { type: "string" },
  "rank-by": { type: "string" },
  releases: { type: "string" },
  running: { type: "string" },
  "untagged-protected": { type: "string" },
  help: { type: "boolean", short: "h", default: false },
} satisfies NonNullable<ParseArgsConfig["options"]>;

export const USAGE = `Usage: npm run registry-gc -- --registry <https://host:port> [options]

Keeps, per repository, the N newest images, tags matching a pattern and images younger than a duration;
deletes every other tag by digest (never a digest a kept tag points at). Dry run unless --delete.

  --registry <url>              https://host:port (required; http:// carries a password to loopback only)
  --user <name>                 basic-auth user (default: REGISTRY_USER, else anonymous)
  --password-stdin              read the password from stdin (default: REGISTRY_PASSWORD)
  --ca-cert <pem>               CA that signed the registry's certificate (default: the system's trust store)
  --repo <glob>                 repositories to clean, repeatable; * within a segment, ** across (default: all)
  --keep <N>                    keep the N newest images (default: 0, i.e. only what the other rules keep)
  --keep-tags-like <regex>      keep tags matching this regular expression, repeatable (default: none)
  --keep-younger-than <dur>     keep images younger than this, e.g. 30d, 12h (default: no age rule)
  --delete                      act (default: off, a dry run that only reads)
  --json                        machine-readable report on stdout (default: off, a table)
  --concurrency <n>             requests in flight, 1-256 (default: ${DEFAULT_CONCURRENCY})
  --page-size <n>               page size for _catalog and tags/list, 1-100000 (default: 1000)
  --max-pages <n>               most pages followed per listing, 1-1000000 (default: ${DEFAULT_MAX_PAGES})
  --max-names <n>               most repositories + tags + index entries read in the run (with --storage:
                                directory entries listed) (default: ${DEFAULT_MAX_NAMES})
  --max-bytes <size>            most response bytes read in the run, e.g. 4G (default: 1G)
  --cache <file>                keep creation times of immutable digests here between runs (default: no cache)
  --storage <dir>               on the registry host: read tags, digests and push times from the registry's
                                filesystem storage root (read-only), rank by push time, delete over the API
                                (default: everything over the API, ranked by the images' creation time)
  --rank-by <created|pushed|tag>
                                what "newest" means: the image config's creation time, the tag's push time
                                (--storage only), or the natural order of tag names (v10 after v9), which
                                reads no time: over the API one request per tag instead of two, the order
                                registry-cli uses (default: created, or pushed with --storage)
  --releases <dir|file>         never delete what apps run or can roll back to: a directory of release histories
                                (<app>.json, as on the host under /srv/registry/releases) or one file (a history,
                                an array or an object of them, e.g. saved from the stack's output); every active
                                or deploying release and each app's last keepReleases releases that did not fail
                                are protected, with every tag sharing their digest and every image they list
                                (default: no release history)
  --running <file>              never delete the images of running containers: one name@sha256:<hex> per line
                                (the host's timer writes it from docker ps / docker image inspect) (default: none)
  --untagged-protected <file>   with --storage: write the protected digests the storage holds that no tag points
                                at, one per line (blob GC with --delete-untagged would delete them) (default: none)
  -h, --help                    this text

At least one of --keep, --keep-tags-like, --keep-younger-than is required (--keep 0 alone deletes every tag).
A protected digest is kept whatever the rules say, and the report lists each with the reason.
Exit codes: 0 done, 1 some deletions failed, 2 bad usage / registry unreachable / authentication failed / limit hit,
3 the release history or running-images list is missing or unreadable (nothing deleted).`;

type OptionName = keyof typeof OPTIONS;
const NAMES = Object.keys(OPTIONS) as OptionName[];

/**
 * Checks the command line against OPTIONS before node's parser sees it, so every mistake gets our wording (node's
 * own messages say "argument is ambiguous" for `--keep -1` and print an unbalanced quote for an unknown option).
 */
function precheck(argv: readonly string[]): void {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h") continue;
    if (!arg.startsWith("--")) {
      throw new UsageError(
        arg.startsWith("-")
          ? `unknown option ${arg} (options are long, like --keep; -h is the only short one)`
          : `unexpected argument "${arg}": every value follows its option, e.g. --repo ${arg}`,
      );
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (!(name in OPTIONS)) {
      const guess = closest(name, NAMES);
      const hint =
        distance(name, guess) <= Math.max(2, Math.floor(name.length / 3)) ? ` (did you mean --${guess}?)` : "";
      throw new UsageError(`unknown option --${name}${hint}`);
    }
    const spec = OPTIONS[name as OptionName];
    if (spec.type === "boolean") {
      if (eq >= 0) throw new UsageError(`--${name} takes no value, got "${arg}"`);
      continue;
    }
    if (eq >= 0) continue;
    const value = argv[i + 1];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (value === "-h" || (value.startsWith("--") && value.slice(2).split("=")[0]! in OPTIONS)) {
      throw new UsageError(`--${name} needs a value, got the option ${value}`);
    }
    if (
      /^-\d/.test(value) &&
      ["keep", "concurrency", "page-size", "max-pages", "max-names", "max-bytes"].includes(name)
    ) {
      throw new UsageError(`--${name} must be a whole number, not negative, got "${value}"`);
    }
    i++;
  }
}

function wholeNumber(name: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return Number(value);
}

function byteSize(name: string, value: string): number {
  const n = parseByteSize(value);
  if (n === undefined || n < 1024 * 1024) {
    throw new UsageError(`--${name} must be a size of at least 1M, like 512M, 4G or 1073741824, got "${value}"`);
  }
  return n;
}

/**
 * Parses and validates the command line once, into one typed object. Throws UsageError with a one-line
 * message on anything wrong (unknown flag, missing registry, password on the command line, bad regex...).
 */
export function parseCliArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): CliOptions {
  refusePasswordOption(argv);
  precheck(argv);
  const values = parseValues(argv);
  const base = { repos: values.repo, delete: values.delete, json: values.json, help: values.help };
  if (base.help) return { ...base, ...HELP_DEFAULTS };

  const url = registryUrl(values.registry);
  const credentials = credentialsFrom(values, env, url);
  const rules = retentionRules(values);
  checkRepos(values.repo);
  checkHostSideFiles(values);
  const rankBy = parseRankBy(values["rank-by"], values.storage !== undefined);
  checkRankByNeeds(rankBy, rules, values);

  return {
    ...base,
    registry: `${url.protocol}//${url.host}`,
    ...credentials,
    caCertPath: values["ca-cert"],
    ...rules,
    ...limits(values),
    cachePath: values.cache,
    storageDir: values.storage,
    releasesPath: values.releases,
    runningPath: values.running,
    untaggedProtectedPath: values["untagged-protected"],
    rankBy,
  };
}

/** What `--help` returns besides the flags given: nothing else is read, so nothing else is checked. */
const HELP_DEFAULTS = {
  registry: "",
  passwordFrom: "none",
  keep: 0,
  keepTagsLike: [],
  concurrency: DEFAULT_CONCURRENCY,
  pageSize: 1000,
  maxPages: DEFAULT_MAX_PAGES,
  maxNames: DEFAULT_MAX_NAMES,
  maxBytes: DEFAULT_MAX_RUN_BYTES,
  rankBy: "created",
} as const satisfies Partial<CliOptions>;

function refusePasswordOption(argv: readonly string[]): void {
  if (argv.some((a) => a === "--password" || a.startsWith("--password="))) {
    throw new UsageError(
      "--password is refused (it would show in ps and shell history): use --password-stdin or REGISTRY_PASSWORD",
    );
  }
}

/** Node's parser over a command line `precheck` has vetted; its rare own errors become UsageErrors. */
function parseValues(argv: readonly string[]) {
  try {
    return parseArgs({ args: withInlineValues(argv), strict: true, allowPositionals: false, options: OPTIONS }).values;
  } catch (e) {
    throw new UsageError((e as Error).message.split("\n")[0]!);
  }
}

type Values = ReturnType<typeof parseValues>;

/** Values starting with "-" (a regex like -rc$) are legitimate: precheck has vetted them, so pass them with "=". */
function withInlineValues(argv: readonly string[]): string[] {
  const normalized: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const name = a.slice(2);
    if (a.startsWith("--") && !a.includes("=") && OPTIONS[name as OptionName]?.type === "string") {
      normalized.push(`${a}=${argv[++i]}`);
    } else normalized.push(a);
  }
  return normalized;
}

/** `--registry`: required, and just scheme://host[:port] over https (or http). */
function registryUrl(registry: string | undefined): URL {
  if (!registry) throw new UsageError("--registry is required, e.g. --registry https://203.0.113.7:5000");
  let url: URL;
  try {
    url = new URL(registry);
  } catch {
    throw new UsageError(`--registry "${registry}" is not a URL: use https://host:port`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new UsageError(`--registry must start with https:// (or http://), got "${registry}"`);
  }
  if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.username || url.password) {
    throw new UsageError(`--registry must be just scheme://host[:port], got "${registry}"`);
  }
  return url;
}

/** The user and where the password comes from; a password goes over plain http:// to loopback only. */
function credentialsFrom(
  values: Values,
  env: Readonly<Record<string, string | undefined>>,
  url: URL,
): Pick<CliOptions, "user" | "passwordFrom"> {
  const user = values.user ?? env.REGISTRY_USER;
  if (user && url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    throw new UsageError(
      `refusing to send the password over plain http:// to ${url.host}: use https:// ` +
        "(plain HTTP is allowed to a loopback address only)",
    );
  }
  let passwordFrom: CliOptions["passwordFrom"] = "none";
  if (values["password-stdin"]) passwordFrom = "stdin";
  else if (env.REGISTRY_PASSWORD !== undefined) passwordFrom = "env";
  if (user && passwordFrom === "none") {
    throw new UsageError(`no password for user "${user}": pipe it to --password-stdin or set REGISTRY_PASSWORD`);
  }
  if (!user && passwordFrom === "stdin") throw new UsageError("--password-stdin needs --user (or REGISTRY_USER)");
  return { user: user || undefined, passwordFrom };
}

/** `--keep`, `--keep-tags-like`, `--keep-younger-than`: at least one, each well-formed. */
function retentionRules(values: Values): Pick<CliOptions, "keep" | "keepTagsLike" | "keepYoungerThanMs"> {
  if (values.keep === undefined && values["keep-tags-like"].length === 0 && values["keep-younger-than"] === undefined) {
    throw new UsageError(
      "no retention rule: give --keep <N>, --keep-tags-like <regex> or --keep-younger-than <duration> (--keep 0 alone deletes every tag)",
    );
  }
  const keep = values.keep === undefined ? 0 : wholeNumber("keep", values.keep, 0, 1_000_000);
  const keepTagsLike = values["keep-tags-like"].map((p) => {
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
  return { keep, keepTagsLike, keepYoungerThanMs };
}

function checkRepos(repos: readonly string[]): void {
  for (const g of repos) if (g.trim() === "") throw new UsageError("--repo needs a non-empty glob");
}

/** `--storage`, `--cache` and `--untagged-protected`: which go together and which exclude each other. */
function checkHostSideFiles(values: Values): void {
  if (values.storage !== undefined && !values.storage.startsWith("/")) {
    throw new UsageError(`--storage must be an absolute path (the registry's rootdirectory), got "${values.storage}"`);
  }
  if (values.storage !== undefined && values.cache !== undefined) {
    throw new UsageError("--cache has no use with --storage (push times are read from the storage): drop one");
  }
  if (values["untagged-protected"] !== undefined && values.storage === undefined) {
    throw new UsageError("--untagged-protected needs --storage (it checks what the registry's storage holds)");
  }
  if (values["untagged-protected"] !== undefined && values.releases === undefined && values.running === undefined) {
    throw new UsageError("--untagged-protected needs a protected set: give --releases and/or --running");
  }
}

/** `--rank-by tag` reads no time: the age rule and the creation-time cache have nothing to work with. */
function checkRankByNeeds(rankBy: RankBy, rules: Pick<CliOptions, "keepYoungerThanMs">, values: Values): void {
  if (rankBy === "tag" && rules.keepYoungerThanMs !== undefined) {
    throw new UsageError(
      "--keep-younger-than needs image times and --rank-by tag reads none: drop one (or rank by time)",
    );
  }
  if (rankBy === "tag" && values.cache !== undefined) {
    throw new UsageError("--cache holds creation times, which --rank-by tag does not read: drop one");
  }
}

/** The numeric limits, each in its range (the defaults are in OPTIONS). */
function limits(values: Values): Pick<CliOptions, "concurrency" | "pageSize" | "maxPages" | "maxNames" | "maxBytes"> {
  return {
    concurrency: wholeNumber("concurrency", values.concurrency, 1, 256),
    pageSize: wholeNumber("page-size", values["page-size"], 1, 100_000),
    maxPages: wholeNumber("max-pages", values["max-pages"], 1, 1_000_000),
    maxNames: wholeNumber("max-names", values["max-names"], 1, 100_000_000),
    maxBytes: byteSize("max-bytes", values["max-bytes"]),
  };
}

const RANKINGS: readonly RankBy[] = ["created", "pushed", "tag"];

/** `--rank-by`, checked against the mode: push times exist only in the storage; creation times are in both. */
function parseRankBy(value: string | undefined, storage: boolean): RankBy {
  if (value === undefined) return storage ? "pushed" : "created";
  if (!(RANKINGS as readonly string[]).includes(value)) {
    throw new UsageError(`--rank-by must be one of ${RANKINGS.join(", ")}, got "${value}"`);
  }
  if (value === "pushed" && !storage) {
    throw new UsageError(
      "--rank-by pushed needs --storage: push times are only in the registry's storage, on the registry host",
    );
  }
  return value as RankBy;
}
