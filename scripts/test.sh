#!/bin/sh
# The one test command (README: `sh scripts/test.sh`). On a bare machine with only Node/npm it
# installs the pinned Bun from npm into .tools/, the locked dependencies, then runs typecheck,
# lint/format check and the whole test suite. Test services (DynamoDB Local, loopback AWS fakes)
# are started by the tests themselves; DynamoDB Local needs Java, installed here if missing.
set -eu
cd "$(dirname "$0")/.."

BUN_VERSION=$(node -p "require('./package.json').engines.bun" 2>/dev/null || sed -n 's/.*"bun": "\([0-9.]*\)".*/\1/p' package.json | head -n 1)

if command -v bun >/dev/null 2>&1 && [ "$(bun --version)" = "$BUN_VERSION" ]; then
  BUN=$(command -v bun)
else
  BUN="$PWD/.tools/node_modules/.bin/bun"
  if [ ! -x "$BUN" ] || [ "$("$BUN" --version)" != "$BUN_VERSION" ]; then
    echo "test: installing bun@$BUN_VERSION from npm into .tools/" >&2
    npm install --prefix .tools --no-save --no-audit --no-fund --loglevel=error "bun@$BUN_VERSION" >&2
  fi
fi
export PATH="$(dirname "$BUN"):$PATH"

if ! command -v java >/dev/null 2>&1; then
  echo "test: installing a Java runtime for DynamoDB Local" >&2
  if command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && apt-get install -y -qq default-jre-headless) >&2 || echo "test: could not install Java; DynamoDB tests will fail" >&2
  fi
fi

"$BUN" install --frozen-lockfile >&2

echo "test: typecheck" >&2
"$BUN" x tsc --noEmit -p .
echo "test: lint and format check" >&2
"$BUN" x biome check .
echo "test: bun test" >&2
exec "$BUN" test --timeout 60000 "$@"
