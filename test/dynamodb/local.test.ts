import { beforeAll, expect, test } from "bun:test";
import { DescribeTableCommand, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import {
  createTable,
  DYNAMODB_LOCAL_HOOK_TIMEOUT_MS,
  type DynamoDbLocal,
  dynamoDbLocal,
  uniqueTableName,
} from "../services/dynamodb-local.ts";

let local: DynamoDbLocal;
beforeAll(async () => {
  local = await dynamoDbLocal();
}, DYNAMODB_LOCAL_HOOK_TIMEOUT_MS);

test("the harness starts DynamoDB Local on loopback and it stores items", async () => {
  expect(local.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const client = local.client();
  const table = uniqueTableName("harness");
  await createTable(client, table, [{ name: "pk", type: "S" }]);
  const described = await client.send(new DescribeTableCommand({ TableName: table }));
  expect(described.Table?.KeySchema).toEqual([{ AttributeName: "pk", KeyType: "HASH" }]);
  await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: "a" }, n: { N: "1" } } }));
  const got = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: "a" } } }));
  expect(got.Item).toEqual({ pk: { S: "a" }, n: { N: "1" } });
});

test("a second call returns the same shared instance", async () => {
  expect(await dynamoDbLocal()).toBe(local);
});
