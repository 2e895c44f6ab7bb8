/** The conformance kit on the `sqlite` target: a store (last write wins per key, deletes). */
import { Database } from "bun:sqlite";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sqlite from "../../plugins/sqlite/index.ts";
import { validatePluginConfig } from "../../src/config/plugin-config.ts";
import type { Target } from "../../src/sdk/index.ts";
import { targetConformance, testHost } from "../../src/sdk/testing/index.ts";

const root = mkdtempSync(join(tmpdir(), "rh-conformance-sqlite-"));
let counter = 0;

const make = async (dryRun: boolean, extra: Record<string, unknown> = {}) => {
  const path = join(root, `db-${++counter}.db`);
  const raw = {
    path,
    table: "items",
    key: { id: "$.detail.key" },
    columns: { n: "$.detail.n", value: "$.detail.value" },
    deleteWhen: { "detail-type": ["Item Deleted"] },
    createTable: true,
    batchSize: 16,
    ...extra,
  };
  const config = validatePluginConfig("sqlite", sqlite.config, raw, "test");
  const target = (await sqlite.create(config as never, testHost({ dryRun, baseDir: root }))) as Target;
  return {
    target,
    state: async () => {
      if (!existsSync(path)) return [];
      const db = new Database(path, { readonly: true });
      try {
        return db.query("select * from items order by id").all();
      } catch {
        return [];
      } finally {
        db.close();
      }
    },
  };
};

targetConformance({
  name: "sqlite",
  kind: "storage",
  make: ({ dryRun }) => make(dryRun),
  invalidEvents: () => [
    {
      version: "0",
      id: "no-key",
      "detail-type": "Item Saved",
      source: "conformance.kit",
      account: "1",
      time: "2024-01-01T00:00:00Z",
      region: "us-east-1",
      resources: [],
      detail: { value: "a row with no key" },
    },
  ],
  async makeBroken() {
    const config = validatePluginConfig(
      "sqlite",
      sqlite.config,
      { path: join(root, "missing.db"), table: "items", key: { id: "$.detail.key" }, createTable: false },
      "test",
    );
    return sqlite.create(config as never, testHost({ baseDir: root }));
  },
});

process.on("exit", () => rmSync(root, { recursive: true, force: true }));
