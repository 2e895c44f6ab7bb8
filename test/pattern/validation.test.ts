/** Invalid patterns: AWS's reason texts, limits and wildcard rules. */
import { describe, expect, test } from "bun:test";
import { compilePattern, InvalidEventPatternError, validatePattern } from "../../src/pattern/index.ts";

function reasonOf(pattern: unknown): string | undefined {
  try {
    compilePattern(pattern);
    return undefined;
  } catch (error) {
    if (!(error instanceof InvalidEventPatternError)) throw error;
    expect(error.message).toBe(`Event pattern is not valid. Reason: ${error.reason}`);
    expect(error.name).toBe("InvalidEventPatternException");
    return error.reason;
  }
}

const invalid: Array<[string, unknown, string]> = [
  ["scalar field", { int: 42 }, '"int" must be an object or an array'],
  ["null field", { a: null }, '"a" must be an object or an array'],
  ["empty array", { a: [] }, "Empty arrays are not allowed"],
  ["nested array value", { a: [["x"]] }, "Match value must be String, number, true, false, or null"],
  ["operator case", { a: [{ EXISTS: true }] }, "Unrecognized match type EXISTS"],
  ["unknown operator", { a: [{ regex: "x" }] }, "Unrecognized match type regex"],
  ["two operators", { a: [{ prefix: "a", suffix: "b" }] }, "Only one key allowed in match expression"],
  ["empty matcher object", { a: [{}] }, "Match expression name not found"],
  ["prefix number", { a: [{ prefix: 1 }] }, "prefix match pattern must be a string"],
  ["prefix list", { a: [{ prefix: ["x"] }] }, "prefix match pattern must be a string"],
  ["prefix unknown inner", { a: [{ prefix: { x: "y" } }] }, "prefix match pattern must be a string"],
  ["suffix list", { a: [{ suffix: [".png"] }] }, "suffix match pattern must be a string"],
  [
    "equals-ignore-case list",
    { a: [{ "equals-ignore-case": ["x"] }] },
    "equals-ignore-case match pattern must be a string",
  ],
  ["wildcard number", { a: [{ wildcard: 1 }] }, "wildcard match pattern must be a string"],
  ["exists string", { a: [{ exists: "true" }] }, "exists match pattern must be either true or false."],
  [
    "anything-but null",
    { a: [{ "anything-but": null }] },
    "Value of anything-but must be an array or single string/number value.",
  ],
  [
    "anything-but boolean",
    { a: [{ "anything-but": true }] },
    "Value of anything-but must be an array or single string/number value.",
  ],
  [
    "anything-but list null",
    { a: [{ "anything-but": ["x", null] }] },
    "Inside anything but list, start|null|boolean is not supported.",
  ],
  [
    "anything-but mixed list",
    { a: [{ "anything-but": ["x", 1] }] },
    "Inside anything but list, either all values are number or string, mixed type is not supported",
  ],
  [
    "anything-but empty prefix",
    { a: [{ "anything-but": { prefix: "" } }] },
    "Null prefix/suffix not allowed",
  ],
  [
    "anything-but prefix number",
    { a: [{ "anything-but": { prefix: 1 } }] },
    "prefix/suffix match pattern must be a string",
  ],
  [
    "anything-but prefix ignore case",
    { a: [{ "anything-but": { prefix: { "equals-ignore-case": "x" } } }] },
    "Value of anything-but must be an array or single string/number value.",
  ],
  [
    "anything-but ignore case number",
    { a: [{ "anything-but": { "equals-ignore-case": 1 } }] },
    "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.",
  ],
  [
    "anything-but wildcard number",
    { a: [{ "anything-but": { wildcard: [1] } }] },
    "wildcard match pattern must be a string",
  ],
  [
    "anything-but unknown",
    { a: [{ "anything-but": { numeric: [">", 1] } }] },
    "Unsupported anything-but pattern: numeric",
  ],
  ["numeric not array", { a: [{ numeric: 10 }] }, "Value of numeric must be an array."],
  ["numeric operator case", { a: [{ NUMERIC: ["=", 5] }] }, "Unrecognized match type NUMERIC"],
  ["numeric two lower bounds", { a: [{ numeric: [">", 0, ">", 0] }] }, "Bad numeric range operator: >"],
  ["numeric missing value", { a: [{ numeric: [">", 0, "<"] }] }, "Value of < must be numeric"],
  ["numeric string value", { a: [{ numeric: ["<", "5"] }] }, "Value of < must be numeric"],
  ["numeric unknown operator", { a: [{ numeric: ["!=", 5] }] }, "Unrecognized numeric range operator: !="],
  ["numeric empty", { a: [{ numeric: [] }] }, "Invalid member in numeric match: ]"],
  ["numeric too many", { a: [{ numeric: ["<", 5, ">", 1] }] }, "Too many elements in numeric expression"],
  ["numeric empty range", { a: [{ numeric: [">", 5, "<", 1] }] }, "Bottom must be less than top"],
  ["cidr without slash", { a: [{ cidr: "10.0.0.1" }] }, "Malformed CIDR, one '/' required"],
  ["cidr bad mask", { a: [{ cidr: "10.0.0.0/x" }] }, "Malformed CIDR, mask bits must be an integer"],
  ["cidr bad ip", { a: [{ cidr: "xx.11.xx/8" }] }, "Nonstandard IP address: xx.11.xx"],
  ["cidr list", { a: [{ cidr: ["10.0.0.0/8"] }] }, "prefix match pattern must be a string"],
  ["cidr mask too large", { a: [{ cidr: "10.0.0.0/33" }] }, "IPv4 mask bits must be <= 32"],
  [
    "wildcard consecutive stars",
    { a: [{ wildcard: "arn:aws:events:us-east-1:**:event-bus/*" }] },
    "Consecutive wildcard characters at pos 26",
  ],
  ["wildcard bad escape", { a: [{ wildcard: "a\\b" }] }, "Invalid escape character at pos 1"],
  ["wildcard trailing backslash", { a: [{ wildcard: "a\\" }] }, "Invalid escape character at pos 1"],
  [
    "wildcard too complex",
    { a: [{ wildcard: "*:*:*:*:*:event-bus/*" }] },
    "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character",
  ],
  [
    "four */datasync/*.ext wildcards on one field",
    {
      a: ["bif", "tiff", "tif", "svs"].map((ext) => ({ wildcard: `*/datasync/*.${ext}` })),
    },
    "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character",
  ],
  ["not an object", ["a"], "Filter is not an object"],
  ["null pattern", "null", "Filter is not an object"],
  ["one-element $or is a field", { $or: [{ a: [1] }] }, "Unrecognized match type a"],
];

