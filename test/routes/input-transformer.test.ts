/**
 * The input transformer against AWS's documented examples ("Amazon EventBridge input
 * transformation", the InputTransformer API reference) and behaviour recorded against real AWS,
 * plus edge cases of our own.
 */
import { describe, expect, test } from "bun:test";
import {
  compileTargetInput,
  minifyJson,
  type TargetInputOptions,
  targetInputProblems,
} from "../../src/routes/input-transformer.ts";
import type { EventBridgeEvent } from "../../src/sdk/index.ts";

/** The example EC2 event of AWS's input transformation page. */
const ec2Event: EventBridgeEvent = {
  version: "0",
  id: "7bf73129-1428-4cd3-a780-95db273d1602",
  "detail-type": "EC2 Instance State-change Notification",
  source: "aws.ec2",
  account: "123456789012",
  time: "2015-11-11T21:29:54Z",
  region: "us-east-1",
  resources: ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
  detail: { "instance-id": "i-0123456789", state: "RUNNING" },
};
const ec2Text = JSON.stringify(ec2Event, null, 2);

/** The documented Input Path (variables) of that page. */
const docPaths = {
  timestamp: "$.time",
  instance: "$.detail.instance-id",
  state: "$.detail.state",
  resource: "$.resources[0]",
};
const ruleArn = "arn:aws:events:us-east-2:123456789012:rule/example";

function render(options: TargetInputOptions, event: EventBridgeEvent = ec2Event, text?: string) {
  const renderer = compileTargetInput(options, "test");
  if (!renderer) throw new Error("no renderer");
  return renderer(event, () => text ?? JSON.stringify(event));
}
function transform(template: string, paths: Record<string, string> = docPaths, extra = {}) {
  const result = render({ inputTransformer: { inputPathsMap: paths, inputTemplate: template }, ...extra });
  if (!result.ok) throw new Error(result.reason);
  return result.text;
}

describe("AWS's documented input template examples", () => {
  test("simple string: the target receives a JSON string", () => {
    const text = transform('"instance <instance> is in <state>"');
    expect(text).toBe('"instance i-0123456789 is in RUNNING"');
    expect(JSON.parse(text)).toBe("instance i-0123456789 is in RUNNING");
  });

  test("string with escaped quotes", () => {
    const text = transform('"instance \\"<instance>\\" is in <state>"');
    expect(text).toBe('"instance \\"i-0123456789\\" is in RUNNING"');
    expect(JSON.parse(text)).toBe('instance "i-0123456789" is in RUNNING');
  });

  test("simple JSON: unquoted string variables gain quotes", () => {
    const text = transform('{\n  "instance" : <instance>,\n  "state": <state>\n}');
    expect(text).toBe('{"instance":"i-0123456789","state":"RUNNING"}');
  });

  test("JSON with strings and variables", () => {
    const text = transform(
      '{\n "instance" : <instance>,\n "state": "<state>",\n "instanceStatus": "instance \\"<instance>\\" is in <state>"\n}',
    );
    expect(JSON.parse(text)).toEqual({
      instance: "i-0123456789",
      state: "RUNNING",
      instanceStatus: 'instance "i-0123456789" is in RUNNING',
    });
  });

  test("JSON with a mix of variables and static information", () => {
    const text = transform(
      '{\n  "instance" : <instance>,\n  "state": [ 9, <state>, true ],\n  "Transformed" : "Yes"\n}',
    );
    expect(text).toBe('{"instance":"i-0123456789","state":[9,"RUNNING",true],"Transformed":"Yes"}');
  });

  test("reserved variables in JSON", () => {
    const text = transform(
      '{\n  "instance" : <instance>,\n  "state": <state>,\n  "ruleArn" : <aws.events.rule-arn>,\n  "ruleName" : <aws.events.rule-name>,\n  "originalEvent" : <aws.events.event>\n}',
      docPaths,
      { ruleArn, ruleName: "example" },
    );
    const parsed = JSON.parse(text);
    expect(parsed).toMatchObject({
      instance: "i-0123456789",
      state: "RUNNING",
      ruleArn,
      ruleName: "example",
    });
    // <aws.events.event>: the event without detail, as AWS was recorded sending it.
    expect(Object.keys(parsed.originalEvent)).toEqual([
      "id",
      "account",
      "detailType",
      "time",
      "source",
      "region",
      "resources",
      "version",
    ]);
    expect(parsed.originalEvent.detailType).toBe("EC2 Instance State-change Notification");
    expect(parsed.originalEvent.detail).toBeUndefined();
  });

  test("reserved variables in a string", () => {
    expect(transform('"<aws.events.rule-name> triggered"', {}, { ruleName: "example" })).toBe(
      '"example triggered"',
    );
  });

  test("array index in a path ($.resources[0])", () => {
    expect(transform('{"r": <resource>}')).toBe(
      '{"r":"arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"}',
    );
  });

  test("the API reference's JSON example, variables in quotes and out", () => {
    const text = transform('{"myInstance": <instance>,"myStatus": "<instance> is in state \\"<status>\\""}', {
      instance: "$.detail.instance-id",
      status: "$.detail.state",
    });
    expect(JSON.parse(text)).toEqual({
      myInstance: "i-0123456789",
      myStatus: 'i-0123456789 is in state "RUNNING"',
    });
  });

  test("the CloudWatch Logs example is not JSON, so it cannot be a Lambda payload", () => {
    // AWS documents `{"timestamp" : 2015-11-11T21:29:54Z, ...}` for a log group target; Lambda
    // takes JSON only. Our output for Lambda quotes the timestamp (valid JSON) instead.
    const text = transform(
      '{\n  "timestamp" : <timestamp>,\n  "message": "instance \\"<instance>\\" is in <state>"\n}',
    );
    expect(JSON.parse(text)).toEqual({
      timestamp: "2015-11-11T21:29:54Z",
      message: 'instance "i-0123456789" is in RUNNING',
    });
  });
});

