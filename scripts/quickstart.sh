#!/bin/sh
# The quick start (README): installs the pinned Bun and dependencies if needed, then hydrates a
# SQLite read model from the bundled example events and prints the summary and a few rows.
set -eu
cd "$(dirname "$0")/.."
. scripts/ensure-bun.sh

rm -f examples/out/orders.db examples/out/orders.db-wal examples/out/orders.db-shm
"$BUN" src/cli/main.ts run examples/quickstart.yaml
echo
echo "The read model is in examples/out/orders.db (table orders). First rows:"
"$BUN" -e '
  const { Database } = require("bun:sqlite");
  const db = new Database("examples/out/orders.db", { readonly: true });
  console.table(db.query("SELECT * FROM orders ORDER BY order_id LIMIT 5").all());
  console.log(db.query("SELECT count(*) AS rows FROM orders").get().rows + " rows; open it with: sqlite3 examples/out/orders.db");
'
