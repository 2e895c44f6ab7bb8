import { describe, expect, test } from "bun:test";
import { validatePluginConfig } from "../../src/config/plugin-config.ts";
import { sqliteFromUri } from "./config.ts";
import plugin from "./index.ts";

describe("sqlite: URIs", () => {
  test("sqlite:<db path>#<table>", () => {
    expect(sqliteFromUri("out.db#users")).toEqual({ path: "out.db", table: "users" });
    expect(sqliteFromUri("/data/my#odd.db#t_1")).toEqual({ path: "/data/my#odd.db", table: "t_1" });
  });

  test("errors name the URI", () => {
    expect(() => sqliteFromUri("out.db")).toThrow("sqlite:out.db: expected sqlite:<db path>#<table>");
    expect(() => sqliteFromUri("#users")).toThrow("sqlite:#users: the database path before # is empty");
    expect(() => sqliteFromUri("out.db#")).toThrow('sqlite:out.db#: table name "" is not a plain identifier');
    expect(() => sqliteFromUri('out.db#a"b')).toThrow(
      /sqlite:out.db#a"b: table name "a\\"b" is not a plain identifier/,
    );
  });
});

describe("sqlite: config spec", () => {
  const validate = (raw: Record<string, unknown>) =>
    validatePluginConfig("sqlite", plugin.config, raw, "pipeline.yaml: targets[0]");

  test("defaults from the spec", () => {
    expect(validate({ path: "out.db", table: "users" })).toEqual({
      path: "out.db",
      table: "users",
      key: { id: "$.id" },
      createTable: false,
      batchSize: 500,
      busyTimeoutMs: 5000,
      synchronous: "NORMAL",
    });
  });

  test("every field is documented with a description", () => {
    for (const [name, field] of Object.entries(plugin.config.fields)) {
      expect(`${name}: ${field.description}`.length).toBeGreaterThan(name.length + 20);
    }
    expect(Object.keys(plugin.config.fields).sort()).toEqual(
      [
        "path",
        "table",
        "key",
        "columns",
        "jsonColumn",
        "deleteWhen",
        "types",
        "createTable",
        "batchSize",
        "busyTimeoutMs",
        "synchronous",
      ].sort(),
    );
  });

  test("cross-field problems are reported with their field and origin", () => {
    expect(() => validate({ path: "out.db", table: "users", columns: { id: "$.x" } })).toThrow(
      /pipeline\.yaml: targets\[0\].*columns\.id: column "id" is already mapped by key\.id/,
    );
    expect(() => validate({ path: "out.db", table: "users", types: { id: "VARCHAR" } })).toThrow(
      /types\.id: must be one of TEXT, INTEGER, REAL, BLOB, JSON/,
    );
  });

  test("create() rejects an invalid mapping even without the host's validation", () => {
    expect(() => plugin.create({ path: "x.db", table: "t", key: {} } as never, {} as never)).toThrow(
      "key: needs at least one column",
    );
  });
});
