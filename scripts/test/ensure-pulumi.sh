#!/usr/bin/env bash
# Makes the real Pulumi CLI available to the tests and prints the directory that holds the `pulumi` binary (last
# line of stdout); which one it uses, and why, goes to stderr.
#
# - A `pulumi` on PATH qualifies when its version is at least the @pulumi/pulumi version in package-lock.json with
#   the same major (scripts/test/pulumiChoice.ts decides; unit-tested). The first qualifying one on PATH is used.
# - Else a CLI this script built earlier, cached between runs:
#   ${STARTUP_INFRA_CACHE:-~/.cache/startup-infra}/pulumi-<version>/bin/pulumi
# - Only when none qualifies is the lock file's version built from the Go module proxy into that cache, which needs
#   Go >= 1.25. Without it the script fails naming both ways out: install a Pulumi CLI >= that version, or Go.
#
# The CLI's module (github.com/pulumi/pulumi/pkg/v3, cmd/pulumi) carries `replace` directives in its
# go.mod, so `go install module@version` refuses it. We build it from a throw-away module generated in
# a temp dir that requires pkg/v3 and sdk/v3 at the same version and repeats pkg/v3's non-local
# replaces (read from the go.mod the proxy serves, so a new version's replaces are picked up).
#
# Not built: the Node.js language host (pulumi-language-nodejs). Its module,
# github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3, is not served by the Go module
# proxy (403 "not available" for the list, for v<version> and for the release commit). The tests run
# Node programs through the Automation API's inline programs instead, which serve the language
# runtime from the Node process itself (`pulumi ... --client=<address>`).
#
# Measured for v3.248.0 with empty module and build caches (GOMODCACHE/GOCACHE pointed at new dirs) on a shared
# 2-core machine: 28 min wall clock, 531 s user + 69 s system CPU, 1.7 GB peak RSS; 1.3 GB of modules and 1.6 GB of
# build cache downloaded/written; a 107 MB binary. Later runs find the cached binary at once.
#
# It never skips: when the CLI cannot be found or built it exits non-zero with the reason.
set -euo pipefail
cd "$(dirname "$0")/../.."

die() {
  echo "ensure-pulumi: ERROR: $*" >&2
  exit 1
}

version="$(node -p "require('./package-lock.json').packages['node_modules/@pulumi/pulumi'].version")" ||
  die "cannot read the @pulumi/pulumi version from package-lock.json"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "unexpected @pulumi/pulumi version '$version' in package-lock.json"

choice() { node --require tsx/cjs scripts/test/pulumiChoice.ts "$@"; }
export PULUMI_SKIP_UPDATE_CHECK=true

cache_root="${STARTUP_INFRA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/startup-infra}"
dest="$cache_root/pulumi-$version"
bin="$dest/bin/pulumi"

# Every pulumi on PATH (in PATH order, each once), then the cached build: "<path>=<what `pulumi version` printed>".
candidates=()
while IFS= read -r found; do
  candidates+=("$found=$("$found" version 2>/dev/null || true)")
done < <(type -ap pulumi | awk '!seen[$0]++')
if [ -x "$bin" ]; then candidates+=("$bin=$("$bin" version 2>/dev/null || true)"); fi

if chosen="$(choice choose "$version" "${candidates[@]}")"; then
  echo "ensure-pulumi: using $chosen ($("$chosen" version 2>/dev/null); package-lock.json has @pulumi/pulumi $version)" >&2
  dirname "$chosen"
  exit 0
fi

# Go's official install location, when it is not on PATH (a non-login shell, CI).
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then PATH="/usr/local/go/bin:$PATH"; fi
go_version="$(go env GOVERSION 2>/dev/null || true)"
choice go-ok "$go_version" || die "$(choice no-way "$version" "$go_version" "${candidates[@]}")"

echo "ensure-pulumi: building Pulumi CLI v$version from Go modules into $dest (first run only; several minutes)" >&2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
started=$SECONDS

export GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"
pkg_mod="$(cd "$work" && go mod download -json "github.com/pulumi/pulumi/pkg/v3@v$version" |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);if(j.Error){console.error(j.Error);process.exit(1)}console.log(j.GoMod)})')" ||
  die "cannot download github.com/pulumi/pulumi/pkg/v3@v$version from the Go module proxy"

# Repeat pkg/v3's replaces that point at other modules (a local path such as ../sdk only makes sense
# inside the pulumi repository; sdk/v3 at the same version stands for it).
# shellcheck disable=SC2016 # the single-quoted text is JavaScript, not shell
replaces="$(go mod edit -json "$pkg_mod" | node -e '
  let s = "";
  process.stdin.on("data", (d) => (s += d)).on("end", () => {
    for (const r of JSON.parse(s).Replace ?? []) {
      if (!r.New.Version) continue;
      const old = r.Old.Version ? `${r.Old.Path}@${r.Old.Version}` : r.Old.Path;
      console.log(`-replace=${old}=${r.New.Path}@${r.New.Version}`);
    }
  });')"

(
  cd "$work"
  go mod init startup-infra.local/pulumi-cli-build >/dev/null 2>&1
  # shellcheck disable=SC2086 # one -replace flag per line
  go mod edit -require="github.com/pulumi/pulumi/pkg/v3@v$version" \
    -require="github.com/pulumi/pulumi/sdk/v3@v$version" $replaces
  mkdir -p "$dest/bin"
  go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version" \
    -o "$bin.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
) || die "building github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$version failed (see the go output above)"

mv "$bin.tmp" "$bin"
built="$("$bin" version 2>/dev/null || true)"
[ "$built" = "v$version" ] || die "built CLI reports '$built', expected v$version"
echo "ensure-pulumi: built pulumi $built in $((SECONDS - started)) s, $(du -h "$bin" | cut -f1)" >&2
echo "$dest/bin"