describe("invalid patterns", () => {
  test.each(invalid)("%s", (_name, pattern, reason) => {
    expect(reasonOf(pattern)).toBe(reason);
  });

  test("malformed JSON text", () => {
    expect(reasonOf("{")).toStartWith("Filter is not valid JSON");
  });

  test("validatePattern throws the same error", () => {
    expect(() => validatePattern({ a: [] })).toThrow(
      "Event pattern is not valid. Reason: Empty arrays are not allowed",
    );
    expect(() => validatePattern({ a: ["x"] })).not.toThrow();
  });
});

describe("valid edge cases", () => {
  const valid: Array<[string, unknown]> = [
    ["escaped star after star", { a: [{ wildcard: "he\\**o" }] }],
    ["two datasync wildcards", { a: [{ wildcard: "*/datasync/*.bif" }, { wildcard: "*/datasync/*.tif" }] }],
    ["four *.ext wildcards", { a: ["bif", "tiff", "tif", "svs"].map((ext) => ({ wildcard: `*.${ext}` })) }],
    ["five distinct stars", { a: [{ wildcard: "*a*b*c*d*e" }] }],
    [
      "repeated sequence after a star (corpus)",
      { a: [{ wildcard: "/Users/*/dir/dir/dir/dir/dir/doc.txt" }] },
    ],
    ["arn wildcard", { a: [{ wildcard: "arn:aws:events:us-east-1:*:event-bus/*" }] }],
    ["anything-but wildcard empty", { a: [{ "anything-but": { wildcard: "" } }] }],
    ["cidr ipv6", { a: [{ cidr: "2001:db8::/32" }] }],
    ["empty pattern", {}],
    ["nested empty", { a: { b: {} } }],
    ["numeric beyond 5e9", { a: [{ numeric: [">", 6e9] }] }],
  ];
  test.each(valid)("%s", (_name, pattern) => {
    expect(reasonOf(pattern)).toBeUndefined();
  });
});

describe("limits", () => {
  test("4096 characters of JSON text", () => {
    const field = (n: number) => `{"a":["${"x".repeat(n)}"]}`;
    const ok = field(4096 - 10);
    expect(ok.length).toBe(4096);
    expect(reasonOf(ok)).toBeUndefined();
    expect(reasonOf(field(4096 - 9))).toBe("Event pattern is 4097 characters long; the limit is 4096");
  });

  test("4096 characters also for a parsed object (its compact JSON)", () => {
    expect(reasonOf({ a: ["x".repeat(5000)] })).toContain("the limit is 4096");
  });

  test("1000 $or combinations", () => {
    const group = (n: number, key: string) => Array.from({ length: n }, (_, i) => ({ [`${key}${i}`]: [i] }));
    // 10 × 10 × 10 = 1000 combinations: allowed.
    const ok = { a: { $or: group(10, "x") }, b: { $or: group(10, "y") }, c: { $or: group(10, "z") } };
    expect(reasonOf(ok)).toBeUndefined();
    const tooMany = { ...ok, d: { $or: group(2, "w") } };
    expect(reasonOf(tooMany)).toContain("2000 rule combinations");
    // Nested $or inside a branch adds up rather than multiplies.
    const branch = (n: number) => ({
      x: { $or: group(10, "x") },
      y: { $or: group(10, "y") },
      z: { $or: group(n, "z") },
    });
    expect(reasonOf({ $or: [{ a: [1] }, branch(9)] })).toBeUndefined();
    expect(reasonOf({ $or: [{ a: [1] }, branch(10)] })).toContain("1001 rule combinations");
  });
});
