import { describe, expect, test } from "bun:test";
import { classifySqlServerError } from "./errors.ts";

const server = (number: number, message = `error ${number}`, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { name: "RequestError", code: "EREQUEST", number, ...extra });

describe("classifySqlServerError", () => {
  test("deadlocks, lock timeouts and Azure transient errors are retryable; busy/resource errors throttled", () => {
    for (const number of [1205, 1222, 40613, 40197, 4221])
      expect(classifySqlServerError(server(number))).toMatchObject({
        kind: "retryable",
        code: `MSSQL_${number}`,
        throttled: false,
      });
    for (const number of [40501, 49918, 49919, 49920, 10928])
      expect(classifySqlServerError(server(number))).toMatchObject({ kind: "retryable", throttled: true });
  });
  test("row errors are per item, including errors raised by triggers (50000+)", () => {
    for (const number of [2627, 2601, 547, 515, 245, 8114, 2628, 8152, 50001])
      expect(classifySqlServerError(server(number)).kind).toBe("item");
  });
  test("missing objects, permissions and syntax are fatal", () => {
    for (const number of [208, 207, 229, 230, 102, 4060])
      expect(classifySqlServerError(server(number)).kind).toBe("fatal");
  });
  test("the first specific error decides, not mssql's last generic one", () => {
    const error = server(3621, "The statement has been terminated.", {
      precedingErrors: [server(2627, "Violation of PRIMARY KEY")],
    });
    expect(classifySqlServerError(error)).toEqual({
      kind: "item",
      code: "MSSQL_2627",
      message: "Violation of PRIMARY KEY",
      throttled: false,
      number: 2627,
    });
    const deadlock = server(266, "Transaction count after EXECUTE…", {
      precedingErrors: [server(1205, "deadlocked")],
    });
    expect(classifySqlServerError(deadlock)).toMatchObject({ kind: "retryable", code: "MSSQL_1205" });
  });
  test("driver codes: timeouts and lost connections retryable, the rest fatal", () => {
    const driver = (code: string, cause?: string) =>
      Object.assign(new Error(`${code} happened`), {
        code,
        ...(cause ? { originalError: { code: cause } } : {}),
      });
    expect(classifySqlServerError(driver("ETIMEOUT"))).toMatchObject({ kind: "retryable", code: "ETIMEOUT" });
    expect(classifySqlServerError(driver("ESOCKET"))).toMatchObject({ kind: "retryable", code: "ESOCKET" });
    expect(classifySqlServerError(driver("EREQUEST", "ECONNRESET"))).toMatchObject({
      kind: "retryable",
      code: "ECONNRESET",
    });
    expect(classifySqlServerError(driver("ELOGIN"))).toMatchObject({ kind: "fatal", code: "ELOGIN" });
    expect(classifySqlServerError("weird")).toMatchObject({ kind: "fatal" });
  });
});

describe("wrapped errors", () => {
  test("the server's number inside mssql's TransactionError or a bulk error's info decides", () => {
    const wrapped = Object.assign(new Error("Database is not currently available"), {
      name: "TransactionError",
      code: "EREQUEST",
      originalError: Object.assign(new Error("Database is not currently available"), { number: 40613 }),
    });
    expect(classifySqlServerError(wrapped)).toMatchObject({ kind: "retryable", code: "MSSQL_40613" });
    const bulk = Object.assign(new Error("deadlocked"), {
      code: "EREQUEST",
      originalError: Object.assign(new Error("deadlocked"), {
        info: { number: 1205, message: "deadlocked" },
      }),
    });
    expect(classifySqlServerError(bulk)).toMatchObject({ kind: "retryable", code: "MSSQL_1205" });
  });
});
