#!/usr/bin/env bash
# Makes the registry the platform runs available to the integration tests and prints the directory that holds the
# `registry` binary (last line of stdout): distribution v<version>, where <version> is the tag of the pinned
# `registry:<version>@sha256:...` image in components/registryHost/render/image.ts. Debian packages distribution 2.8
# only (docker-registry), and there is no Docker engine here to run the image itself.
#
# Built once from the Go module proxy with `go install github.com/distribution/distribution/v3/cmd/registry@v<version>`
# into ${STARTUP_INFRA_CACHE:-~/.cache/startup-infra}/distribution-<version>/bin/registry (the module has no
# `replace` directives). Measured on a 2-core machine with empty module and build caches (GOMODCACHE/GOCACHE pointed
# at new dirs): 1 min 54 s wall clock, 170 s user + 32 s system CPU, 1.1 GB of modules and 0.6 GB of build cache;
# a 75 MB binary. Later runs find the cached binary at once.
#
# It never skips: when the binary cannot be found or built it exits non-zero with the reason.
set -euo pipefail
cd "$(dirname "$0")/../.."

die() {
  echo "ensure-distribution: ERROR: $*" >&2
  exit 1
}

pinned="$(grep -m 1 -oE 'registry:[0-9]+\.[0-9]+\.[0-9]+@sha256:[0-9a-f]{64}' components/registryHost/render/image.ts)" ||
  die "no pinned registry:<version>@sha256 image in components/registryHost/render/image.ts"
version="${pinned#registry:}"
version="${version%%@*}"
[[ "$version" == 3.* ]] || die "the platform's registry image is $pinned: this script builds distribution v3 only"
module="github.com/distribution/distribution/v3"

cache_root="${STARTUP_INFRA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/startup-infra}"
dest="$cache_root/distribution-$version"
bin="$dest/bin/registry"
# The version line is captured, then matched (a `| grep -q` under pipefail can fail on its writer's SIGPIPE).
reports_version() {
  local line
  line="$("$1" --version 2>/dev/null)" && grep -q " v$version\$" <<<"$line"
}
if [ -x "$bin" ] && reports_version "$bin"; then
  echo "$dest/bin"
  exit 0
fi

# Go's official install location, when it is not on PATH (a non-login shell, CI).
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then PATH="/usr/local/go/bin:$PATH"; fi
command -v go >/dev/null 2>&1 ||
  die "no cached distribution v$version in $dest and no Go toolchain to build it (install Go >= 1.23)"

echo "ensure-distribution: building distribution v$version (the registry:$version image's binary) into $dest (first run only; about 2 minutes)" >&2
mkdir -p "$cache_root"
staging="$(mktemp -d "$cache_root/.distribution-$version.XXXXXX")"
trap 'rm -rf "$staging"' EXIT
started=$SECONDS
GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN="${GOTOOLCHAIN:-auto}" GOBIN="$staging/bin" \
  go install -trimpath -ldflags "-X $module/version.version=v$version" "$module/cmd/registry@v$version" >&2 ||
  die "go install $module/cmd/registry@v$version failed (is the Go module proxy reachable?)"
reports_version "$staging/bin/registry" || die "the built registry does not report v$version"
rm -rf "$dest"
mv "$staging" "$dest"
trap - EXIT
echo "ensure-distribution: built in $((SECONDS - started)) s" >&2
echo "$dest/bin"
