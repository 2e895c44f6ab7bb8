/**
 * Loading patterns from templates (YAML/JSON CloudFormation and SAM) and deployed rules
 * (DescribeRule against a loopback awsJson1_1 fake).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadPattern, PatternSourceError, readPatternArgument } from "../../src/pattern/load.ts";
import { parseRuleArn } from "../../src/pattern/rule.ts";
import { runCli } from "./cli-helpers.ts";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rehydrate-pattern-load-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function loadError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(PatternSourceError);
    return (error as Error).message;
  }
  throw new Error("expected an error");
}

describe("readPatternArgument", () => {
  test("inline JSON", () => {
    expect(readPatternArgument('{"a":["x"]}', dir)).toEqual({ a: ["x"] });
  });
  test("@file relative to cwd", () => {
    writeFileSync(join(dir, "rel.json"), '{"b":[1]}');
    expect(readPatternArgument("@rel.json", dir)).toEqual({ b: [1] });
  });
  test("bad JSON names the problem", () => {
    expect(() => readPatternArgument("{x", dir)).toThrow(/not valid JSON/);
  });
});

const SAM_YAML = `
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: { Type: String }
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Resources:
  OrdersRule:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !Ref Bus
      Name: !Sub "orders-\${Stage}"
      EventPattern:
        source: [shop]
        detail-type: [Order Placed]
        detail:
          amount: [{ numeric: [">", 100] }]
      Targets:
        - Arn: !GetAtt Handler.Arn
          Id: handler
  Handler:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      Runtime: !If [IsProd, nodejs20.x, nodejs22.x]
      Events:
        Placed:
          Type: EventBridgeRule
          Properties:
            EventBusName: !Ref Bus
            Pattern:
              detail-type: [Order Placed]
        Shipped:
          Type: CloudWatchEvent
          Properties:
            Pattern:
              detail-type: [Order Shipped]
        Api:
          Type: Api
          Properties: { Path: /, Method: get }
  Single:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        OnlyOne:
          Type: EventBridgeRule
          Properties:
            Pattern: { source: [billing] }
  Scheduled:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: rate(1 hour)
  Templated:
    Type: AWS::Events::Rule
    Properties:
      EventPattern:
        source: [!Ref Stage]
`;

describe("--template", () => {
  let yamlFile: string;
  let jsonFile: string;
  beforeAll(() => {
    yamlFile = join(dir, "template.yaml");
    writeFileSync(yamlFile, SAM_YAML);
    jsonFile = join(dir, "template.json");
    writeFileSync(
      jsonFile,
      JSON.stringify({
        Resources: {
          Rule: { Type: "AWS::Events::Rule", Properties: { EventPattern: '{"source":["json-string"]}' } },
          Rule2: { Type: "AWS::Events::Rule", Properties: { EventPattern: { source: ["obj"] } } },
        },
      }),
    );
  });

  test("AWS::Events::Rule EventPattern from YAML with short tags", async () => {
    expect(await loadPattern({ template: `${yamlFile}#OrdersRule`, cwd: dir })).toEqual({
      source: ["shop"],
      "detail-type": ["Order Placed"],
      detail: { amount: [{ numeric: [">", 100] }] },
    });
  });

  test("a SAM function event by name", async () => {
    expect(await loadPattern({ template: `${yamlFile}#Handler.Shipped`, cwd: dir })).toEqual({
      "detail-type": ["Order Shipped"],
    });
  });

  test("a SAM function with a single EventBridge event", async () => {
    expect(await loadPattern({ template: "template.yaml#Single", cwd: dir })).toEqual({
      source: ["billing"],
    });
  });

  test("a function with several events asks to pick one", async () => {
    const message = await loadError(loadPattern({ template: `${yamlFile}#Handler`, cwd: dir }));
    expect(message).toContain("Handler.Placed, Handler.Shipped");
  });

  test("JSON templates, EventPattern as a JSON string or an object", async () => {
    expect(await loadPattern({ template: `${jsonFile}#Rule`, cwd: dir })).toEqual({
      source: ["json-string"],
    });
    expect(await loadPattern({ template: `${jsonFile}#Rule2`, cwd: dir })).toEqual({ source: ["obj"] });
  });

  test("unknown logical id lists the candidates", async () => {
    const message = await loadError(loadPattern({ template: `${yamlFile}#Nope`, cwd: dir }));
    expect(message).toContain("no resource Nope");
    expect(message).toContain("OrdersRule");
    expect(message).toContain("Handler.Placed");
  });

  test("scheduled rules have no pattern", async () => {
    expect(await loadError(loadPattern({ template: `${yamlFile}#Scheduled`, cwd: dir }))).toContain(
      "no EventPattern",
    );
  });

  test("intrinsic functions in the pattern are named", async () => {
    const message = await loadError(loadPattern({ template: `${yamlFile}#Templated`, cwd: dir }));
    expect(message).toContain("intrinsic function Ref at source.0");
  });

  test("missing file and bad spec", async () => {
    expect(await loadError(loadPattern({ template: `${dir}/none.yaml#X`, cwd: dir }))).toContain(
      "cannot read",
    );
    expect(await loadError(loadPattern({ template: "template.yaml", cwd: dir }))).toContain(
      "<file>#<LogicalId>",
    );
  });

  test("through the CLI", async () => {
    const r = await runCli([
      "pattern",
      "test",
      "--template",
      `${yamlFile}#OrdersRule`,
      "--event",
      '{"source":"shop","detail-type":"Order Placed","detail":{"amount":500}}',
    ]);
    expect(r).toEqual({ code: 0, stdout: '{"Result": true}\n', stderr: "" });
  });
});

describe("--rule (DescribeRule)", () => {
  interface Seen {
    target: string | null;
    body: { Name?: string; EventBusName?: string };
    region: string | undefined;
  }
  const seen: Seen[] = [];
  const rules: Record<string, { pattern?: string }> = {
    "default/orders": { pattern: '{"source":["shop"],"detail-type":["Order Placed"]}' },
    "shop/billing": { pattern: '{"detail":{"total":[{"numeric":[">=",10]}]}}' },
    "default/hourly": {},
  };
  let server: ReturnType<typeof Bun.serve>;
  const savedEnv: Record<string, string | undefined> = {};
  const env = (name: string, value: string) => {
    savedEnv[name] = process.env[name];
    process.env[name] = value;
  };

  beforeAll(() => {
    server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(request) {
        const body = (await request.json()) as Seen["body"];
        const target = request.headers.get("x-amz-target");
        const region = /Credential=[^/]+\/\d+\/([^/]+)\//.exec(
          request.headers.get("authorization") ?? "",
        )?.[1];
        seen.push({ target, body, region });
        const headers = { "content-type": "application/x-amz-json-1.1" };
        if (target !== "AWSEvents.DescribeRule") {
          return new Response(JSON.stringify({ __type: "UnknownOperationException" }), {
            status: 400,
            headers,
          });
        }
        const bus = body.EventBusName ?? "default";
        const rule = rules[`${bus}/${body.Name}`];
        if (!rule) {
          return new Response(
            JSON.stringify({
              __type: "ResourceNotFoundException",
              message: `Rule ${body.Name} does not exist.`,
            }),
            { status: 400, headers },
          );
        }
        return Response.json(
          {
            Name: body.Name,
            Arn: `arn:aws:events:eu-west-1:123456789012:rule/${bus === "default" ? "" : `${bus}/`}${body.Name}`,
            ...(rule.pattern ? { EventPattern: rule.pattern } : { ScheduleExpression: "rate(1 hour)" }),
            EventBusName: bus,
            State: "ENABLED",
          },
          { headers },
        );
      },
    });
    env("AWS_ENDPOINT_URL", `http://127.0.0.1:${server.port}`);
    env("AWS_ACCESS_KEY_ID", "AKIDTEST");
    env("AWS_SECRET_ACCESS_KEY", "secret-test");
    env("AWS_REGION", "eu-west-1");
  });

  afterAll(() => {
    server.stop(true);
    for (const [name, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  test("by name on the default bus", async () => {
    seen.length = 0;
    expect(await loadPattern({ rule: "orders", cwd: dir })).toEqual({
      source: ["shop"],
      "detail-type": ["Order Placed"],
    });
    expect(seen).toEqual([
      { target: "AWSEvents.DescribeRule", body: { Name: "orders" }, region: "eu-west-1" },
    ]);
  });

  test("by name with --bus and --region", async () => {
    seen.length = 0;
    expect(await loadPattern({ rule: "billing", bus: "shop", region: "us-east-2", cwd: dir })).toEqual({
      detail: { total: [{ numeric: [">=", 10] }] },
    });
    expect(seen[0]!.body).toEqual({ Name: "billing", EventBusName: "shop" });
    expect(seen[0]!.region).toBe("us-east-2");
  });

  test("by ARN: bus and region come from the ARN", async () => {
    seen.length = 0;
    await loadPattern({ rule: "arn:aws:events:ap-south-1:123456789012:rule/shop/billing", cwd: dir });
    expect(seen[0]!.body).toEqual({ Name: "billing", EventBusName: "shop" });
    expect(seen[0]!.region).toBe("ap-south-1");
  });

  test("unknown rule and scheduled rule", async () => {
    expect(await loadError(loadPattern({ rule: "nope", cwd: dir }))).toBe("rule nope not found");
    expect(await loadError(loadPattern({ rule: "hourly", cwd: dir }))).toContain("has no event pattern");
  });

  test("--bus without --rule", async () => {
    expect(await loadError(loadPattern({ pattern: "{}", bus: "x", cwd: dir }))).toContain(
      "--bus only applies",
    );
  });

  test("through the CLI with --events", async () => {
    const r = await runCli(
      ["pattern", "test", "--rule", "billing", "--bus", "shop", "--events", "-"],
      '{"detail":{"total":12}}\n{"detail":{"total":2}}\n',
    );
    expect(r).toEqual({ code: 0, stdout: "true\nfalse\n", stderr: "" });
  });

  test("CLI: unknown rule exits 2", async () => {
    const r = await runCli(["pattern", "validate", "--rule", "missing"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("rule missing not found\n");
  });
});

describe("parseRuleArn", () => {
  test.each([
    ["arn:aws:events:eu-west-1:1:rule/r", { region: "eu-west-1", name: "r" }],
    ["arn:aws:events:eu-west-1:1:rule/bus/r", { region: "eu-west-1", bus: "bus", name: "r" }],
    ["orders", undefined],
  ])("%s", (arn, expected) => {
    expect(parseRuleArn(arn)).toEqual(expected as ReturnType<typeof parseRuleArn>);
  });
});
