#!/usr/bin/env bash
# Makes botocore's AWS API models available to the unit tests, at exactly the pinned version, and prints the
# directory that holds them (`botocore/data`, last line of stdout). The models carry each API member's `pattern`,
# `min`, `max` and enum (`<service>/<api version>/service-2.json[.gz]`); tests/unit/aws-api-rules.test.ts checks every
# string the program sends to AWS against them.
#
# botocore is installed from PyPI into a virtual environment kept between runs:
#   ${STARTUP_INFRA_CACHE:-~/.cache/startup-infra}/botocore-<version>/
# `--no-deps`: only the package's data is read (no Python code of it runs), so its dependencies are not needed.
# When Python's venv module is missing it installs Debian's python3-venv (as root).
#
# It never skips: when botocore cannot be installed it exits non-zero with the reason.
set -euo pipefail

# The exact botocore release whose models the check reads (bump deliberately: a new release may add rules).
readonly BOTOCORE_VERSION=1.44.5

die() {
  echo "ensure-botocore: ERROR: $*" >&2
  exit 1
}

cache_root="${STARTUP_INFRA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/startup-infra}"
mkdir -p "$cache_root"

# One installer at a time (test workers may start it together).
exec 9>"$cache_root/botocore-$BOTOCORE_VERSION.lock"
flock 9
venv="$cache_root/botocore-$BOTOCORE_VERSION"
marker="$venv/.startup-infra-data-dir"

data_dir_of() {
  # find_spec locates the package without running its code.
  "$venv/bin/python" -c '
import importlib.util, os, sys
spec = importlib.util.find_spec("botocore")
if spec is None or not spec.submodule_search_locations: sys.exit(1)
print(os.path.join(list(spec.submodule_search_locations)[0], "data"))'
}

installed_version() {
  "$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("botocore"))' 2>/dev/null || true
}

if [ -f "$marker" ] && [ -x "$venv/bin/python" ] && [ "$(installed_version)" = "$BOTOCORE_VERSION" ]; then
  data_dir="$(cat "$marker")"
  if [ -d "$data_dir/dlm" ]; then
    echo "$data_dir"
    exit 0
  fi
fi

command -v python3 >/dev/null 2>&1 || missing_python=1
if [ -n "${missing_python:-}" ] || ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    die "Python's venv module is missing and this is not root: install it with: sudo apt-get install -y python3-venv"
  fi
  echo "ensure-botocore: installing python3-venv (Debian)" >&2
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null; } ||
    die "apt-get could not install python3-venv"
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || die "python3 -m venv still unusable after installing python3-venv"
fi

echo "ensure-botocore: installing botocore $BOTOCORE_VERSION from PyPI into $venv (first run only)" >&2
rm -rf "$venv"

python3 -m venv "$venv" || die "python3 -m venv $venv failed"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps "botocore==$BOTOCORE_VERSION" >&2 ||
  die "pip could not install botocore==$BOTOCORE_VERSION from PyPI (is PyPI reachable?)"
[ "$(installed_version)" = "$BOTOCORE_VERSION" ] || die "botocore $BOTOCORE_VERSION is not what pip installed"
data_dir="$(data_dir_of)" || die "botocore is installed but its package directory cannot be found"
[ -d "$data_dir/dlm" ] || die "botocore's models are missing from $data_dir"
printf '%s\n' "$data_dir" >"$marker"
echo "$data_dir"
