#!/bin/sh
# The one test command (README: `sh scripts/test.sh`). On a bare machine with only Node/npm it
# installs the pinned Bun from npm into .tools/, the locked dependencies and a Java runtime for
# DynamoDB Local if there is none, then runs the typecheck, the lint/format check and the whole
# test suite. Test services (DynamoDB Local, loopback AWS fakes) are started by the tests.
set -eu
cd "$(dirname "$0")/.."
. scripts/ensure-bun.sh

if ! command -v java >/dev/null 2>&1; then
  echo "test: installing a Java runtime for DynamoDB Local" >&2
  if command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && apt-get install -y -qq default-jre-headless) >&2 ||
      echo "test: could not install Java; the DynamoDB tests will fail" >&2
  fi
fi

echo "test: typecheck" >&2
"$BUN" x tsc --noEmit -p .
echo "test: lint and format check" >&2
"$BUN" x biome check .
echo "test: bun test" >&2
exec "$BUN" test --timeout 60000 "$@"
