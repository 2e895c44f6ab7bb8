import { describe, expect, test } from "bun:test";
import { toCell } from "./cells.ts";
import { collapseByKey } from "./collapse.ts";
import { compileTableMapping, isRowAction, type RowAction } from "./compile.ts";
import { tableMappingProblems, withMappingDefaults } from "./config.ts";
import { planBatch, rowDestination } from "./describe.ts";
import { quoteIdentifier, quoteQualified } from "./identifiers.ts";
import { envelopes, mappingTestHost, userEvent } from "./test-support.ts";

const TYPES = ["TEXT", "INTEGER", "JSON"];
const host = mappingTestHost();

describe("withMappingDefaults", () => {
  test("whole event in `event` keyed by $.id when only the table is given", () => {
    const config = withMappingDefaults({ table: "t" });
    expect(config).toEqual({
      table: "t",
      key: { id: "$.id" },
      jsonColumn: "event",
      createTable: false,
      batchSize: 500,
    });
  });
  test("no JSON column by default once columns are given, even empty", () => {
    expect(withMappingDefaults({ table: "t", columns: {} }).jsonColumn).toBeUndefined();
    expect(withMappingDefaults({ table: "t", columns: { a: "$.a" }, jsonColumn: "raw" }).jsonColumn).toBe(
      "raw",
    );
  });
});

describe("tableMappingProblems", () => {
  const problems = (raw: Record<string, unknown>) => tableMappingProblems(withMappingDefaults(raw), TYPES);
  test("a valid mapping has none", () => {
    expect(
      problems({ table: "t", key: { id: "$.detail.id" }, columns: { a: "$.a" }, types: { a: "json" } }),
    ).toEqual([]);
  });
  test("each problem names its field", () => {
    expect(problems({ table: "t", key: {} })).toEqual(["key: needs at least one column"]);
    expect(problems({ table: "t", key: { id: 3 } })).toEqual([
      'key.id: must be a JSON path string such as "$.detail.id"',
    ]);
    expect(problems({ table: "t", columns: { ID: "$.x" }, jsonColumn: "id" })).toEqual([
      'columns.ID: column "ID" is already mapped by key.id',
      'jsonColumn: column "id" is already mapped by key.id',
    ]);
    expect(problems({ table: "t", types: { nope: "TEXT", id: "VARCHAR" } })).toEqual([
      'types.nope: "nope" is not a mapped column (key, columns or jsonColumn)',
      'types.id: must be one of TEXT, INTEGER, JSON, got "VARCHAR"',
    ]);
    expect(problems({ table: "t", batchSize: 0 })).toEqual(["batchSize: must be a whole number ≥ 1"]);
    expect(problems({ table: "a\0b", columns: { "x\0": "$.x" } })).toEqual([
      "table: must not contain a NUL character",
      "columns.x\0: column names must not be empty or contain a NUL character",
    ]);
  });
});

