# Sourced by scripts/test.sh and scripts/quickstart.sh (POSIX sh). Sets $BUN to the pinned Bun
# (package.json "engines.bun"): the one on PATH if it is that version, otherwise installed from
# the npm registry into .tools/. Then installs the locked dependencies.
BUN_VERSION=$(sed -n 's/.*"bun": "\([0-9][0-9.]*\)".*/\1/p' package.json | head -n 1)

if command -v bun >/dev/null 2>&1 && [ "$(bun --version)" = "$BUN_VERSION" ]; then
  BUN=$(command -v bun)
else
  BUN="$PWD/.tools/node_modules/.bin/bun"
  if [ ! -x "$BUN" ] || [ "$("$BUN" --version 2>/dev/null)" != "$BUN_VERSION" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "rehydrate: Bun $BUN_VERSION is needed and npm is not there to install it; install Node.js (npm) or Bun $BUN_VERSION" >&2
      exit 1
    fi
    echo "rehydrate: installing bun@$BUN_VERSION from npm into .tools/" >&2
    npm install --prefix .tools --no-save --no-audit --no-fund --loglevel=error "bun@$BUN_VERSION" >&2
  fi
fi
PATH="$(dirname "$BUN"):$PATH"
export PATH

"$BUN" install --frozen-lockfile >&2
