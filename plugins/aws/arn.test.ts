import { expect, test } from "bun:test";
import { parseArn } from "./arn.ts";

test("parseArn", () => {
  expect(parseArn("arn:aws:lambda:eu-west-1:123456789012:function:fn:live")).toEqual({
    partition: "aws",
    service: "lambda",
    region: "eu-west-1",
    account: "123456789012",
    resource: "function:fn:live",
  });
  expect(parseArn("fn")).toBeUndefined();
});