describe("compileTableMapping", () => {
  const mapping = compileTableMapping(
    withMappingDefaults({
      table: "users",
      key: { id: "$.detail.userId" },
      columns: {
        email: "$.detail.email",
        tags: "$.detail.tags",
        active: "$.detail.active",
        raw: "$.detail.raw",
      },
      jsonColumn: "event",
      types: { raw: "JSON" },
      deleteWhen: { "detail-type": ["UserDeleted"] },
    }),
    host,
  );

  test("maps paths to cells: objects as JSON text, missing as NULL, JSON columns always JSON", () => {
    const [env] = envelopes([userEvent(42, { email: "a@x", tags: ["a", "b"], active: true, raw: "text" })]);
    const action = mapping.actionFor(env!, 0);
    expect(isRowAction(action)).toBe(true);
    const row = action as RowAction;
    expect(row.kind).toBe("upsert");
    expect(row.key).toEqual([42]);
    expect(row.values.slice(0, 4)).toEqual(["a@x", '["a","b"]', true, '"text"']);
    expect(JSON.parse(row.values[4] as string)).toEqual(env!.event);
    const sparse = mapping.actionFor(envelopes([userEvent(7)])[0]!, 0) as RowAction;
    expect(sparse.values.slice(0, 4)).toEqual([null, null, null, null]);
  });

  test("the JSON column reuses the source's text when there is one", () => {
    const event = userEvent(1);
    const text = JSON.stringify(event, null, 1);
    const action = mapping.actionFor({ ...envelopes([event])[0]!, text }, 0) as RowAction;
    expect(action.values[4]).toBe(text);
  });

  test("deleteWhen turns a matching event into a delete of its key", () => {
    const action = mapping.actionFor(envelopes([userEvent("u1", {}, "UserDeleted")])[0]!, 3) as RowAction;
    expect(action).toEqual({ index: 3, kind: "delete", key: ["u1"], keyId: '"u1"', values: [] });
  });

  test("a missing or null key is a non-retryable MissingKey naming path and position", () => {
    const [missing, nulled] = envelopes([userEvent(undefined), userEvent(null)]);
    for (const [env, index] of [
      [missing!, 0],
      [nulled!, 1],
    ] as const) {
      const failure = mapping.actionFor(env, index);
      expect(isRowAction(failure)).toBe(false);
      expect(failure).toMatchObject({ index, retryable: false, code: "MissingKey" });
      expect((failure as { message: string }).message).toContain("$.detail.userId");
      expect((failure as { message: string }).message).toContain(env.position);
    }
  });

  test("key ids are type-exact and composite keys are ordered", () => {
    const composite = compileTableMapping(
      withMappingDefaults({ table: "o", key: { tenant: "$.detail.t", id: "$.detail.userId" } }),
      host,
    );
    const a = composite.actionFor(envelopes([userEvent(1, { t: "x" })])[0]!, 0) as RowAction;
    const b = composite.actionFor(envelopes([userEvent("1", { t: "x" })])[0]!, 0) as RowAction;
    expect(a.key).toEqual(["x", 1]);
    expect(a.keyId).not.toBe(b.keyId);
    expect(rowDestination(composite, a.key)).toBe("o(tenant=x,id=1)");
    expect(rowDestination(composite, ["a b", 2])).toBe('o(tenant="a b",id=2)');
  });

  test("an invalid deleteWhen pattern fails at compile time, naming the field and AWS's reason", () => {
    expect(() =>
      compileTableMapping(
        withMappingDefaults({ table: "t", deleteWhen: { "detail-type": "UserDeleted" } }),
        host,
      ),
    ).toThrow(/^deleteWhen: .*Event pattern is not valid/);
  });

  test("a malformed JSON path fails at compile time", () => {
    expect(() =>
      compileTableMapping(withMappingDefaults({ table: "t", key: { id: "$..x[" } }), host),
    ).toThrow(/invalid JSON path/);
  });
});

describe("toCell", () => {
  test("converts by JSON type", () => {
    expect([
      toCell("s"),
      toCell(1.5),
      toCell(false),
      toCell(null),
      toCell(undefined),
      toCell({ a: 1 }),
    ]).toEqual(["s", 1.5, false, null, null, '{"a":1}']);
    expect([toCell("s", true), toCell(3, true), toCell(undefined, true)]).toEqual(['"s"', "3", null]);
  });
});

describe("collapseByKey", () => {
  const act = (index: number, kind: "upsert" | "delete", key: string): RowAction => ({
    index,
    kind,
    key: [key],
    keyId: JSON.stringify(key),
    values: kind === "upsert" ? [`v${index}`] : [],
  });

  test("one write per key, ordered by each key's last event", () => {
    const writes = collapseByKey([act(0, "upsert", "a"), act(1, "upsert", "b"), act(2, "upsert", "a")]);
    expect(writes.map((w) => [w.kind, w.last.index, w.indexes])).toEqual([
      ["upsert", 1, [1]],
      ["upsert", 2, [0, 2]],
    ]);
  });

  test("upsert then delete is a delete; delete then upsert replaces the row", () => {
    expect(collapseByKey([act(0, "upsert", "a"), act(1, "delete", "a")]).map((w) => w.kind)).toEqual([
      "delete",
    ]);
    expect(collapseByKey([act(0, "delete", "a"), act(1, "upsert", "a")]).map((w) => w.kind)).toEqual([
      "replace",
    ]);
    expect(
      collapseByKey([act(0, "delete", "a"), act(1, "upsert", "a"), act(2, "upsert", "a")]).map((w) => [
        w.kind,
        w.last.values,
      ]),
    ).toEqual([["replace", ["v2"]]]);
  });
});

