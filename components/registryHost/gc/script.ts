import type { ResolvedRegistryGcInput } from "./input.js";
import { renderRetentionSection } from "./retention.js";

/** Single-quotes a value for bash (values are validated to hold no quotes; this is belt and braces). */
function q(value: string | number): string {
  return `'${String(value).replace(/'/g, `'\\''`)}'`;
}

/** When the GC outcome goes into the last-run record (with retention): the assignment, else nothing. */
type OutcomeLine = (value: string) => string;

/** Shebang, what the script is, strict mode, its constants and the GC flags. */
function preamble(i: ResolvedRegistryGcInput, outcome: OutcomeLine): string {
  const gcFlags = i.deleteUntagged
    ? [
        "# distribution v3: --delete-untagged also removes manifests no tag references (safe for indexes since v3).",
        "GC_FLAGS=(--delete-untagged)",
      ]
    : [
        i.distributionMajor !== undefined && i.distributionMajor < 3
          ? "# distribution 2.x: NO --delete-untagged (it deletes the platform manifests of multi-arch / OCI indexes)."
          : "# --delete-untagged off: only blobs no manifest references are removed.",
        "GC_FLAGS=()",
      ];
  return `#!/usr/bin/env bash
# Registry blob garbage collection. Rendered by components/registryHost/gc: edit the renderer, not this file.
# garbage-collect is stop-the-world: ${i.registryUnit} is stopped while it runs and restored afterwards, even on failure.
set -euo pipefail

readonly IMAGE=${q(i.image)}
readonly REGISTRY_UNIT=${q(i.registryUnit)}
readonly CONFIG=${q(i.configPath)}
readonly CONTAINER_CONFIG=${q(i.containerConfigPath)}
readonly DATA_DIR=${q(i.dataDir)}
readonly CONTAINER_DATA_DIR=${q(i.containerDataDir)}
readonly CONTAINER_NAME=${q(i.containerName)}
readonly CONTAINER_NETWORK=${q(i.containerNetwork)}
readonly HEALTH_URL=${q(i.healthUrl)}
readonly HEALTH_CA=${q(i.healthCaCertPath ?? "")}
readonly HEALTH_STATUS=${q(i.healthStatus)}
readonly HEALTH_TIMEOUT_SEC=${q(i.healthTimeoutSec)}
readonly LOCK_FILE=${q(i.lockFile)}
${gcFlags.join("\n")}

log() { printf 'registry-gc: %s\\n' "$*"; }
${outcome('"garbage-collect not run"').trim()}
`;
}

/** Disk usage and health probes. */
const HEALTH_FUNCTIONS = `
# Apparent size in bytes of the data directory (0 when it cannot be read).
disk_usage() {
  local out
  out=$(du -sb -- "$DATA_DIR" 2>/dev/null) || out=0
  printf '%s\\n' "\${out%%[[:space:]]*}"
}

human() { numfmt --to=iec --suffix=B -- "$1" 2>/dev/null || printf '%sB\\n' "$1"; }

# HTTP status of the health URL without credentials; 000 when nothing answers.
health_status() {
  local args=(--silent --output /dev/null --write-out '%{http_code}' --max-time 5)
  if [[ -n "$HEALTH_CA" ]]; then args+=(--cacert "$HEALTH_CA"); fi
  curl "\${args[@]}" -- "$HEALTH_URL" || true
}

# Waits until the health URL answers one of the given statuses (000: nothing answers); fails after the timeout.
wait_for_status() {
  local deadline=$((SECONDS + HEALTH_TIMEOUT_SEC)) got want
  while :; do
    got=$(health_status)
    for want in "$@"; do
      if [[ "$got" == "$want" ]]; then return 0; fi
    done
    if ((SECONDS >= deadline)); then
      log "$HEALTH_URL answers $got, expected $* after \${HEALTH_TIMEOUT_SEC}s"
      return 1
    fi
    sleep 1
  done
}
`;

/** One run at a time: a second one exits quietly. */
const ONE_RUN_AT_A_TIME = `
exec 9>"$LOCK_FILE"
if ! flock --nonblock 9; then
  log "another run holds $LOCK_FILE: nothing to do"
  exit 0
fi

`;

/** Whether the registry runs now (restored to that state afterwards), and the disk usage before. */
const REGISTRY_STATE = `state=$(systemctl is-active "$REGISTRY_UNIT" 2>/dev/null || true)
case "$state" in
  active | activating | reloading) was_running=1 ;;
  *) was_running=0 ;;
