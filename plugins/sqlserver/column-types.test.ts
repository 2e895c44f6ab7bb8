import { describe, expect, test } from "bun:test";
import {
  catalogType,
  convertCell,
  formatSqlType,
  keyBytes,
  parseSqlType,
  stageTypeOf,
} from "./column-types.ts";

describe("parseSqlType", () => {
  test("sized, defaulted and aliased names", () => {
    expect(parseSqlType("NVARCHAR(100)")).toEqual({ base: "nvarchar", length: 100 });
    expect(parseSqlType("varchar(max)")).toEqual({ base: "varchar", length: "max" });
    expect(parseSqlType("decimal( 18 , 2 )")).toEqual({ base: "decimal", precision: 18, scale: 2 });
    expect(parseSqlType("DECIMAL")).toEqual({ base: "decimal", precision: 18, scale: 0 });
    expect(parseSqlType("datetime2")).toEqual({ base: "datetime2", scale: 7 });
    expect(parseSqlType("datetime2(3)")).toEqual({ base: "datetime2", scale: 3 });
    expect(parseSqlType("JSON")).toEqual({ base: "nvarchar", length: "max" });
    expect(parseSqlType("bigint")).toEqual({ base: "bigint" });
  });
  test("refuses what SQL Server refuses or this target cannot write", () => {
    for (const bad of [
      "nvarchar(4001)",
      "nchar(max)",
      "int(4)",
      "varbinary(10)",
      "geography",
      "decimal(39,2)",
      "nvarchar(10); drop",
      "",
    ]) {
      expect(parseSqlType(bad)).toBeUndefined();
    }
  });
});

describe("catalog types and staging", () => {
  test("sys.columns sizes are bytes: nvarchar halves them, -1 is max", () => {
    const row = { precision: 0, scale: 0, collation_name: "Latin1_General_CI_AS" };
    expect(catalogType({ ...row, type: "nvarchar", max_length: 128 })).toEqual({
      base: "nvarchar",
      length: 64,
      collation: "Latin1_General_CI_AS",
    });
    expect(catalogType({ ...row, type: "varchar", max_length: -1 })).toEqual({
      base: "varchar",
      length: "max",
      collation: "Latin1_General_CI_AS",
    });
    expect(catalogType({ ...row, type: "geography", max_length: -1, collation_name: null })).toBeUndefined();
  });
  test("numbers and text staged as themselves, the rest as nvarchar(max)", () => {
    expect(stageTypeOf({ base: "real" })).toEqual({ type: { base: "float" }, kind: "float" });
    expect(stageTypeOf({ base: "numeric", precision: 9, scale: 3 })).toEqual({
      type: { base: "decimal", precision: 9, scale: 3 },
      kind: "decimal",
    });
    expect(stageTypeOf({ base: "datetimeoffset", scale: 7 })).toEqual({
      type: { base: "nvarchar", length: "max" },
      kind: "text",
    });
    expect(formatSqlType({ base: "datetimeoffset", scale: 3 })).toBe("datetimeoffset(3)");
  });
  test("key bytes for the 900-byte limit", () => {
    expect(keyBytes({ base: "nvarchar", length: 450 })).toBe(900);
    expect(keyBytes({ base: "varchar", length: 901 })).toBe(901);
    expect(keyBytes({ base: "nvarchar", length: "max" })).toBe(Number.POSITIVE_INFINITY);
    expect(keyBytes({ base: "decimal", precision: 20, scale: 0 })).toBe(13);
    expect(keyBytes({ base: "uniqueidentifier" })).toBe(16);
  });
});

describe("convertCell", () => {
  const int = { base: "int" } as const;
  test("integers: numbers, digit strings and booleans, range-checked; bigint exact as text", () => {
    expect(convertCell(42, "integer", int)).toEqual({ ok: true, value: 42 });
    expect(convertCell(" 7 ", "integer", int)).toEqual({ ok: true, value: 7 });
    expect(convertCell(true, "integer", int)).toEqual({ ok: true, value: 1 });
    expect(convertCell(1.5, "integer", int)).toEqual({ ok: false, reason: "1.5 is not a whole number" });
    expect(convertCell(2147483648, "integer", int)).toEqual({
      ok: false,
      reason: "2147483648 is outside the range of int",
    });
    expect(convertCell("9007199254740993", "integer", { base: "bigint" })).toEqual({
      ok: true,
      value: "9007199254740993",
    });
    expect(convertCell(300, "integer", { base: "tinyint" }).ok).toBe(false);
  });
  test("bits, floats, decimals, text", () => {
    expect(convertCell("TRUE", "bit", { base: "bit" })).toEqual({ ok: true, value: true });
    expect(convertCell(0, "bit", { base: "bit" })).toEqual({ ok: true, value: false });
    expect(convertCell("yes", "bit", { base: "bit" }).ok).toBe(false);
    expect(convertCell("1e3", "float", { base: "float" })).toEqual({ ok: true, value: 1000 });
    expect(convertCell("abc", "float", { base: "float" }).ok).toBe(false);
    expect(convertCell(123.45, "decimal", { base: "decimal", precision: 5, scale: 2 })).toEqual({
      ok: true,
      value: 123.45,
    });
    expect(convertCell(1234.5, "decimal", { base: "decimal", precision: 5, scale: 2 })).toEqual({
      ok: false,
      reason: "1234.5 does not fit decimal(5,2)",
    });
    expect(convertCell(false, "text", { base: "nvarchar", length: "max" })).toEqual({
      ok: true,
      value: "false",
    });
    expect(convertCell(12, "text", { base: "nvarchar", length: 1 }).ok).toBe(false);
    expect(convertCell(null, "integer", int)).toEqual({ ok: true, value: null });
  });
});
