import { expect, test } from "bun:test";
import { buildReadRequest } from "./read-request.ts";
import type { DynamoDbSourceConfig } from "./source-config.ts";

const base: DynamoDbSourceConfig = {
  table: "t",
  segments: 4,
  consistentRead: false,
  timeFormat: "iso",
  sortRunSize: 10,
};
const keys = { tableHash: "pk", tableRange: "sk", hash: "pk", range: "sk" };

test("a time range on the sort key of a Query goes into the key condition (BETWEEN, until excluded after)", () => {
  const request = buildReadRequest(
    { ...base, query: { pk: "A" }, timeAttribute: "sk", since: "2024-01", until: "2024-02" },
    keys,
  );
  expect(request.kind).toBe("query");
  expect(request.input.KeyConditionExpression).toBe("#n0 = :v0 AND #n1 BETWEEN :v1 AND :v2");
  expect(request.input.FilterExpression).toBeUndefined();
  expect(request.input.ExpressionAttributeNames).toEqual({ "#n0": "pk", "#n1": "sk" });
  expect(request.input.ExpressionAttributeValues).toEqual({
    ":v0": { S: "A" },
    ":v1": { S: "2024-01" },
    ":v2": { S: "2024-02" },
  });
  expect(request.excludeTimeEqualTo).toEqual({ attribute: "sk", value: { S: "2024-02" } });
  expect(request.input.ScanIndexForward).toBe(true);
});

test("a single bound on the sort key is one key condition", () => {
  const request = buildReadRequest(
    { ...base, query: { pk: "A" }, timeAttribute: "sk", until: "2024-02" },
    keys,
  );
  expect(request.input.KeyConditionExpression).toBe("#n0 = :v0 AND #n1 < :v1");
  expect(request.excludeTimeEqualTo).toBeUndefined();
});

test("on a Scan, or on another attribute, the time range is a filter; epoch formats become numbers", () => {
  const scan = buildReadRequest(
    {
      ...base,
      timeAttribute: "at",
      timeFormat: "epoch-seconds",
      since: "2024-01-01T00:00:00Z",
      until: "1704153600",
    },
    keys,
  );
  expect(scan.kind).toBe("scan");
  expect(scan.input.KeyConditionExpression).toBeUndefined();
  expect(scan.input.FilterExpression).toBe("#n0 >= :v0 AND #n0 < :v1");
  expect(scan.input.ExpressionAttributeValues).toEqual({
    ":v0": { N: "1704067200" },
    ":v1": { N: "1704153600" },
  });
  const query = buildReadRequest({ ...base, query: { pk: "A" }, timeAttribute: "at", since: "x" }, keys);
  expect(query.input.KeyConditionExpression).toBe("#n0 = :v0");
  expect(query.input.FilterExpression).toBe("#n1 >= :v1");
});

test("projection always includes the key attributes and the sortBy roots", () => {
  const request = buildReadRequest({ ...base, projection: ["a.b", "c"], sortBy: ["$.time", "id"] }, keys);
  expect(request.input.ProjectionExpression).toBe("#n0.#n1, #n2, #n3, #n4, #n5, #n6");
  expect(request.input.ExpressionAttributeNames).toEqual({
    "#n0": "a",
    "#n1": "b",
    "#n2": "c",
    "#n3": "pk",
    "#n4": "sk",
    "#n5": "time",
    "#n6": "id",
  });
  expect(request.input.ReturnConsumedCapacity).toBe("TOTAL");
});
