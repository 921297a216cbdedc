#!/bin/bash
# imds-firewall: only the users that need the instance role reach the instance metadata service (169.254.169.254),
# which hands out the role's credentials to any local process that asks. IMDSv2 with hop limit 1 keeps bridged
# containers out, not Nginx's workers (www-data), the apps, or containers on the host network running as a non-root
# user. An owner-matched netfilter rule on OUTPUT admits root (this host's boot steps, registry-acme, the SSM agent)
# and the users named in its arguments that exist (cwagent: the CloudWatch agent runs as that user); every other
# process gets a TCP reset at once. Other link-local services (Amazon Time Sync 169.254.169.123, the DNS resolver)
# are not affected.
#
# Runs first in the user data's bootcmd (every boot, before the host-key step) and, from the copy it keeps of itself,
# from a systemd unit ordered before the network comes up (so the rule is in place on later boots before any service
# starts, whether or not cloud-init runs). The CloudWatch agent step runs it again after installing the agent (the
# cwagent user exists from then on). Idempotent: the chain is replaced in one iptables-restore transaction and the
# jump from OUTPUT is added once.
#
# iptables, not nft: Ubuntu 24.04's server images carry iptables 1.8.10 (ufw depends on it), whose default `iptables`
# is the nf_tables backend (iptables-nft); the nft command line is a separate package they need not have.
#   bash -c "$SCRIPT" imds-firewall [user...]      (user data)
#   /bin/bash /usr/local/sbin/startup-infra-imds-firewall [user...]      (the unit, the CloudWatch agent step)
# Test-only environment (never set on a host): IMDS_FIREWALL_ROOT (path prefix for the files it installs).
set -euo pipefail
readonly ALLOWED_USERS=("$@")
readonly ROOT="${IMDS_FIREWALL_ROOT:-}"
readonly METADATA=169.254.169.254/32
readonly CHAIN=STARTUP-INFRA-IMDS
readonly SELF=/usr/local/sbin/startup-infra-imds-firewall
readonly UNIT=startup-infra-imds-firewall.service

log() { printf 'imds-firewall: %s\n' "$*" >&2; }

# The chain's rules: admitted users return to OUTPUT (which lets them through), everyone else is refused.
rules() {
  local user uid
  printf '*filter\n:%s - [0:0]\n' "$CHAIN"
  for user in root "${ALLOWED_USERS[@]}"; do
    if uid="$(id -u "$user" 2>/dev/null)"; then
      printf -- '-A %s -m owner --uid-owner %s -j RETURN\n' "$CHAIN" "$uid"
      log "admitted: $user (uid $uid)"
    else
      log "user $user does not exist (yet): not admitted"
    fi
  done
  printf -- '-A %s -p tcp -j REJECT --reject-with tcp-reset\n' "$CHAIN"
  printf -- '-A %s -j REJECT --reject-with icmp-port-unreachable\nCOMMIT\n' "$CHAIN"
}

apply_rules() {
  if ! command -v iptables >/dev/null || ! command -v iptables-restore >/dev/null; then
    log "ERROR: iptables is missing: every local process can read the instance role's credentials"
    return 1
  fi
  # --noflush keeps every other rule; declaring the chain creates it or empties it, in the same transaction.
  rules | iptables-restore -w 10 --noflush
  if ! iptables -w 10 -C OUTPUT -d "$METADATA" -j "$CHAIN" 2>/dev/null; then
    iptables -w 10 -I OUTPUT 1 -d "$METADATA" -j "$CHAIN"
  fi
  log "every other user is refused the instance metadata service"
}

# Writes $1 (mode $2) with the content on stdin, only when it differs.
install_file() {
  local path="$ROOT$1" tmp
  mkdir -p "$(dirname "$path")"
  tmp="$(mktemp "$path.XXXXXX")"
  cat >"$tmp"
  chmod "$2" "$tmp"
  if cmp -s "$tmp" "$path"; then
    rm -f "$tmp"
  else
    mv -f "$tmp" "$path"
    log "installed $1"
  fi
}

# Run from user data (`bash -c`), bash holds this very script in BASH_EXECUTION_STRING: keep it, and enable the unit
# that runs it on every later boot (enabled the way `systemctl enable` would: a link in sysinit.target.wants).
persist() {
  if [ -z "${BASH_EXECUTION_STRING:-}" ]; then return 0; fi
  printf '%s' "$BASH_EXECUTION_STRING" | install_file "$SELF" 0755
  printf '%s\n' \
    '[Unit]' \
    'Description=Only the users that need the instance role reach the metadata service (startup-infra)' \
    'DefaultDependencies=no' \
    'Wants=network-pre.target' \
    'Before=network-pre.target shutdown.target' \
    'Conflicts=shutdown.target' \
    '' \
    '[Service]' \
    'Type=oneshot' \
    'RemainAfterExit=yes' \
    "ExecStart=/bin/bash $SELF${ALLOWED_USERS[*]:+ ${ALLOWED_USERS[*]}}" \
    '' \
    '[Install]' \
    'WantedBy=sysinit.target' | install_file "/etc/systemd/system/$UNIT" 0644
  mkdir -p "$ROOT/etc/systemd/system/sysinit.target.wants"
  ln -sfn "/etc/systemd/system/$UNIT" "$ROOT/etc/systemd/system/sysinit.target.wants/$UNIT"
}

main() {
  umask 022
  local user
  for user in "${ALLOWED_USERS[@]}"; do
    if ! [[ "$user" =~ ^[a-z_][a-z0-9_-]{0,31}$ ]]; then
      log "ERROR: $user is not a user name"
      exit 2
    fi
  done
  persist
  apply_rules
}

main
