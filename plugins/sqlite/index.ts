/**
 * The `sqlite:` target: upserts events into a SQLite table through `bun:sqlite`, the
 * zero-setup store. `sqlite:<db path>#<table>`; see docs/targets/sqlite.md.
 *
 * Layout: `mapping/` is the backend-independent table mapping (config fields, JSON paths →
 * cells, delete condition, last-write-wins collapsing, plans) meant to be shared by the other
 * SQL targets; the files beside it are SQLite's statements, schema checks, errors and writer.
 *
 * @module
 */
import { defineTarget, PLUGIN_API_VERSION } from "../../src/sdk/index.ts";
import { resolveSqliteConfig, type SqliteTargetConfig, sqliteConfigSpec } from "./config.ts";
import { createSqliteTarget } from "./target.ts";

export default defineTarget<SqliteTargetConfig>({
  kind: "target",
  name: "sqlite",
  api: PLUGIN_API_VERSION,
  summary: "Upsert events into a SQLite table (key and columns from JSON paths, delete on a pattern)",
  config: sqliteConfigSpec,
  create: (config, host) =>
    // Defaults again here: `jsonColumn`'s default depends on `columns`, which a spec default cannot say.
    createSqliteTarget(resolveSqliteConfig(config as unknown as Record<string, unknown>), host),
});
