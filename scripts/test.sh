#!/bin/sh
# The one test command (README: `sh scripts/test.sh`). On a bare machine with only Node/npm it
# installs the pinned Bun from npm into .tools/, the locked dependencies and a Java runtime for
# DynamoDB Local if there is none, then runs the typecheck, the lint/format check and the whole
# test suite. Test services (DynamoDB Local, loopback AWS fakes) are started by the tests.
set -eu
cd "$(dirname "$0")/.."
. scripts/ensure-bun.sh

# System tools some tests use, from Debian's packages when apt-get is there: Java for DynamoDB
# Local and OpenSearch (required), Maven to fetch OpenSearch, shellcheck for install.sh and ruby for `ruby -c` on the Homebrew formula
# (those tests say "skipped" without them), busybox for the minimal-shell install test.
missing=""
command -v java >/dev/null 2>&1 || missing="$missing default-jre-headless"
# Maven resolves the OpenSearch test engine from Maven Central (test/services/opensearch.ts).
command -v mvn >/dev/null 2>&1 || missing="$missing maven"
command -v shellcheck >/dev/null 2>&1 || missing="$missing shellcheck"
command -v ruby >/dev/null 2>&1 || missing="$missing ruby"
command -v busybox >/dev/null 2>&1 || missing="$missing busybox"
if [ -n "$missing" ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "test: installing$missing from Debian's packages" >&2
  # shellcheck disable=SC2086 # $missing is a list of package names, split on purpose
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing) >&2 ||
    echo "test: could not install$missing; tests that need them fail (java) or are skipped" >&2
fi

echo "test: typecheck" >&2
"$BUN" x tsc --noEmit -p .
echo "test: lint and format check" >&2
"$BUN" x biome check .
echo "test: bun test" >&2
exec "$BUN" test --timeout 60000 "$@"
