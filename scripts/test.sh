#!/usr/bin/env bash
# The project's one test command (`npm test`): installs the real software the integration tests need,
# then type-check, lint + format check, unit tests (mocks, pure functions, policies), integration tests
# (real nginx, docker-registry, skopeo, sshd, openssl on loopback). Any failure fails the run.
# The tests run with TMPDIR pointed at a private directory: anything a test leaves behind shows up there (and
# nothing else on the machine writes into it); the run fails listing those entries, then removes the directory.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "install test components (Debian packages) when missing"
bash scripts/test/ensure-tools.sh

if [ ! -d node_modules ]; then
  step "npm ci"
  npm ci --no-audit --no-fund
fi

step "type-check (tsc strict)"
tsc_out=$(mktemp)
tmp_dirs=("$tsc_out")
trap 'rm -rf "${tmp_dirs[@]}"' EXIT
# --listFiles prints every file the compiler read (absolute paths); anything else it prints is a diagnostic.
if ! npx tsc --noEmit -p tsconfig.json --listFiles >"$tsc_out"; then
  grep -v '^/' "$tsc_out" || true
  exit 1
fi
own=$(grep '^/' "$tsc_out" | grep -vc '/node_modules/' || true)
libs=$(grep -c '/node_modules/' "$tsc_out" || true)
echo "tsc: ${own} project files type-checked (with ${libs} declaration files of dependencies), 0 errors"

step "lint (eslint) and format check (prettier)"
node scripts/test/eslint.mjs
prettier_log=$(npx prettier --check . --log-level debug 2>&1) || { npx prettier --check .; exit 1; }
echo "prettier: $(grep -c 'resolve config from' <<<"$prettier_log") files checked, all formatted"

step "shellcheck the scripts we ship and run"
mapfile -t shell_scripts < <(
  git ls-files '*.sh' '*.bash' .ci/run 2>/dev/null || find . \( -name '*.sh' -o -name '*.bash' \) -not -path './node_modules/*'
)
if [ "${#shell_scripts[@]}" -gt 0 ]; then shellcheck "${shell_scripts[@]}"; fi
echo "shellcheck: ${#shell_scripts[@]} files checked, no findings"

test_tmp=$(mktemp -d "${TMPDIR:-/tmp}/startup-infra-tests.XXXXXX")
tmp_dirs+=("$test_tmp")

# Fails when a test project left entries in the private TMPDIR. tsx's transform cache (tsx-<uid>) is the runner's,
# not a test's, and is expected there.
check_leftovers() {
  local leftovers
  leftovers=$(find "$test_tmp" -mindepth 1 -maxdepth 1 ! -name 'tsx-*' -printf '  %f\n' | sort)
  if [ -n "$leftovers" ]; then
    printf '%s tests left these in their temporary directory (%s):\n%s\n' "$1" "$test_tmp" "$leftovers" >&2
    printf 'Every test must remove what it creates, even when it fails (afterAll/afterEach, try/finally).\n' >&2
    exit 1
  fi
  echo "temporary directory: the $1 tests left nothing behind"
}

step "botocore's AWS API models for the unit tests' AWS API check (pinned; cached venv, or installed from PyPI)"
bash scripts/test/ensure-botocore.sh >/dev/null

step "unit tests (mock engine, pure functions, policies, every string sent to AWS against botocore's models)"
TMPDIR="$test_tmp" npx vitest run --project unit
check_leftovers unit

step "real Pulumi CLI >= the lock file's @pulumi/pulumi version, same major (on PATH, cached, or built from Go modules)"
bash scripts/test/ensure-pulumi.sh >/dev/null

step "the registry the platform ships (distribution at the pinned image's version; cached, or built from Go modules)"
bash scripts/test/ensure-distribution.sh >/dev/null

step "integration tests (real nginx, docker-registry 2.8 and distribution 3, skopeo, sshd, openssl, Pulumi CLI)"
TMPDIR="$test_tmp" npx vitest run --project integration
check_leftovers integration
