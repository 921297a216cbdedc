# install-packages: the Docker engine (and Nginx in prod) at their pinned versions. Idempotent: when every package is
# installed at its pin, apt is not even called. Services listed in NO_AUTOSTART are kept from starting while apt
# runs (policy-rc.d): Nginx must not serve the package's default site before our configuration is installed and tested.
main() {
  parse_args "$@"
  require_root
  local spec name version status missing=()
  for spec in "${PACKAGES[@]}"; do
    name="${spec%%=*}"
    version=""
    if [ "$name" != "$spec" ]; then version="${spec#*=}"; fi
    # shellcheck disable=SC2016 # dpkg-query format fields, not shell expansions
    status="$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null || true)"
    case "$status" in
      *" ok installed "*)
        if [ -z "$version" ] || [ "${status##* }" = "$version" ]; then
          log "unchanged $name ${status##* }"
          continue
        fi
        ;;
    esac
    missing+=("$spec")
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
    apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends --allow-change-held-packages --allow-downgrades \
      "${missing[@]}" </dev/null
    if [ "$created_policy" = 1 ]; then
      rm -f "$policy"
      trap - EXIT
    fi
    log "changed ${missing[*]}"
  fi

  # Pinned packages are held so unattended-upgrades does not move them; unpinned ones are not.
  local held
  held="$(apt-mark showhold 2>/dev/null || true)"
  for spec in "${PACKAGES[@]}"; do
    name="${spec%%=*}"
    if [ "$name" != "$spec" ] && ! printf '%s\n' "$held" | grep -qxF "$name"; then
      apt-mark hold "$name" >/dev/null
      log "held $name"
    fi
  done

  if ! "$SYSTEMCTL" is-enabled --quiet docker.service 2>/dev/null; then "$SYSTEMCTL" enable docker.service; fi
  if ! "$SYSTEMCTL" is-active --quiet docker.service; then "$SYSTEMCTL" start docker.service; fi
  if [ "${#missing[@]}" -eq 0 ]; then log "no change"; fi
}