describe("behaviour recorded against real AWS", () => {
  const event: EventBridgeEvent = {
    ...ec2Event,
    "detail-type": "core.update-account-command",
    detail: { command: "update-account", payload: { acc_id: "0a787ecb-4015", sf_id: "baz" } },
  };
  const paths = { "detail-type": "$.detail-type", timestamp: "$.time", command: "$.detail.notinmessage" };

  test("a missing variable inside a string template becomes nothing", () => {
    const result = render(
      {
        inputTransformer: {
          inputPathsMap: paths,
          inputTemplate:
            '"Event of <detail-type> type, at time <timestamp>, info extracted from detail <command>"',
        },
      },
      event,
    );
    expect(result).toEqual({
      ok: true,
      text: '"Event of core.update-account-command type, at time 2015-11-11T21:29:54Z, info extracted from detail "',
    });
  });

  test('a missing variable in a JSON value position becomes ""', () => {
    const result = render(
      {
        inputTransformer: {
          inputPathsMap: paths,
          inputTemplate: '{"detailType": <detail-type>,  "time": <timestamp>, "command": <command>}',
        },
      },
      event,
    );
    expect(result.ok && JSON.parse(result.text)).toEqual({
      detailType: "core.update-account-command",
      time: "2015-11-11T21:29:54Z",
      command: "",
    });
  });

  test("InputPath to a string delivers a JSON string; to an object, the object", () => {
    expect(render({ inputPath: "$.detail.payload.sf_id" }, event)).toEqual({ ok: true, text: '"baz"' });
    expect(render({ inputPath: "$.detail" }, event)).toEqual({
      ok: true,
      text: '{"command":"update-account","payload":{"acc_id":"0a787ecb-4015","sf_id":"baz"}}',
    });
  });

  test("a placeholder not in inputPathsMap is refused, as PutTargets refuses it", () => {
    expect(
      targetInputProblems({
        inputTransformer: {
          inputPathsMap: { "detail-type": "$.detail-type" },
          inputTemplate: '"Event of <detail-type> type, with not defined key <notdefinedkey>"',
        },
      }),
    ).toEqual([
      "inputTransformer.inputTemplate: contains the placeholder <notdefinedkey>, which is neither in inputPathsMap nor a reserved variable",
    ]);
  });

  test("only one of input, inputPath, inputTransformer", () => {
    expect(targetInputProblems({ input: "{}", inputPath: "$.detail" })).toEqual([
      "input and inputPath: give only one of input, inputPath or inputTransformer (as on AWS)",
    ]);
  });

  test("predefined variables need no inputPathsMap; event.json is the whole event", () => {
    const text = transform(
      '{"originalEvent": <aws.events.event>, "originalEventJson": <aws.events.event.json>}',
      {},
    );
    const parsed = JSON.parse(text);
    expect(parsed.originalEventJson).toEqual(JSON.parse(JSON.stringify(ec2Event)));
    expect(parsed.originalEvent.id).toBe(ec2Event.id);
  });
});

