/** The `--rules` flag and `rules:` key: parsing, validation naming the key, merging, summaries. */
import { describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import {
  describeRouting,
  mergeRulesFlag,
  parseRulesFlag,
  parseRulesKey,
} from "../../src/routes/rules-option.ts";

describe("--rules and rules:", () => {
  test("the flag: bus:<name> or a template file relative to the working directory", () => {
    expect(parseRulesFlag("bus:orders", "/work")).toEqual({ bus: "orders" });
    expect(parseRulesFlag("bus:arn:aws:events:eu-west-1:1:event-bus/orders", "/w")).toEqual({
      bus: "arn:aws:events:eu-west-1:1:event-bus/orders",
    });
    expect(parseRulesFlag("infra/template.yaml", "/work")).toEqual({
      template: resolve("/work", "infra/template.yaml"),
    });
    expect(() => parseRulesFlag("bus:", "/w")).toThrow("--rules: expected bus:<name or ARN>");
  });

  test("the key: one of bus or template, template relative to the pipeline file", () => {
    expect(parseRulesKey({ bus: "orders", map: { x: null } }, "p.yaml", "/pipes")).toEqual({
      bus: "orders",
      map: { x: null },
    });
    expect(
      parseRulesKey({ template: "t.yaml", functions: { Fn: "fn" }, stack: "s" }, "p.yaml", "/pipes"),
    ).toEqual({ template: resolve("/pipes", "t.yaml"), functions: { Fn: "fn" }, stack: "s" });
  });

  test("mistakes are one line naming the key", () => {
    const cases: Array<[unknown, string]> = [
      ["orders", 'p.yaml: "rules" must be an object'],
      [{ bus: "a", template: "t" }, 'p.yaml: "rules" needs exactly one of bus or template'],
      [{}, 'p.yaml: "rules" needs exactly one of bus or template'],
      [
        { bus: "a", stak: "s" },
        'p.yaml: unknown key "rules.stak" (known: bus, template, functions, stack, map)',
      ],
      [{ bus: 3 }, 'p.yaml: "rules.bus" must be a string'],
      [{ bus: "a", stack: "s" }, 'p.yaml: "rules.stack" applies to a template, not a bus'],
      [{ bus: "a", functions: {} }, 'p.yaml: "rules.functions" applies to a template, not a bus'],
      [
        { template: "t", functions: { Fn: 1 } },
        'p.yaml: "rules.functions.Fn" must be a function name or ARN',
      ],
      [{ bus: "a", map: [] }, 'p.yaml: "rules.map" must be an object'],
      [
        { bus: "a", map: { k: 1 } },
        'p.yaml: "rules.map.k" must be a target URI, a target spec object, or null',
      ],
    ];
    for (const [raw, message] of cases) expect(() => parseRulesKey(raw, "p.yaml", "/")).toThrow(message);
  });

  test("the flag picks the source; the file's map (and, template to template, functions and stack) stay", () => {
    const file = { template: "/a.yaml", functions: { F: "f" }, stack: "s", map: { x: null } };
    expect(mergeRulesFlag(file, { template: "/b.yaml" })).toEqual({
      template: "/b.yaml",
      functions: { F: "f" },
      stack: "s",
      map: { x: null },
    });
    expect(mergeRulesFlag(file, { bus: "orders" })).toEqual({ bus: "orders", map: { x: null } });
    expect(mergeRulesFlag(undefined, { bus: "orders" })).toEqual({ bus: "orders" });
  });

  test("the summary lists routes, targets not replayed and skipped rules", () => {
    expect(
      describeRouting([{ uri: "lambda:f", name: "r/t", pattern: {} }], {
        from: "bus:orders",
        notReplayed: [{ rule: "r", targetId: "q", arn: "arn:aws:sqs:x:1:q", reason: "SQS queue targets …" }],
        skippedRules: [{ rule: "old", reason: "state DISABLED" }],
      }),
    ).toEqual([
      "routes from bus:orders: 1 target",
      "  route r/t → lambda:f",
      "  not replayed: rule r target q (arn:aws:sqs:x:1:q): SQS queue targets …",
      "  skipped rule old: state DISABLED",
    ]);
  });
});
