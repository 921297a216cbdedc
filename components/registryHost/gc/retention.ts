import { RELEASES_DIR } from "../../apps/releaseHistory";

/**
 * The Node.js runtime the host runs registry-gc on: the official image, pinned by tag AND digest (Docker checks the
 * digest on pull; a tag can be moved). The digest is the one independent public projects pin for this tag (it could
 * not be read from Docker Hub on the machine that wrote this): check it with
 * `docker buildx imagetools inspect node:22.12.0-bookworm-slim` and move tag and digest together.
 */
export const REGISTRY_GC_NODE_IMAGE =
  "node:22.12.0-bookworm-slim@sha256:35531c52ce27b6575d69755c73e65d4468dba93a25644eed56dc12879cae9213";

/** Retention run by the host's GC timer before blob collection (host-side `--storage` mode, with the protected set). */
export interface RetentionHostInput {
  /** Keep the N newest images per repository. */
  readonly keep: number;
  /** Also keep images younger than this (registry-gc duration, e.g. `30d`). Defaults to no age rule. */
  readonly keepYoungerThan?: string;
  /** Also keep tags matching these regular expressions. Defaults to none. */
  readonly keepTagsLike?: readonly string[];
  /** Only report what would be deleted (the default: look at the report, then turn it off). */
  readonly dryRun: boolean;
  /** The registry's URL from the host, e.g. `http://127.0.0.1:5000` (prod) or `https://127.0.0.1:5000` (dev). */
  readonly registryUrl: string;
  /** PEM CA the tool trusts for `registryUrl` (dev: the private CA). Defaults to the image's trust store. */
  readonly caCertPath?: string;
  /** Root-only file holding one `user:password` line for the registry (deletions go over the API). */
  readonly credentialPath: string;
  /** Where the bundled tool is installed. Defaults to `/usr/local/lib/registry-gc/registry-gc.cjs`. */
  readonly bundlePath?: string;
  /** Node image that runs it. Defaults to REGISTRY_GC_NODE_IMAGE. */
  readonly nodeImage?: string;
  /** The apps' release histories. Defaults to RELEASES_DIR (`/srv/registry/releases`, on the data volume). */
  readonly releasesDir?: string;
  /** Where each run leaves its report, logs and `last-run` status. Defaults to `/var/lib/registry-gc`. */
  readonly stateDir?: string;
}

export type ResolvedRetention = Required<Omit<RetentionHostInput, "keepYoungerThan" | "caCertPath">> &
  Pick<RetentionHostInput, "keepYoungerThan" | "caCertPath">;

