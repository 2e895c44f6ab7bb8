/**
 * `--rules <template>`: every rule of a CloudFormation/SAM template, functions resolved through a
 * mapping, literal names, or `DescribeStackResources` (the real CloudFormation SDK client against
 * the loopback fake).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { routesFromTemplate } from "../../src/routes/template-rules.ts";
import { useAwsFakeEnv } from "../aws/aws-env.ts";
import { type AwsFake, type ReceivedCloudFormation, startAwsFake } from "../fakes/aws-server.ts";

const fixtures = join(import.meta.dir, "fixtures");
let fake: AwsFake;
let restoreEnv: () => void;
let savedEndpoint: string | undefined;
beforeAll(() => {
  fake = startAwsFake({
    stacks: {
      shop: [
        {
          logicalId: "ProjectorFunction",
          physicalId: "shop-ProjectorFunction-X1",
          type: "AWS::Lambda::Function",
        },
        {
          logicalId: "ProjectorFunctionOrderEvents",
          physicalId: "shop-ProjectorOrderEvents-Y2",
          type: "AWS::Events::Rule",
        },
        { logicalId: "BigOrdersRule", physicalId: "shop-BigOrdersRule-Z3", type: "AWS::Events::Rule" },
      ],
    },
  });
  restoreEnv = useAwsFakeEnv(fake.url);
  // aws-env.ts points Lambda and EventBridge at the fake; CloudFormation is set here.
  savedEndpoint = process.env.AWS_ENDPOINT_URL_CLOUDFORMATION;
  process.env.AWS_ENDPOINT_URL_CLOUDFORMATION = fake.url;
});
afterAll(async () => {
  if (savedEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_CLOUDFORMATION;
  else process.env.AWS_ENDPOINT_URL_CLOUDFORMATION = savedEndpoint;
  restoreEnv();
  await fake.stop();
});

describe("routes from a template", () => {
  test("offline, with a functions mapping: SAM events and AWS::Events::Rule targets", async () => {
    const set = await routesFromTemplate({
      template: "shop-template.yaml",
      cwd: fixtures,
      functions: { ProjectorFunction: "arn:aws:lambda:us-east-1:123456789012:function:projector" },
    });
    const byName = Object.fromEntries(set.targets.map((t) => [t.name, t]));
    expect(Object.keys(byName)).toEqual([
      "ProjectorFunctionOrderEvents/ProjectorFunctionOrderEventsLambdaTarget",
      "notify-shipped/notify",
      "notify-shipped/external",
      "BigOrdersRule/big",
    ]);
    expect(byName["ProjectorFunctionOrderEvents/ProjectorFunctionOrderEventsLambdaTarget"]).toEqual({
      uri: "lambda:arn:aws:lambda:us-east-1:123456789012:function:projector",
      name: "ProjectorFunctionOrderEvents/ProjectorFunctionOrderEventsLambdaTarget",
      pattern: { source: ["shop.orders"] },
      ruleName: "ProjectorFunctionOrderEvents",
      // EventBusName is !Ref OrdersBus: not a literal, so the ARN names the default bus.
      ruleArn: "arn:aws:events:us-east-1:000000000000:rule/ProjectorFunctionOrderEvents",
    });
    expect(byName["notify-shipped/notify"]).toEqual({
      uri: "lambda:shop-notifier",
      name: "notify-shipped/notify",
      pattern: { "detail-type": ["OrderShipped"] },
      inputTransformer: {
        inputPathsMap: { order: "$.detail.orderId" },
        inputTemplate: '{"order": <order>, "rule": <aws.events.rule-name>}',
      },
      ruleName: "notify-shipped",
      ruleArn: "arn:aws:events:us-east-1:000000000000:rule/orders/notify-shipped",
    });
    expect(byName["notify-shipped/external"]).toMatchObject({
      uri: "lambda:arn:aws:lambda:eu-west-1:999999999999:function:partner-hook",
      inputPath: "$.detail",
    });
    expect(byName["BigOrdersRule/big"]).toMatchObject({
      uri: "lambda:arn:aws:lambda:us-east-1:123456789012:function:projector",
      pattern: { detail: { total: [{ numeric: [">=", 100] }] } },
      input: '{"big": true}',
    });
    expect(set.notReplayed).toEqual([
      {
        rule: "notify-shipped",
        targetId: "audit",
        arn: "!GetAtt AuditQueue.Arn",
        reason:
          "AWS::SQS::Queue targets are not replayed yet; map AuditQueue to a plugin target with rules.map",
      },
    ]);
    expect(set.skippedRules).toEqual([
      { rule: "ProjectorFunctionNightly", reason: "scheduled (rate(1 day)): it is not driven by events" },
      { rule: "OldRule", reason: "state DISABLED: a disabled rule delivers nothing" },
      {
        rule: "AccountRule",
        reason:
          "its pattern uses Ref at account.0, which cannot be resolved offline; give the resolved pattern as a pipeline route",
      },
    ]);
  });

  test("without a mapping or stack, functions named by !GetAtt are listed with what to give", async () => {
    const set = await routesFromTemplate({ template: join(fixtures, "shop-template.yaml") });
    expect(set.targets.map((t) => t.name)).toEqual(["notify-shipped/notify", "notify-shipped/external"]);
    expect(set.notReplayed.map((n) => [n.rule, n.targetId, n.reason])).toContainEqual([
      "BigOrdersRule",
      "big",
      "function ProjectorFunction is not resolved: give rules.functions.ProjectorFunction (name or ARN) or rules.stack",
    ]);
  });

  test("with a stack: DescribeStackResources names the functions and rules, and gives region and account", async () => {
    fake.received.length = 0;
    const set = await routesFromTemplate({ template: "shop-template.yaml", cwd: fixtures, stack: "shop" });
    expect(fake.received).toHaveLength(1);
    expect((fake.received[0] as ReceivedCloudFormation).params.StackName).toBe("shop");
    expect(set.targets.find((t) => t.name.startsWith("shop-ProjectorOrderEvents-Y2/"))).toMatchObject({
      uri: "lambda:shop-ProjectorFunction-X1",
      ruleName: "shop-ProjectorOrderEvents-Y2",
      ruleArn: "arn:aws:events:us-east-1:123456789012:rule/shop-ProjectorOrderEvents-Y2",
    });
    expect(set.targets.find((t) => t.name === "shop-BigOrdersRule-Z3/big")).toMatchObject({
      uri: "lambda:shop-ProjectorFunction-X1",
    });
  });

  test("rules.map by logical id replays the queue's events to a plugin target", async () => {
    const set = await routesFromTemplate({
      template: "shop-template.yaml",
      cwd: fixtures,
      stack: "shop",
      map: { AuditQueue: "file:audit.ndjson" },
    });
    expect(set.targets.find((t) => t.uri === "file:audit.ndjson")).toEqual({
      uri: "file:audit.ndjson",
      name: "notify-shipped/audit",
      pattern: { "detail-type": ["OrderShipped"] },
    });
    expect(set.notReplayed).toEqual([]);
  });

  test("errors: an unknown stack, an unreadable template", async () => {
    await expect(
      routesFromTemplate({ template: "shop-template.yaml", cwd: fixtures, stack: "gone" }),
    ).rejects.toThrow(
      "rules.stack gone: DescribeStackResources failed: ValidationError: Stack with id gone does not exist",
    );
    await expect(routesFromTemplate({ template: "nope.yaml", cwd: fixtures })).rejects.toThrow(
      "--rules nope.yaml: cannot read the template",
    );
  });
});
