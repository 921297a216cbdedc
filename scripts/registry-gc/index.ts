// Registry retention clean-up, usable as a library. The CLI (`npm run registry-gc`) is cli.ts.
export { DEFAULT_CONCURRENCY, parseCliArgs, UsageError, USAGE, type CliOptions } from "./args.js";
export {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_PAGES,
  isLoopbackHost,
  MANIFEST_ACCEPT,
  RegistryClient,
  RegistryError,
  type RegistryClientOptions,
  type RegistryErrorKind,
  type RequestStats,
} from "./client.js";
export { formatDuration, parseDuration } from "../../components/duration.js";
export {
  apiSource,
  mapLimit,
  runRegistryGc,
  type DeletionOutcome,
  type GcOptions,
  type GcReport,
  type RepositoryResult,
  type TagSource,
} from "./gc.js";
export { globToRegExp, repositorySelected } from "./glob.js";
export { createdFromConfig, TagInspector, type ManifestStore, type ReadManifest } from "./inspect.js";
export { formatSummary, formatTextReport, toJson } from "./report.js";
export {
  describeProtection,
  loadProtectedSet,
  mergeProtected,
  parseRunningImages,
  protectedByHistory,
  protectionOf,
  ProtectionError,
  readReleaseHistories,
  type ProtectedDigest,
  type ProtectedSet,
  type ProtectReason,
} from "./protected.js";
export { protectionReport, type ProtectionReport } from "./protection-report.js";
export { StorageError, StorageReader, UnsafeStorageFileError } from "./storage.js";
export { StorageTree } from "./storage-files.js";
export { DEFAULT_MAX_NAMES, DEFAULT_MAX_RUN_BYTES, parseByteSize, RunBudget } from "./budget.js";
export { isDigest, isRepositoryName, isTagName, NAME_TOTAL_LENGTH_MAX } from "./names.js";
export { decideRetention, describeReason, naturalCompare, rankImages } from "./rules.js";
export type { KeepReason, RankBy, RepositoryPlan, RetentionRules, TagDecision, TagInfo } from "./types.js";
