import { describe, expect, test } from "bun:test";
import { classifyPostgresError } from "../../plugins/postgres/errors.ts";

const server = (code: string, message = "m", detail?: string) =>
  Object.assign(new Error(message), { name: "PostgresError", code, ...(detail ? { detail } : {}) });
const client = (code: string) => Object.assign(new Error(`write ${code}`), { code });

describe("classifyPostgresError", () => {
  test("serialization, deadlock, shutdown, connection and capacity errors are retryable", () => {
    for (const code of [
      "40001",
      "40P01",
      "57P01",
      "57P02",
      "57P03",
      "08006",
      "08001",
      "53300",
      "55P03",
      "25006",
    ]) {
      expect(classifyPostgresError(server(code)).kind).toBe("retry");
    }
    for (const code of [
      "CONNECTION_CLOSED",
      "CONNECTION_ENDED",
      "CONNECT_TIMEOUT",
      "ECONNREFUSED",
      "ECONNRESET",
    ]) {
      expect(classifyPostgresError(client(code)).kind).toBe("retry");
    }
  });

  test("data and constraint errors fail the item, with the detail in the message", () => {
    for (const code of ["22P02", "22001", "22003", "23505", "23514", "23502", "23503", "54000"]) {
      expect(classifyPostgresError(server(code)).kind).toBe("item");
    }
    expect(
      classifyPostgresError(server("23505", "duplicate key", "Key (email)=(a) already exists.")),
    ).toEqual({
      kind: "item",
      code: "23505",
      message: "duplicate key (Key (email)=(a) already exists.)",
    });
  });

  test("a missing table or column, no permission, bad login and unknown errors stop the run", () => {
    for (const code of ["42P01", "42703", "42501", "28P01", "3D000", "42601"]) {
      expect(classifyPostgresError(server(code)).kind).toBe("fatal");
    }
    expect(classifyPostgresError(new TypeError("bug")).kind).toBe("fatal");
  });
});