/** Validates and applies defaults; `path` checks absolute paths like the rest of the GC input. */
export function resolveRetention(r: RetentionHostInput, path: (name: string, v: string) => string): ResolvedRetention {
  if (!Number.isInteger(r.keep) || r.keep < 0) {
    throw new Error(`registry GC: retention.keep must be a whole number >= 0, got ${r.keep}`);
  }
  if (r.keepYoungerThan !== undefined && !/^(\d+[smhdw])+$/.test(r.keepYoungerThan)) {
    throw new Error(`registry GC: retention.keepYoungerThan must be like 30d or 12h, got "${r.keepYoungerThan}"`);
  }
  for (const p of r.keepTagsLike ?? []) {
    try {
      new RegExp(p);
    } catch (e) {
      throw new Error(
        `registry GC: retention.keepTagsLike "${p}" is not a regular expression: ${(e as Error).message}`,
      );
    }
  }
  const url = new URL(r.registryUrl);
  if (!/^https?:$/.test(url.protocol) || url.pathname !== "/" || /[\s'"\\$`]/.test(r.registryUrl)) {
    throw new Error(`registry GC: retention.registryUrl must be scheme://host:port, got "${r.registryUrl}"`);
  }
  const nodeImage = r.nodeImage ?? REGISTRY_GC_NODE_IMAGE;
  if (!/^[a-z0-9./_-]+:[\w.-]+@sha256:[0-9a-f]{64}$/.test(nodeImage)) {
    throw new Error(
      `registry GC: retention.nodeImage must be pinned by tag and digest (name:tag@sha256:...), got "${nodeImage}"`,
    );
  }
  return {
    keep: r.keep,
    keepYoungerThan: r.keepYoungerThan,
    keepTagsLike: r.keepTagsLike ?? [],
    dryRun: r.dryRun,
    registryUrl: `${url.protocol}//${url.host}`,
    caCertPath: r.caCertPath === undefined ? undefined : path("retention.caCertPath", r.caCertPath),
    credentialPath: path("retention.credentialPath", r.credentialPath),
    bundlePath: path("retention.bundlePath", r.bundlePath ?? "/usr/local/lib/registry-gc/registry-gc.cjs"),
    nodeImage,
    releasesDir: path("retention.releasesDir", r.releasesDir ?? RELEASES_DIR),
    stateDir: path("retention.stateDir", r.stateDir ?? "/var/lib/registry-gc"),
  };
}

/** Single-quotes a value for bash. */
function q(value: string | number): string {
  return `'${String(value).replace(/'/g, `'\\''`)}'`;
}

/** The retention rules as registry-gc arguments. */
function ruleArgs(r: ResolvedRetention): string[] {
  return [
    "--keep",
    String(r.keep),
    ...(r.keepYoungerThan ? ["--keep-younger-than", r.keepYoungerThan] : []),
    ...r.keepTagsLike.flatMap((p) => ["--keep-tags-like", p]),
    ...(r.dryRun ? [] : ["--delete"]),
  ];
}

/** The retention constants: the tool, its image, where it reads and writes, and its rules. */
function retentionConstants(r: ResolvedRetention): string {
  return `
# --- Retention (registry-gc --storage with the protected set), before blob collection -------------------------------
readonly NODE_IMAGE=${q(r.nodeImage)}
readonly BUNDLE=${q(r.bundlePath)}
readonly RELEASES_DIR=${q(r.releasesDir)}
readonly STATE_DIR=${q(r.stateDir)}
readonly REGISTRY_URL=${q(r.registryUrl)}
${
  r.caCertPath
    ? `readonly REGISTRY_CA=${q(r.caCertPath)}
`
    : ""
}readonly CREDENTIAL_FILE=${q(r.credentialPath)}
readonly RETENTION_CONTAINER="$CONTAINER_NAME-retention"
readonly RETENTION_RULES=(${ruleArgs(r).map(q).join(" ")})
retention_rc=0
retention_summary="not run"
`;
}

/** `running_images`: the protected set's running half, read from the engine. */
const RUNNING_IMAGES = `
# Every running container's image as name@sha256:<digest> (what the engine pulled), one per line. Fails when the
# engine cannot tell: an unknown running image must stop retention, not go unprotected.
running_images() {
  local ids images
  ids=$(docker ps --quiet --no-trunc) || return 1
  if [[ -z "$ids" ]]; then return 0; fi
  mapfile -t ids <<<"$ids"
  docker inspect --format '{{.Config.Image}}' "\${ids[@]}" | grep '@sha256:' || true
  images=$(docker inspect --format '{{.Image}}' "\${ids[@]}") || return 1
  mapfile -t images < <(sort -u <<<"$images")
  local digests
  digests=$(docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "\${images[@]}") || return 1
  grep -v '^$' <<<"$digests" || true
}
`;

/** `run_retention`: registry-gc in its container, the credential on stdin, the report kept. */
function runRetentionFunction(r: ResolvedRetention): string {
  const mounts = [
    `--mount "type=bind,src=$BUNDLE,dst=/opt/registry-gc/registry-gc.cjs,readonly"`,
    `--mount "type=bind,src=$DATA_DIR,dst=/var/lib/registry,readonly"`,
    `--mount "type=bind,src=$RELEASES_DIR,dst=/srv/registry/releases,readonly"`,
    `--mount "type=bind,src=$STATE_DIR/run,dst=/run/registry-gc"`,
    ...(r.caCertPath ? [`--mount "type=bind,src=$REGISTRY_CA,dst=/etc/registry-gc/ca.crt,readonly"`] : []),
  ];
  const toolArgs = [
    `--registry "$REGISTRY_URL"`,
    `--user "$user"`,
    "--password-stdin",
    ...(r.caCertPath ? ["--ca-cert /etc/registry-gc/ca.crt"] : []),
    "--storage /var/lib/registry",
    "--releases /srv/registry/releases",
    "--running /run/registry-gc/running-images",
    "--untagged-protected /run/registry-gc/untagged-protected",
    "--json",
    `"\${RETENTION_RULES[@]}"`,
  ];
  return `
# Runs registry-gc on the pinned Node image: tags from the storage (read-only), deletions over the API, never a
# protected digest. Leaves retention.json (the report), retention.log and the running list under $STATE_DIR.
run_retention() {
  mkdir -p "$STATE_DIR/run"
  rm -f "$STATE_DIR/run/untagged-protected"
  # Docker would create a missing bind source; prepare-data-volume makes it on the data volume (missing: unmounted).
  if [[ ! -d "$RELEASES_DIR" ]]; then
    retention_summary="failed: release history $RELEASES_DIR is missing (data volume not mounted, or damaged): nothing deleted"
    return 3
  fi
  local list
  if ! list=$(running_images); then
    retention_summary="failed: cannot list the running containers' images: nothing deleted"
    return 3
  fi
  printf '%s\\n' "$list" >"$STATE_DIR/run/running-images"
  local credential user
  if ! IFS= read -r credential <"$CREDENTIAL_FILE" || [[ "$credential" != *:* ]]; then
    retention_summary="failed: no user:password line in $CREDENTIAL_FILE: nothing deleted"
    return 2
  fi
  user=\${credential%%:*}
  docker rm --force "$RETENTION_CONTAINER" >/dev/null 2>&1 || true
  local rc=0
  # The password travels on stdin only, never in argv or the environment.
  printf '%s\\n' "\${credential#*:}" | docker run --rm -i --name "$RETENTION_CONTAINER" --network host \\
    --read-only --cap-drop ALL --security-opt no-new-privileges \\
    ${mounts.join(" \\\n    ")} \\
    "$NODE_IMAGE" node /opt/registry-gc/registry-gc.cjs \\
    ${toolArgs.join(" ")} \\
    >"$STATE_DIR/retention.json.tmp" 2>"$STATE_DIR/retention.log" || rc=$?
  if [[ -s "$STATE_DIR/retention.json.tmp" ]]; then mv "$STATE_DIR/retention.json.tmp" "$STATE_DIR/retention.json"; fi
  rm -f "$STATE_DIR/retention.json.tmp"
  sed 's/^/  /' "$STATE_DIR/retention.log"
  local last
  last=$(grep -E '^registry-gc: (dry run|delete|protected set unavailable)' "$STATE_DIR/retention.log" | tail -n 1 || true)
  retention_summary="\${last#registry-gc: }"
  if ((rc != 0)); then retention_summary="failed (exit $rc): \${retention_summary:-see $STATE_DIR/retention.log}"; fi
  return "$rc"
}
`;
}

/** `record_last_run`: the last run's outcome file. */
const RECORD_LAST_RUN = `
# Called by the EXIT trap: the last run's outcome, where the health check and \`cat\` find it.
record_last_run() {
  mkdir -p "$STATE_DIR"
  printf 'finished=%s\nexit=%s\nretention=%s\nretention_exit=%s\ngc=%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" \
    "$retention_summary" "$retention_rc" "$2" >"$STATE_DIR/last-run.tmp"
  mv "$STATE_DIR/last-run.tmp" "$STATE_DIR/last-run"
}
`;

/**
 * The retention part of the GC script: constants and functions (`run_retention`), run while the registry still
 * serves (deletions go over its API), before it is stopped for blob collection. Sets `retention_rc` and
 * `retention_summary`; drops `--delete-untagged` when a protected manifest has no tag or the protected set is unknown.
 */
export function renderRetentionSection(r: ResolvedRetention, dataDir: string): string {
  const run = `
log "retention: registry-gc \${RETENTION_RULES[*]} on ${dataDir}, protecting $RELEASES_DIR and the running containers"
run_retention || retention_rc=$?
log "retention: $retention_summary"
if ((retention_rc != 0)); then
  log "ERROR: retention failed (exit $retention_rc); blob collection still runs, without --delete-untagged"
  GC_FLAGS=()
elif [[ -s "$STATE_DIR/run/untagged-protected" ]]; then
  log "protected manifests without a tag: collecting without --delete-untagged this run"
  sed 's/^/  /' "$STATE_DIR/run/untagged-protected"
  GC_FLAGS=()
fi
`;
  return [retentionConstants(r), RUNNING_IMAGES, runRetentionFunction(r), RECORD_LAST_RUN, run].join("");
}
