# --- common (components/registryHost/render/scripts/lib/common.bash) ---
# Test-only overrides; the defaults are the real host. Arguments win over the environment (sudo drops the environment):
#   --root DIR         prefix for every host path (REGISTRY_HOST_ROOT)
#   --systemctl CMD    service manager command (REGISTRY_HOST_SYSTEMCTL)
#   --nginx CMD        nginx binary used for `-t` (REGISTRY_HOST_NGINX)
#   --device PATH      data volume device (prepare-data-volume)
#   --no-mount         do not mount the data volume (prepare-data-volume)
#   --connect H:P      address the health check connects to (health-check)
#   --cacert FILE      CA file of the health check (health-check)
#   --attempts N       how many times waits are retried, 2 s apart (wait-ready, health-check, prepare-data-volume)
#   --cloud-init CMD   cloud-init command to wait on, even under --root (wait-ready; REGISTRY_HOST_CLOUD_INIT)
HOST_ROOT="${REGISTRY_HOST_ROOT:-}"
SYSTEMCTL="${REGISTRY_HOST_SYSTEMCTL:-systemctl}"
NGINX="${REGISTRY_HOST_NGINX:-nginx}"
OPT_CLOUD_INIT="${REGISTRY_HOST_CLOUD_INIT:-}"
OPT_DEVICE=""
OPT_NO_MOUNT=0
OPT_CONNECT=""
OPT_CACERT=""
OPT_ATTEMPTS=""

log() { printf '%s: %s\n' "$SCRIPT_NAME" "$*"; }
die() {
  printf '%s: ERROR: %s\n' "$SCRIPT_NAME" "$*" >&2
  exit 1
}

# Every script shares this parser; each uses only some of the options.
# shellcheck disable=SC2034
parse_args() {
  while [ "$#" -gt 0 ]; do
    case "$1" in
      --root) HOST_ROOT="${2:?--root needs a directory}"; shift 2 ;;
      --systemctl) SYSTEMCTL="${2:?--systemctl needs a command}"; shift 2 ;;
      --nginx) NGINX="${2:?--nginx needs a command}"; shift 2 ;;
      --device) OPT_DEVICE="${2:?--device needs a path}"; shift 2 ;;
      --no-mount) OPT_NO_MOUNT=1; shift ;;
      --connect) OPT_CONNECT="${2:?--connect needs host:port}"; shift 2 ;;
      --cacert) OPT_CACERT="${2:?--cacert needs a file}"; shift 2 ;;
      --attempts) OPT_ATTEMPTS="${2:?--attempts needs a number}"; shift 2 ;;
      --cloud-init) OPT_CLOUD_INIT="${2:?--cloud-init needs a command}"; shift 2 ;;
      *) die "unknown option: $1" ;;
    esac
  done
  HOST_ROOT="${HOST_ROOT%/}"
  case "$OPT_ATTEMPTS" in '' | *[!0-9]*) OPT_ATTEMPTS="" ;; esac
}

# Runs a command under a time limit, so a hung remote command cannot hold a deploy forever (the command provider's
# custom timeout bounds connecting, not the remote work). GNU timeout signals the command's whole process group and
# answers 124 (137 when it had to KILL a command that ignored TERM for 10 s). On expiry: dies saying what did not
# finish, within how long, and where to look. Otherwise returns the command's own status.
# Usage: bounded SECONDS "what" "where to look" CMD [ARGS...]
bounded() {
  local seconds="$1" what="$2" hint="$3" rc=0
  shift 3
  timeout --kill-after=10 "$seconds" "$@" || rc=$?
  case "$rc" in
    124 | 137) die "$what did not finish within $seconds s (timed out): $hint" ;;
  esac
  return "$rc"
}

# Host path under the (test-only) root prefix.
host_path() { printf '%s%s' "$HOST_ROOT" "$1"; }

require_root() {
  if [ -z "$HOST_ROOT" ] && [ "$(id -u)" -ne 0 ]; then die "run as root (sudo bash -s)"; fi
}
# --- end common ---