describe("planBatch", () => {
  test("upsert, delete and skip with destinations and previews", () => {
    const mapping = compileTableMapping(
      withMappingDefaults({
        table: "users",
        key: { id: "$.detail.userId" },
        columns: { email: "$.detail.email" },
        deleteWhen: { "detail-type": ["UserDeleted"] },
      }),
      host,
    );
    const plan = planBatch(
      mapping,
      envelopes([userEvent(42, { email: "a@x" }), userEvent(42, {}, "UserDeleted"), userEvent(undefined)]),
    );
    expect(plan[0]).toEqual({
      index: 0,
      action: "upsert",
      destination: "users(id=42)",
      preview: { id: 42, email: "a@x" },
    });
    expect(plan[1]).toEqual({ index: 1, action: "delete", destination: "users(id=42)", preview: { id: 42 } });
    expect(plan[2]).toMatchObject({ index: 2, action: "skip", destination: "users" });
    expect(String(plan[2]!.preview)).toContain("MissingKey");
  });
});

describe("numbers that are not finite", () => {
  const mapping = compileTableMapping(
    withMappingDefaults({
      table: "t",
      key: { id: "$.detail.userId" },
      columns: { n: "$.detail.n", doc: "$.detail.doc" },
      jsonColumn: "event",
    }),
    host,
  );
  // JSON.parse("1e400") is Infinity: a real source hands the mapping exactly this.
  const parsed = JSON.parse('{"n":1e400}') as { n: number };

  test("JSON's 1e400 fails the event with NumberOutOfRange naming the field and position, not NULL", () => {
    const [env] = envelopes([userEvent(1, { n: parsed.n })], 6);
    const failure = mapping.actionFor(env!, 0);
    expect(isRowAction(failure)).toBe(false);
    expect(failure).toMatchObject({ index: 0, retryable: false, code: "NumberOutOfRange" });
    const message = (failure as { message: string }).message;
    expect(message).toContain("$.detail.n");
    expect(message).toContain('"n"');
    expect(message).toContain("events.ndjson:7");
    expect(message).toContain("Infinity");
  });

  test("also inside an object, in a key, and in the whole-event JSON column without source text", () => {
    const nested = mapping.actionFor(envelopes([userEvent(1, { doc: { a: [1, -Infinity] } })])[0]!, 0);
    expect(nested).toMatchObject({ code: "NumberOutOfRange" });
    expect((nested as { message: string }).message).toContain("$.detail.doc");
    const key = mapping.actionFor(envelopes([userEvent(Number.NaN)])[0]!, 0);
    expect(key).toMatchObject({ code: "NumberOutOfRange" });
    expect((key as { message: string }).message).toContain('key column "id"');
    const onlyJson = compileTableMapping(withMappingDefaults({ table: "t" }), host);
    const whole = onlyJson.actionFor(
      { ...envelopes([{ ...userEvent(1), id: "x", extra: parsed.n } as never])[0]! },
      0,
    );
    expect(whole).toMatchObject({ code: "NumberOutOfRange" });
  });

  test("a null that really is null stays NULL / JSON null", () => {
    const action = mapping.actionFor(envelopes([userEvent(1, { n: null, doc: { a: null } })])[0]!, 0);
    expect(isRowAction(action)).toBe(true);
    expect((action as RowAction).values.slice(0, 2)).toEqual([null, '{"a":null}']);
  });
});