describe("edge cases", () => {
  const event: EventBridgeEvent = {
    ...ec2Event,
    detail: {
      count: 3,
      price: 1.5,
      flag: false,
      nothing: null,
      tags: ["a", "b"],
      nested: { k: "v", n: 1 },
      quote: 'say "hi"',
      items: [{ sku: "x" }, { sku: "y" }],
    },
  };
  const paths = {
    count: "$.detail.count",
    price: "$.detail.price",
    flag: "$.detail.flag",
    nothing: "$.detail.nothing",
    tags: "$.detail.tags",
    nested: "$.detail.nested",
    quote: "$.detail.quote",
    skus: "$.detail.items[*].sku",
    missing: "$.detail.absent.deeper",
  };
  const run = (template: string) =>
    render({ inputTransformer: { inputPathsMap: paths, inputTemplate: template } }, event);

  test("non-string values inside a string template keep their text; objects lose their quotes", () => {
    expect(run('"<count> <price> <flag> <nothing> <tags> <nested>"')).toEqual({
      ok: true,
      text: '"3 1.5 false null [a,b] {k:v,n:1}"',
    });
  });

  test("non-string values in value positions are inserted as JSON", () => {
    const result = run(
      '{"c": <count>, "p": <price>, "f": <flag>, "z": <nothing>, "t": <tags>, "n": <nested>}',
    );
    expect(result.ok && JSON.parse(result.text)).toEqual({
      c: 3,
      p: 1.5,
      f: false,
      z: null,
      t: ["a", "b"],
      n: { k: "v", n: 1 },
    });
  });

  test("a wildcard path yields the list of every match", () => {
    expect(run('{"skus": <skus>}')).toEqual({ ok: true, text: '{"skus":["x","y"]}' });
    expect(run('"skus: <skus>"')).toEqual({ ok: true, text: '"skus: [x,y]"' });
  });

  test("a missing nested path is a missing variable", () => {
    expect(run('{"m": <missing>, "s": "[<missing>]"}')).toEqual({ ok: true, text: '{"m":"","s":"[]"}' });
  });

  test("values are not escaped inside strings: a quote breaks the JSON, and the event fails", () => {
    const result = run('{"q": "<quote>"}');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.code).toBe("InvalidRequestContentException");
      expect(result.reason).toContain("not JSON");
    }
    // In a value position the same value is a properly escaped JSON string.
    expect(run('{"q": <quote>}')).toEqual({ ok: true, text: '{"q":"say \\"hi\\""}' });
  });

  test("a plain-text template is not JSON: Lambda would refuse it", () => {
    const result = run("<count> items");
    expect(result.ok).toBe(false);
  });

  test("a lone < or an HTML-like tag that is not a placeholder name stays literal", () => {
    expect(run('"a < b and </b>"')).toEqual({ ok: true, text: '"a < b and </b>"' });
  });

  test("event.json sends the source's bytes, minified, numbers as written", () => {
    const text = '{ "version": "0", "id": "x", "detail": { "n": 1.0e2, "s": "a  b" } }';
    const renderer = compileTargetInput({
      inputTransformer: { inputTemplate: '{"e": <aws.events.event.json>}' },
    });
    expect(renderer!(event, () => text)).toEqual({
      ok: true,
      text: '{"e":{"version":"0","id":"x","detail":{"n":1.0e2,"s":"a  b"}}}',
    });
  });

  test("ingestion-time is the event's time", () => {
    expect(transform('"at <aws.events.event.ingestion-time>"', {})).toBe('"at 2015-11-11T21:29:54Z"');
  });

  test("constant input: JSON text as given (minified), or an inline value", () => {
    expect(render({ input: '{ "a" : [1, 2] }' })).toEqual({ ok: true, text: '{"a":[1,2]}' });
    expect(render({ input: { a: 1 } })).toEqual({ ok: true, text: '{"a":1}' });
    expect(render({ input: '"text"' })).toEqual({ ok: true, text: '"text"' });
  });

  test("inputPath $ is the whole event; a missing path fails the event", () => {
    expect(render({ inputPath: "$" }, ec2Event, ec2Text)).toEqual({ ok: true, text: minifyJson(ec2Text) });
    const missing = render({ inputPath: "$.detail.nope" });
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.code).toBe("InputPathNotFound");
  });

  test("no input option: no renderer (the target receives the event)", () => {
    expect(compileTargetInput({})).toBeUndefined();
    expect(compileTargetInput({ ruleArn, ruleName: "x" })).toBeUndefined();
  });
});

