import { readFile, rename, writeFile } from "node:fs/promises";
import { UsageError, USAGE, parseCliArgs, type CliOptions } from "./args.js";
import { RegistryClient, RegistryError } from "./client.js";
import { apiSource, runRegistryGc, type GcReport } from "./gc.js";
import { formatSummary, formatTextReport, toJson } from "./report.js";
import { loadProtectedSet, ProtectionError, type ProtectedSet } from "./protected.js";
import { StorageError, StorageReader } from "./storage.js";
import { presentInStorage } from "./untagged.js";

/** Loads the digest -> creation time cache; a missing or unreadable file is an empty cache (it is only a cache). */
async function loadCache(path: string): Promise<Map<string, string | null>> {
  try {
    const data = JSON.parse(await readFile(path, "utf8")) as { created?: Record<string, string | null> };
    return new Map(Object.entries(data.created ?? {}).filter(([k]) => /^[a-z0-9]+:[a-f0-9]+$/.test(k)));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") {
      process.stderr.write(`registry-gc: ignoring unreadable cache ${path}: ${(e as Error).message}\n`);
    }
    return new Map();
  }
}

async function saveCache(path: string, cache: Map<string, string | null>): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify({ created: Object.fromEntries(cache) }));
  await rename(tmp, path);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

/** Runs the CLI and returns its exit code: 0 done, 1 some deletions failed, 2 usage / reach / auth / config. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let client: RegistryClient | undefined;
  let source: StorageReader | undefined;
  try {
    const opts = parseCliArgs(argv, env);
    if (opts.help) {
      console.log(USAGE);
      return 0;
    }
    const caPem = opts.caCertPath ? await readCaCert(opts.caCertPath) : undefined;
    const password = await readPassword(opts, env);
    client = registryClient(opts, password, caPem);
    if (opts.storageDir) {
      source = new StorageReader(opts.storageDir, opts.rankBy, opts.maxNames);
      await source.check();
    }
    // Read before anything is deleted: an unreadable history stops the run here (exit 3), nothing deleted.
    const protect = await loadProtection(opts);
    const createdCache = opts.cachePath && !source ? await loadCache(opts.cachePath) : undefined;
    const report = await runRegistryGc(client, opts.registry, {
      source: source ?? apiSource(client, opts.pageSize, createdCache, opts.rankBy === "tag" ? "tag" : "created"),
      createdCache,
      rules: { keep: opts.keep, keepTagsLike: opts.keepTagsLike, keepYoungerThanMs: opts.keepYoungerThanMs },
      repos: opts.repos,
      delete: opts.delete,
      protect,
      pageSize: opts.pageSize,
      onProgress: (line) => process.stderr.write(`${line}\n`),
    });
    if (opts.cachePath && createdCache) await saveCache(opts.cachePath, createdCache);
    await writeUntaggedProtected(opts, report);
    printReport(opts, report, protect !== undefined);
    return report.summary.digestsFailed > 0 || report.summary.repositoryErrors > 0 ? 1 : 0;
  } catch (e) {
    return failed(e);
  } finally {
    source?.close();
    await client?.close();
  }
}

/** The `--ca-cert` file, which must hold a PEM certificate. */
async function readCaCert(path: string): Promise<string> {
  let caPem: string;
  try {
    caPem = await readFile(path, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read --ca-cert ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  if (!caPem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new UsageError(`--ca-cert ${path} holds no PEM certificate`);
  }
  return caPem;
}

/** The password from stdin or REGISTRY_PASSWORD, as `--password-stdin` says; a user's may not be empty. */
async function readPassword(opts: CliOptions, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  let password: string | undefined;
  if (opts.passwordFrom === "stdin") password = await readStdin();
  else if (opts.passwordFrom === "env") password = env.REGISTRY_PASSWORD;
  if (opts.user && !password) throw new UsageError("the password is empty");
  return password;
}

function registryClient(opts: CliOptions, password: string | undefined, caPem: string | undefined): RegistryClient {
  return new RegistryClient({
    baseUrl: opts.registry,
    user: opts.user,
    password,
    caPem,
    concurrency: opts.concurrency,
    maxPages: opts.maxPages,
    maxNames: opts.maxNames,
    maxRunBytes: opts.maxBytes,
    onRetry: (what, attempt, of, delayMs) =>
      process.stderr.write(`registry-gc: ${what}; retry ${attempt}/${of} in ${(delayMs / 1000).toFixed(1)} s\n`),
  });
}

/** The protected set from `--releases` / `--running`, or undefined when neither is given. */
async function loadProtection(opts: CliOptions): Promise<ProtectedSet | undefined> {
  if (opts.releasesPath === undefined && opts.runningPath === undefined) return undefined;
  return loadProtectedSet({ releases: opts.releasesPath, running: opts.runningPath });
}

/** `--untagged-protected`: the protected digests the storage holds that no tag points at, one a line. */
async function writeUntaggedProtected(opts: CliOptions, report: GcReport): Promise<void> {
  if (!opts.untaggedProtectedPath || !opts.storageDir || !report.protection) return;
  const present = await presentInStorage(opts.storageDir, report.protection.untagged);
  await writeFile(opts.untaggedProtectedPath, present.map((u) => `${u.repository ?? "*"} ${u.digest}\n`).join(""));
}

/** Warnings and errors on stderr; the report on stdout (JSON with the process's figures, or a table) and a summary. */
function printReport(opts: CliOptions, report: GcReport, protectedSetGiven: boolean): void {
  for (const w of report.warnings) process.stderr.write(`registry-gc: warning: ${w}\n`);
  if (!protectedSetGiven && opts.delete) {
    process.stderr.write(
      "registry-gc: warning: no --releases / --running: deployed and running images were kept only if a rule kept them\n",
    );
  }
  if (opts.json) {
    process.stdout.write(`${toJson({ ...report, process: processStats() } as typeof report)}\n`);
    process.stderr.write(`${formatSummary(report)}\n`);
  } else {
    process.stdout.write(`${formatTextReport(report)}\n${formatSummary(report)}\n`);
  }
  for (const r of report.repositories) if (r.error) process.stderr.write(`registry-gc: ${r.repository}: ${r.error}\n`);
}

/** Whole-process figures (start-up included) for benchmarks and capacity planning. */
function processStats() {
  const cpu = process.cpuUsage();
  return {
    cpuUserMs: Math.round(cpu.user / 1000),
    cpuSystemMs: Math.round(cpu.system / 1000),
    uptimeMs: Math.round(process.uptime() * 1000),
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

/** Says what went wrong on stderr; returns the exit code: 3 for the protected set, else 2. */
function failed(e: unknown): number {
  if (e instanceof UsageError) {
    process.stderr.write(`registry-gc: ${e.message} (see --help)\n`);
    return 2;
  }
  if (e instanceof ProtectionError) {
    process.stderr.write(`registry-gc: protected set unavailable, nothing deleted: ${e.message}\n`);
    return 3;
  }
  if (e instanceof RegistryError || e instanceof StorageError) {
    process.stderr.write(`registry-gc: ${e.message}\n`);
    return 2;
  }
  process.stderr.write(`registry-gc: unexpected error: ${(e as Error).message}\n`);
  return 2;
}

if (require.main === module) {
  main(process.argv.slice(2), process.env).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`registry-gc: unexpected error: ${(e as Error).message}\n`);
      process.exitCode = 2;
    },
  );
}