describe("version guard (ifNewer)", () => {
  const guarded = {
    table: "t",
    key: { id: "$.detail.userId" },
    columns: { v: "$.detail.v", email: "$.detail.email" },
    ifNewer: "v",
    deleteWhen: { "detail-type": ["UserDeleted"] },
  };
  const features = { versionGuard: true };

  test("defaults the tombstone column, and checks the fields", () => {
    expect(withMappingDefaults(guarded).tombstoneColumn).toBe("deleted");
    expect(withMappingDefaults({ ...guarded, deleteWhen: undefined }).tombstoneColumn).toBeUndefined();
    expect(tableMappingProblems(withMappingDefaults(guarded), TYPES, features)).toEqual([]);
    expect(tableMappingProblems(withMappingDefaults(guarded), TYPES)).toEqual([
      "ifNewer: this target has no version guard",
    ]);
    expect(
      tableMappingProblems(withMappingDefaults({ ...guarded, ifNewer: "nope" }), TYPES, features),
    ).toEqual(['ifNewer: must name a column of `columns` (the event\'s version), got "nope"']);
    expect(
      tableMappingProblems(withMappingDefaults({ ...guarded, tombstoneColumn: "email" }), TYPES, features),
    ).toEqual(['tombstoneColumn: column "email" is already mapped by columns.email']);
    expect(
      tableMappingProblems(withMappingDefaults({ table: "t", tombstoneColumn: "gone" }), TYPES, features),
    ).toEqual(["tombstoneColumn: only used with ifNewer (deletes without a version guard remove the row)"]);
  });

  test("actions carry the version; a delete keeps its values (a tombstone row); no version fails", () => {
    const mapping = compileTableMapping(withMappingDefaults(guarded), host);
    expect(mapping.versionGuard?.column.name).toBe("v");
    expect(mapping.tombstoneColumn).toBe("deleted");
    const [up, del, none] = envelopes([
      userEvent("a", { v: 3, email: "e" }),
      userEvent("a", { v: 4 }, "UserDeleted"),
      userEvent("a", { email: "x" }),
    ]);
    expect(mapping.actionFor(up!, 0)).toMatchObject({ kind: "upsert", version: 3, values: [3, "e"] });
    expect(mapping.actionFor(del!, 1)).toMatchObject({ kind: "delete", version: 4, values: [4, null] });
    const failure = mapping.actionFor(none!, 2);
    expect(failure).toMatchObject({ index: 2, retryable: false, code: "MissingVersion" });
    expect((failure as { message: string }).message).toContain("$.detail.v");
    expect((failure as { message: string }).message).toContain("events.ndjson:3");
  });
});

describe("quoteIdentifier", () => {
  test("quotes per dialect, doubling the closing quote; refuses NUL", () => {
    expect(quoteIdentifier('a"b; drop', "postgres")).toBe('"a""b; drop"');
    expect(quoteIdentifier("a]b [c", "sqlserver")).toBe("[a]]b [c]");
    expect(quoteQualified(["s p", "t"], "sqlite")).toBe('"s p"."t"');
    expect(() => quoteIdentifier("a\0b", "postgres")).toThrow(/NUL/);
  });
});

describe("keyIdOf", () => {
  test("is the action's keyId, or undefined without a key", () => {
    const mapping = compileTableMapping(
      withMappingDefaults({ table: "o", key: { tenant: "$.detail.t", id: "$.detail.userId" } }),
      host,
    );
    const event = userEvent(7, { t: "x" });
    const action = mapping.actionFor(envelopes([event])[0]!, 0) as RowAction;
    expect(mapping.keyIdOf(event)).toBe(action.keyId);
    expect(mapping.keyIdOf(userEvent(undefined, { t: "x" }))).toBeUndefined();
    expect(mapping.keyIdOf(userEvent(Number.POSITIVE_INFINITY, { t: "x" }))).toBeUndefined();
  });
});
