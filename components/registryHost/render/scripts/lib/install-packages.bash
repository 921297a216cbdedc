# install-packages: the Docker engine (and Nginx in prod) at the archive's current build, and unattended-upgrades so
# security updates reach them. No version pins, no holds: an exact pin on a release build stops installing once
# -updates has a newer one (nginx depends on nginx-common of its own version) and a hold blocks security fixes.
# Idempotent: when every package is installed, apt is not called. Services listed in NO_AUTOSTART are kept from
# starting while apt runs (policy-rc.d): Nginx must not serve the package's default site before our configuration is
# installed and tested.
main() {
  parse_args "$@"
  require_root
  local name status missing=() changed=0
  for name in "${PACKAGES[@]}"; do
    # shellcheck disable=SC2016 # dpkg-query format fields, not shell expansions
    status="$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null || true)"
    case "$status" in
      *" ok installed "*)
        log "unchanged $name ${status##* } (security updates: unattended-upgrades)"
        continue
        ;;
    esac
    missing+=("$name")
  done

  if [ "${#missing[@]}" -gt 0 ]; then
    local policy created_policy=0
    policy="$(host_path /usr/sbin/policy-rc.d)"
    if [ ! -e "$policy" ]; then
      {
        printf '#!/bin/sh\n# Written by install-packages while apt runs; removed afterwards.\n'
        # shellcheck disable=SC2016 # $1 belongs to the generated policy-rc.d
        printf 'case "$1" in\n'
        local svc
        for svc in "${NO_AUTOSTART[@]}"; do printf '  %s) exit 101 ;;\n' "$svc"; done
        printf 'esac\nexit 0\n'
      } >"$policy"
      chmod 0755 "$policy"
      created_policy=1
      # shellcheck disable=SC2064 # expand now: the path is fixed
      trap "rm -f '$policy'" EXIT
    fi
    export DEBIAN_FRONTEND=noninteractive
    local apt_opts=(-o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
    log "installing ${missing[*]}"
    apt-get "${apt_opts[@]}" update -qq
    apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "${missing[@]}" </dev/null
    if [ "$created_policy" = 1 ]; then
      rm -f "$policy"
      trap - EXIT
    fi
    log "changed ${missing[*]}"
  fi

  # Holds (from an earlier version of this program, or by hand) would keep these packages from security updates.
  local held
  held="$(apt-mark showhold 2>/dev/null || true)"
  for name in "${PACKAGES[@]}"; do
    if grep -qxF -- "$name" <<<"$held"; then
      apt-mark unhold "$name" >/dev/null
      log "released the hold on $name"
      changed=1
    fi
  done

  local conf wanted
  conf="$(host_path "$AUTO_UPGRADES_PATH")"
  wanted="$(printf '%s' "$AUTO_UPGRADES_CONF_BASE64" | base64 -d)"
  if [ "$(cat "$conf" 2>/dev/null || true)" != "$wanted" ]; then
    mkdir -p "$(dirname "$conf")"
    printf '%s\n' "$wanted" >"$conf.tmp"
    chmod 0644 "$conf.tmp"
    mv -f "$conf.tmp" "$conf"
    log "changed $AUTO_UPGRADES_PATH"
    changed=1
  fi

  if ! "$SYSTEMCTL" is-enabled --quiet docker.service 2>/dev/null; then "$SYSTEMCTL" enable docker.service; fi
  if ! "$SYSTEMCTL" is-active --quiet docker.service; then "$SYSTEMCTL" start docker.service; fi
  if [ "${#missing[@]}" -eq 0 ] && [ "$changed" = 0 ]; then log "no change"; fi
}