esac
before=$(disk_usage)
log "start: image $IMAGE, data $DATA_DIR ($(human "$before")), $REGISTRY_UNIT $state, flags: \${GC_FLAGS[*]:-none}"
`;

/** The EXIT trap: restart the registry if it ran, check its health, log (and with retention record) the outcome. */
function restoreOnExit(i: ResolvedRegistryGcInput): string {
  return `
# Runs on every exit (success, GC failure, signal): put the registry back the way it was and check it.
restore_registry() {
  local status=$?
  trap - EXIT
  if ((was_running)); then
    log "starting $REGISTRY_UNIT"
    # 9>&-: the lock must not leak into anything that could outlive this run.
    if ! systemctl start "$REGISTRY_UNIT" 9>&-; then
      log "ERROR: systemctl start $REGISTRY_UNIT failed"
      status=1
    elif wait_for_status "$HEALTH_STATUS"; then
      log "$REGISTRY_UNIT is back: $HEALTH_URL answers $HEALTH_STATUS"
    else
      log "ERROR: $REGISTRY_UNIT is not healthy"
      status=1
    fi
  else
    log "$REGISTRY_UNIT was not running before: left stopped"
  fi
  local after
  after=$(disk_usage)
  local freed
  freed=$(human "$((before > after ? before - after : 0))")
${
  i.retention
    ? `  # A failed retention (e.g. unreadable release history) fails the run, so the timer records it.
  if ((status == 0 && retention_rc != 0)); then status=$retention_rc; fi
  record_last_run "$status" "$gc_outcome, freed $freed"
`
    : ""
}  log "done (exit $status): disk usage before $(human "$before"), after $(human "$after"), freed $freed"
  exit "$status"
}
trap restore_registry EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
`;
}

/** Stop the registry, wait until nothing serves the data, run garbage-collect in the pinned image. */
function collectGarbage(i: ResolvedRegistryGcInput, outcome: OutcomeLine): string {
  const mounts = [
    `-v "$CONFIG:$CONTAINER_CONFIG:ro"`,
    `-v "$DATA_DIR:$CONTAINER_DATA_DIR"`,
    ...i.extraReadOnlyMounts.map((m) => `-v ${q(`${m.host}:${m.container}:ro`)}`),
  ];
  return `
log "stopping $REGISTRY_UNIT"
systemctl stop "$REGISTRY_UNIT"
# Never collect while anything still serves the data: that corrupts the registry.
# 000: nothing listens; 502/503/504: a proxy in front answers but the registry behind it is down.
if ! wait_for_status 000 502 503 504; then
  log "ERROR: the registry still answers after stopping $REGISTRY_UNIT: garbage-collect not run"
  exit 1
fi

docker rm --force "$CONTAINER_NAME" >/dev/null 2>&1 || true
log "running garbage-collect"
if docker run --rm --name "$CONTAINER_NAME" --network "$CONTAINER_NETWORK" \\
  ${mounts.join(" \\\n  ")} \\
  "$IMAGE" garbage-collect "\${GC_FLAGS[@]}" "$CONTAINER_CONFIG"; then
${outcome('"garbage-collect ok (flags: ${GC_FLAGS[*]:-none})"')}  log "garbage-collect finished"
else
  rc=$?
${outcome('"garbage-collect failed (exit $rc)"')}  log "ERROR: garbage-collect failed (exit $rc)"
  exit "$rc"
fi
`;
}

/**
 * The GC script: strict mode, one run at a time (flock), registry stopped while `garbage-collect` runs in the
 * same pinned image with the same config and data mounts, registry restored and health-checked by an EXIT trap
 * (so also when GC fails), disk usage logged before/after. Everything goes to stdout: the journal.
 */
export function renderGcScript(i: ResolvedRegistryGcInput): string {
  /** With retention, the GC outcome goes into the last-run record. */
  const outcome: OutcomeLine = (value) => (i.retention ? `  gc_outcome=${value}\n` : "");
  return [
    preamble(i, outcome),
    HEALTH_FUNCTIONS,
    ONE_RUN_AT_A_TIME,
    `${i.retention ? renderRetentionSection(i.retention, i.dataDir) : ""}\n`,
    REGISTRY_STATE,
    restoreOnExit(i),
    collectGarbage(i, outcome),
  ].join("");
}
