#!/usr/bin/env bash
# The project's one test command (`npm test`): installs the real software the integration tests need,
# then type-check, lint + format check, unit tests (mocks, pure functions, policies), integration tests
# (real nginx, docker-registry, skopeo, sshd, openssl on loopback). Any failure fails the run.
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
npx tsc --noEmit -p tsconfig.json

step "lint (eslint) and format check (prettier)"
npx eslint .
npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }

step "shellcheck the scripts we ship and run"
mapfile -t shell_scripts < <(git ls-files '*.sh' 2>/dev/null || find . -name '*.sh' -not -path './node_modules/*')
if [ "${#shell_scripts[@]}" -gt 0 ]; then shellcheck "${shell_scripts[@]}"; fi

step "unit tests (mock engine, pure functions, policies)"
npx vitest run --project unit

step "real Pulumi CLI at the lock file's @pulumi/pulumi version (on PATH, cached, or built from Go modules)"
bash scripts/test/ensure-pulumi.sh >/dev/null

step "integration tests (real nginx, docker-registry, skopeo, sshd, openssl, Pulumi CLI)"
npx vitest run --project integration
