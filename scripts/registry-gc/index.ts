// Registry retention clean-up, usable as a library. The CLI (`npm run registry-gc`) is cli.ts.
export { parseCliArgs, UsageError, USAGE, type CliOptions } from "./args.js";
export {
  MANIFEST_ACCEPT,
  RegistryClient,
  RegistryError,
  type RegistryClientOptions,
  type RegistryErrorKind,
  type RequestStats,
} from "./client.js";
export { formatDuration, parseDuration } from "./duration.js";
export {
  mapLimit,
  runRegistryGc,
  type DeletionOutcome,
  type GcOptions,
  type GcReport,
  type RepositoryResult,
} from "./gc.js";
export { globToRegExp, repositorySelected } from "./glob.js";
export { createdFromConfig, TagInspector } from "./inspect.js";
export { formatSummary, formatTextReport, toJson } from "./report.js";
export { decideRetention, describeReason, naturalCompare, rankImages } from "./rules.js";
export type { KeepReason, RepositoryPlan, RetentionRules, TagDecision, TagInfo } from "./types.js";
