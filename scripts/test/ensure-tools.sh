#!/usr/bin/env bash
# Makes sure every real program the integration tests drive is installed.
# Installs what is missing from Debian packages when running as root; otherwise (or when apt fails)
# stops with a clear message naming what is missing. It never lets a test be skipped.
set -euo pipefail

# command -> Debian package
declare -A needed=(
  [nginx]=nginx
  [docker-registry]=docker-registry
  [htpasswd]=apache2-utils
  [skopeo]=skopeo
  [/usr/sbin/sshd]=openssh-server
  [ssh]=openssh-client
  [openssl]=openssl
  [curl]=curl
  [shellcheck]=shellcheck
  [unshare]=util-linux
  [ip]=iproute2
  # The data volume tests: loop devices, ext4, mounts (prepare-data-volume, restore from a snapshot).
  [losetup]=mount
  [mkfs.ext4]=e2fsprogs
  [blkid]=util-linux
  [mountpoint]=util-linux
  [python3]=python3
  # Services' access as their own accounts (tests/integration/support/host-access.ts) and Nginx's worker accounts.
  [setpriv]=util-linux
  [ps]=procps
  [systemd-analyze]=systemd
  # ACME: Let's Encrypt's test CA and its DNS stand-in, and the client the host runs (tests/integration/acme*).
  [pebble]=pebble
  [pebble-challtestsrv]=pebble
  [lego]=lego
  # The metadata-service firewall (tests/integration/imds-firewall.test.ts): iptables with the nf_tables backend,
  # as Ubuntu 24.04 has it, in network namespaces; setpriv runs the fetch as www-data and nobody.
  [iptables]=iptables
  [iptables-restore]=iptables
  [setpriv]=util-linux
  # The CloudWatch agent step's signature check.
  [gpg]=gpg
  [gpgconf]=gpgconf
  # Apps: a real Docker engine the tests start themselves (private data root, exec root and socket), and a static
  # busybox for test images built FROM scratch (there is no Docker Hub here).
  [dockerd]=docker.io
  [containerd]=containerd
  [runc]=runc
  [/bin/busybox]=busybox-static
  # The test app's server: static files over HTTP and a websocket echo (copied into the image with the C library
  # and loader it links).
  [websocketd]=websocketd
  [readelf]=binutils
  [nsenter]=util-linux
  [flock]=util-linux
)

# True when /bin/busybox has no program interpreter (statically linked). The headers are captured first: piped into
# `grep -q`, readelf could die of SIGPIPE and, under pipefail, make a dynamic busybox look static.
busybox_is_static() {
  local headers
  headers="$(LC_ALL=C readelf -l /bin/busybox 2>/dev/null)" || return 1
  ! grep -q 'Requesting program interpreter' <<<"$headers"
}

missing_pkgs=()
for cmd in "${!needed[@]}"; do
  if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "$cmd" ]; then
    missing_pkgs+=("${needed[$cmd]}")
  fi
done
# A dynamically linked busybox (package busybox) cannot run in an image built FROM scratch: busybox-static replaces it.
if [ -x /bin/busybox ] && ! busybox_is_static; then missing_pkgs+=(busybox-static); fi

if [ "${#missing_pkgs[@]}" -eq 0 ]; then
  exit 0
fi

mapfile -t missing_pkgs < <(printf '%s\n' "${missing_pkgs[@]}" | sort -u)
echo "ensure-tools: installing missing test components: ${missing_pkgs[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-tools: ERROR: ${missing_pkgs[*]} missing and not running as root." >&2
  echo "ensure-tools: install them with: sudo apt-get install -y ${missing_pkgs[*]}" >&2
  exit 1
fi

# Stop apt from starting nginx on :80 and the registry on :5000 while installing.
policy_rc=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy_rc" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy_rc"
  chmod 755 "$policy_rc"
  created_policy=1
fi
# An if, not `&&`: a false test as the trap's last command would become the script's exit status.
cleanup() { if [ "$created_policy" = 1 ]; then rm -f "$policy_rc"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing_pkgs[@]}" >/dev/null; }; then
  echo "ensure-tools: ERROR: apt-get could not install: ${missing_pkgs[*]}" >&2
  exit 1
fi

if ! busybox_is_static; then
  echo "ensure-tools: ERROR: /bin/busybox is not statically linked after installing busybox-static" >&2
  exit 1
fi
for cmd in "${!needed[@]}"; do
  if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "$cmd" ]; then
    echo "ensure-tools: ERROR: '$cmd' (package ${needed[$cmd]}) is still missing after apt-get install" >&2
    exit 1
  fi
done
echo "ensure-tools: all test components present"
