# apply-config: makes the services run what install-files installed, and nothing more. Reads STATE_DIR/pending (paths
# changed since the last successful apply):
#   - prod: `nginx -t` BEFORE anything is reloaded; on failure the Nginx files are rolled back to the running version
#     (so a later restart or reboot still works) and the step fails; nothing is restarted.
#   - `systemctl daemon-reload` only when a unit file changed;
#   - registry.service: enabled; restarted only when its files changed (config, TLS, htpasswd, unit), started if down;
#   - prod: nginx enabled; reloaded only when its files changed, started if down;
#   - GC timers: enabled and started; timers that left the bundle are stopped and disabled.
# The pending list and the backups are cleared only after everything succeeded: a failed run is retried in full.
ACTIONS=0
STATE=""

act() {
  ACTIONS=$((ACTIONS + 1))
  log "$*"
}

is_changed() {
  local prefix="$1" p
  for p in "${PENDING[@]}"; do
    case "$p" in "$prefix"*) return 0 ;; esac
  done
  return 1
}

# Puts every pending path under $1 back the way it was before install-files changed it.
rollback() {
  local prefix="$1" p saved dest keep=()
  for p in "${PENDING[@]}"; do
    case "$p" in
      "$prefix"*)
        saved="$STATE/backup$p"
        dest="$(host_path "$p")"
        if [ -e "$saved.absent" ]; then
          rm -f "$dest"
        elif [ -e "$saved" ] || [ -L "$saved" ]; then
          cp -a "$saved" "$dest.rollback.$$"
          mv -fT "$dest.rollback.$$" "$dest"
        fi
        rm -f "$saved" "$saved.absent"
        log "rolled back $p"
        ;;
      *) keep+=("$p") ;;
    esac
  done
  if [ "${#keep[@]}" -gt 0 ]; then printf '%s\n' "${keep[@]}" >"$STATE/pending"; else rm -f "$STATE/pending"; fi
}

unit_enabled() { "$SYSTEMCTL" is-enabled --quiet "$1" 2>/dev/null; }
unit_active() { "$SYSTEMCTL" is-active --quiet "$1" 2>/dev/null; }

main() {
  parse_args "$@"
  require_root
  STATE="$(host_path "$STATE_DIR")"
  PENDING=()
  if [ -f "$STATE/pending" ]; then mapfile -t PENDING <"$STATE/pending"; fi

  if [ "$COMPOSITION" = prod ]; then
    local out
    if ! out="$("$NGINX" -t 2>&1)"; then
      printf '%s\n' "$out" >&2
      rollback "$NGINX_DIR/"
      die "nginx -t failed: Nginx keeps running its previous configuration and the new Nginx files were rolled back"
    fi
    log "nginx -t: configuration ok"
  fi

  if is_changed "$SYSTEMD_DIR/"; then
    # Timers whose unit file left the bundle: stop them before systemd forgets them.
    local p unit
    for p in "${PENDING[@]}"; do
      case "$p" in
        "$SYSTEMD_DIR/"*.timer)
          unit="${p##*/}"
          if [ ! -e "$(host_path "$p")" ]; then
            "$SYSTEMCTL" disable --now "$unit" 2>/dev/null || true
            act "disabled $unit (no longer shipped)"
          fi
          ;;
      esac
    done
    "$SYSTEMCTL" daemon-reload
    act "systemd daemon-reload"
  fi

  if ! unit_enabled "$REGISTRY_UNIT"; then
    "$SYSTEMCTL" enable "$REGISTRY_UNIT"
    act "enabled $REGISTRY_UNIT"
  fi
  local registry_changed=0 prefix
  for prefix in "${REGISTRY_PATHS[@]}"; do
    if is_changed "$prefix"; then registry_changed=1; fi
  done
  if [ "$registry_changed" = 1 ]; then
    "$SYSTEMCTL" restart "$REGISTRY_UNIT"
    act "restarted $REGISTRY_UNIT (its files changed)"
  elif ! unit_active "$REGISTRY_UNIT"; then
    "$SYSTEMCTL" start "$REGISTRY_UNIT"
    act "started $REGISTRY_UNIT"
  fi

  if [ "$COMPOSITION" = prod ]; then
    if ! unit_enabled nginx.service; then
      "$SYSTEMCTL" enable nginx.service
      act "enabled nginx.service"
    fi
    if ! unit_active nginx.service; then
      "$SYSTEMCTL" start nginx.service
      act "started nginx.service"
    elif is_changed "$NGINX_DIR/"; then
      "$SYSTEMCTL" reload nginx.service
      act "reloaded nginx.service (its files changed)"
    fi
  fi

  local timer
  for timer in "${TIMERS[@]}"; do
    if ! unit_enabled "$timer" || ! unit_active "$timer"; then
      "$SYSTEMCTL" enable --now "$timer"
      act "enabled and started $timer"
    fi
  done

  rm -rf "$STATE/pending" "$STATE/backup"
  if [ "$ACTIONS" -eq 0 ]; then log "no change"; else log "$ACTIONS action(s) applied"; fi
}
