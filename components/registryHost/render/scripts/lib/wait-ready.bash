# wait-ready: the host is ready for provisioning once cloud-init is done and nobody holds the apt/dpkg locks
# (unattended-upgrades runs right after the first boot). Changes nothing.
main() {
  parse_args "$@"
  require_root
  local attempts="${OPT_ATTEMPTS:-300}"
  local cloud_init="$OPT_CLOUD_INIT"
  if [ -z "$cloud_init" ] && [ -z "$HOST_ROOT" ] && command -v cloud-init >/dev/null 2>&1; then cloud_init=cloud-init; fi
  if [ -n "$cloud_init" ]; then
    # `status --wait` has no limit of its own: a boot that never finishes would hold the step forever.
    local rc=0
    bounded "$READY_TIMEOUT_SECONDS" "cloud-init" \
      "see cloud-init status --long and /var/log/cloud-init-output.log on the host; host.provisionTimeoutMinutes sets the limit" \
      "$cloud_init" status --wait >/dev/null || rc=$?
    case "$rc" in
      0) log "cloud-init done" ;;
      # cloud-init >= 23.4: 2 = finished with recoverable errors (deprecated keys, ...); provisioning can go on.
      2) log "cloud-init done with recoverable errors (see cloud-init status --long)" ;;
      *) die "cloud-init failed (exit $rc): see /var/log/cloud-init-output.log" ;;
    esac
  else
    log "no cloud-init here: nothing to wait for"
  fi
  local locks=()
  local lock
  for lock in /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock /var/cache/apt/archives/lock; do
    locks+=("$(host_path "$lock")")
  done
  if command -v fuser >/dev/null 2>&1; then
    local i=0
    while fuser -s "${locks[@]}" 2>/dev/null; do
      i=$((i + 1))
      if [ "$i" -ge "$attempts" ]; then die "apt/dpkg locks still held after $((attempts * 2)) s"; fi
      [ "$i" -eq 1 ] && log "waiting for apt/dpkg locks"
      sleep 2
    done
  fi
  log "ready"
}
