import { RegistryError } from "./errors.js";

/**
 * Default of `--max-names`: repositories, tags and index entries one run may read. 100 times the benchmark's
 * 1,000-tag registry; each name costs the run well under 1 KiB, so the names stay within about 100 MiB.
 */
export const DEFAULT_MAX_NAMES = 100_000;
/**
 * Default of `--max-bytes`: response bytes one run may read, 1 GiB. A run reads a manifest and (ranking by creation
 * time) a config per tag, a few KiB each: 100,000 tags fit.
 */
export const DEFAULT_MAX_RUN_BYTES = 1024 ** 3;

/**
 * What a whole run may read from a registry: the per-response cap bounds one answer and `--max-pages` one listing,
 * but a hostile registry can still send endless fresh pages, or many listings: this bounds their sum.
 */
export class RunBudget {
  names = 0;
  bytes = 0;

  constructor(
    readonly maxNames = DEFAULT_MAX_NAMES,
    readonly maxBytes = DEFAULT_MAX_RUN_BYTES,
  ) {}

  /** Counts `n` more names read by `what`; throws a fatal `limit` RegistryError past the cap. */
  addNames(n: number, what: string): void {
    this.names += n;
    if (this.names > this.maxNames) {
      throw new RegistryError(
        "limit",
        `${what}: more than ${this.maxNames} names (repositories, tags and index entries) in this run, the limit ` +
          "of --max-names: the registry is broken or hostile, or holds that many (then raise --max-names)",
      );
    }
  }

  /** Counts `n` more response bytes read by `what`; throws a fatal `limit` RegistryError past the cap. */
  addBytes(n: number, what: string): void {
    this.bytes += n;
    if (this.bytes > this.maxBytes) {
      throw new RegistryError(
        "limit",
        `${what}: more than ${this.maxBytes} response bytes in this run, the limit of --max-bytes: the registry ` +
          "is broken or hostile, or holds that much (then raise --max-bytes, e.g. --max-bytes 4G)",
      );
    }
  }
}

/** Parses `--max-bytes`: a whole number of bytes, or with a binary suffix K, M, G or T (`512M`, `2G`). */
export function parseByteSize(value: string): number | undefined {
  const m = /^(\d+)([KMGT]?)$/i.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]) * 1024 ** "_KMGT".indexOf(m[2]!.toUpperCase() || "_");
  return Number.isSafeInteger(n) ? n : undefined;
}