describe("validation, each problem naming its field", () => {
  test("constant input must be JSON text", () => {
    expect(targetInputProblems({ input: "hello" })).toEqual([
      `input: "hello" is not JSON text (write a JSON string as '"text"', or an object)`,
    ]);
  });

  test("paths outside EventBridge's subset", () => {
    expect(targetInputProblems({ inputPath: "detail.x" })).toEqual([
      "inputPath: detail.x must start with $ (like $.detail.orderId)",
    ]);
    expect(targetInputProblems({ inputPath: "$['detail-type']" })[0]).toContain("use dot notation");
    expect(targetInputProblems({ inputPath: "$.detail." })).toEqual(["inputPath: $.detail. ends with a dot"]);
    expect(
      targetInputProblems({ inputTransformer: { inputPathsMap: { a: "$.x[-1]" }, inputTemplate: '"<a>"' } }),
    ).toEqual([
      "inputTransformer.inputPathsMap.a: $.x[-1] has [-1] at character 4: only array indices ([0]) and [*] are allowed, use dot notation for keys",
    ]);
  });

  test("reserved and malformed variable names", () => {
    const problems = targetInputProblems({
      inputTransformer: {
        inputPathsMap: { "aws.events.rule-name": "$.id", "AWS.x": "$.id", "a b": "$.id" },
        inputTemplate: '"x"',
      },
    });
    expect(problems).toEqual([
      "inputTransformer.inputPathsMap.aws.events.rule-name: the name is reserved by EventBridge (aws.* names cannot be defined)",
      "inputTransformer.inputPathsMap.AWS.x: the name is reserved by EventBridge (aws.* names cannot be defined)",
      "inputTransformer.inputPathsMap.a b: a variable name is letters, digits, - and _ (at most 256)",
    ]);
  });

  test("at most 100 variables", () => {
    const inputPathsMap = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`v${i}`, "$.id"]));
    expect(targetInputProblems({ inputTransformer: { inputPathsMap, inputTemplate: '"x"' } })).toEqual([
      "inputTransformer.inputPathsMap: 101 variables, over AWS's 100",
    ]);
    const hundred = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`v${i}`, "$.id"]));
    expect(
      targetInputProblems({ inputTransformer: { inputPathsMap: hundred, inputTemplate: '"x"' } }),
    ).toEqual([]);
  });

  test("length limits", () => {
    expect(targetInputProblems({ input: JSON.stringify("x".repeat(8200)) })[0]).toContain("over AWS's 8192");
    expect(
      targetInputProblems({ inputTransformer: { inputTemplate: `"${"x".repeat(8200)}"` } })[0],
    ).toContain("8192");
    expect(targetInputProblems({ inputPath: `$.${"a".repeat(300)}` })[0]).toContain("256");
  });

  test("the rule's name and ARN must be given when the template uses them", () => {
    expect(targetInputProblems({ inputTransformer: { inputTemplate: '"<aws.events.rule-arn>"' } })).toEqual([
      "ruleArn: required because inputTransformer.inputTemplate uses <aws.events.rule-arn>",
    ]);
  });

  test("a missing template and unknown keys", () => {
    expect(
      targetInputProblems({ inputTransformer: { inputPathsMap: {}, InputTemplate: "x" } as never }),
    ).toEqual([
      "inputTransformer.InputTemplate: unknown key (known: inputPathsMap, inputTemplate)",
      "inputTransformer.inputTemplate: required, a non-empty string",
    ]);
  });

  test("compileTargetInput throws a PluginError naming where", () => {
    expect(() => compileTargetInput({ inputPath: "x" }, "targets[0]")).toThrow(
      "targets[0]: inputPath: x must start with $",
    );
  });
});
