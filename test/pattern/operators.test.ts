/** Table-driven tests of every operator and edge case in the semantics reference. */
import { describe, expect, test } from "bun:test";
import { compilePattern } from "../../src/pattern/index.ts";

type Row = [name: string, pattern: object | string, event: unknown, expected: boolean];

function table(title: string, rows: Row[]): void {
  describe(title, () => {
    test.each(rows)("%s", (_name, pattern, event, expected) => {
      expect(compilePattern(pattern).matches(event)).toBe(expected);
    });
  });
}

table("structure", [
  ["empty pattern matches anything", {}, { a: 1 }, true],
  ["empty pattern matches a non-object", {}, "x", true],
  ["nested empty objects match", { detail: { automations: {} } }, { source: "x" }, true],
  ["AND across fields", { a: ["1"], b: ["2"] }, { a: "1", b: "2" }, true],
  ["AND across fields, one fails", { a: ["1"], b: ["2"] }, { a: "1", b: "3" }, false],
  ["OR within a field", { a: ["1", "2"] }, { a: "2" }, true],
  ["missing field", { a: ["1"] }, { b: "1" }, false],
  ["case-sensitive values", { a: ["Abc"] }, { a: "abc" }, false],
  ["case-sensitive keys", { A: ["x"] }, { a: "x" }, false],
  ["string holding JSON is a string", { a: { b: ["1"] } }, { a: '{"b":"1"}' }, false],
  ["unmentioned fields are ignored", { a: ["1"] }, { a: "1", z: [1, 2, { q: 1 }] }, true],
  ["pattern as JSON text", '{"a":["1"]}', { a: "1" }, true],
  ["duplicate keys in text: last wins", '{"a":["1"],"a":["2"]}', { a: "2" }, true],
  ["duplicate keys in text: earlier lost", '{"a":["1"],"a":["2"]}', { a: "1" }, false],
  ["Object.prototype names are not event fields", { constructor: [{ exists: true }] }, {}, false],
  ["__proto__ absent", { toString: [{ exists: false }] }, {}, true],
  ["own field named like a prototype member", { constructor: ["x"] }, { constructor: "x" }, true],
]);

table("dot-joined keys", [
  ["pattern dotted, event nested", { "detail.state": ["on"] }, { detail: { state: "on" } }, true],
  ["pattern nested, event dotted", { detail: { state: ["on"] } }, { "detail.state": "on" }, true],
  ["both dotted", { "a.b.c": ["on"] }, { "a.b.c": "on" }, true],
  ["mixed split", { a: { b: { c: ["on"] } } }, { "a.b": { c: "on" } }, true],
  ["mixed split 2", { a: { b: { c: ["on"] } } }, { a: { "b.c": "on" } }, true],
  ["dotted and nested together", { a: { b: ["1"], c: ["2"] } }, { a: { b: "1" }, "a.c": "2" }, true],
  ["dotted wrong value", { "detail.state": ["on"] }, { "detail.state": "off" }, false],
  // Dotted keys next to a nested array or scalar take the exact path (exact.ts).
  ["dotted next to a nested array", { a: { b: ["1"], c: [1] } }, { a: [{ c: 1 }], "a.b": "1" }, true],
  [
    "dotted next to a nested array, no value",
    { a: { b: ["2"], c: [1] } },
    { a: [{ c: 1 }], "a.b": "1" },
    false,
  ],
  ["dotted next to a scalar", { a: ["x"], "a.b": ["1"] }, { a: "x", "a.b": "1" }, true],
  ["dotted next to a scalar, wrong scalar", { a: ["y"], "a.b": ["1"] }, { a: "x", "a.b": "1" }, false],
  ["dotted clashing with the nested value", { a: { b: ["2"] } }, { a: { b: "1" }, "a.b": "2" }, true],
]);

table("exact values", [
  ["string", { a: ["x"] }, { a: "x" }, true],
  ["number by value 300 vs 300.0", '{"a":[300]}', JSON.parse('{"a":300.0}'), true],
  ["number by value 35.0 vs 3.5e1", '{"a":[35.0]}', JSON.parse('{"a":3.5e1}'), true],
  ["number does not match string", { a: [5] }, { a: "5" }, false],
  ["string does not match number", { a: ["5"] }, { a: 5 }, false],
  ["true", { a: [true] }, { a: true }, true],
  ["true vs string", { a: [true] }, { a: "true" }, false],
  ["false", { a: [false] }, { a: false }, true],
  ["null", { a: [null] }, { a: null }, true],
  ["null is not empty string", { a: [null] }, { a: "" }, false],
  ["empty string", { a: [""] }, { a: "" }, true],
  ["empty string is not null", { a: [""] }, { a: null }, false],
  ["null does not match missing", { a: [null] }, {}, false],
  ["negative zero equals zero", { a: [0] }, { a: -0 }, true],
  ["unicode, no normalisation", { a: ["é"] }, { a: "e\u0301" }, false],
]);

table("arrays", [
  ["any element", { a: ["x"] }, { a: ["y", "x"] }, true],
  ["no element", { a: ["x"] }, { a: ["y", "z"] }, false],
  ["nested arrays flatten", { a: ["x"] }, { a: [["y"], ["x"]] }, true],
  ["empty array has no value", { a: [null] }, { a: [] }, false],
  ["exists:true and empty array", { a: [{ exists: true }] }, { a: [] }, false],
  ["exists:false and empty array", { a: [{ exists: false }] }, { a: [] }, true],
  ["objects in arrays", { e: { n: ["Anna"] } }, { e: [{ n: "Bob" }, { n: "Anna" }] }, true],
  [
    "array consistency: fields from different elements",
    { e: { f: ["Anna"], l: ["Jones"] } },
    {
      e: [
        { f: "Anna", l: "Smith" },
        { f: "Peter", l: "Jones" },
      ],
    },
    false,
  ],
  [
    "array consistency: same element",
    { e: { f: ["Anna"], l: ["Jones"] } },
    { e: [{ f: "Anna", l: "Jones" }] },
    true,
  ],
  [
    "exists:false per element",
    { e: { f: ["Anna"], ids: [{ exists: false }] } },
    { e: [{ f: "Anna" }, { f: "Bob", ids: [1] }] },
    true,
  ],
  [
    "exists:false per element, same element has it",
    { e: { f: ["Anna"], ids: [{ exists: false }] } },
    { e: [{ f: "Anna", ids: [1] }, { f: "Bob" }] },
    false,
  ],
  [
    "$or keeps array consistency with siblings",
    { $or: [{ e: { f: ["Anna"] } }, { e: { f: ["Zed"] } }], e: { l: ["Jones"] } },
    {
      e: [
        { f: "Anna", l: "Smith" },
        { f: "Peter", l: "Jones" },
      ],
    },
    false,
  ],
  [
    "$or with siblings in the same element",
    { $or: [{ e: { f: ["Anna"] } }, { e: { f: ["Zed"] } }], e: { l: ["Jones"] } },
    {
      e: [
        { f: "Peter", l: "Smith" },
        { f: "Anna", l: "Jones" },
      ],
    },
    true,
  ],
  [
    "fields of different arrays combine",
    { a: { x: ["1"] }, b: { y: ["2"] } },
    { a: [{ x: "1" }], b: [{ y: "2" }] },
    true,
  ],
]);

table("prefix and suffix", [
  ["prefix", { a: [{ prefix: "us-" }] }, { a: "us-east-1" }, true],
  ["prefix is case-sensitive", { a: [{ prefix: "us-" }] }, { a: "US-east-1" }, false],
  ["value is its own prefix", { a: [{ prefix: "us-" }] }, { a: "us-" }, true],
  ["prefix never matches numbers", { a: [{ prefix: "1" }] }, { a: 12 }, false],
  ["empty prefix matches any string", { a: [{ prefix: "" }] }, { a: "x" }, true],
  ["prefix ignore case", { a: [{ prefix: { "equals-ignore-case": "eventb" } }] }, { a: "EventBridge" }, true],
  [
    "prefix ignore case no",
    { a: [{ prefix: { "equals-ignore-case": "eventc" } }] },
    { a: "EventBridge" },
    false,
  ],
  ["suffix", { a: [{ suffix: ".png" }] }, { a: "cat.png" }, true],
  ["suffix case-sensitive", { a: [{ suffix: ".png" }] }, { a: "cat.PNG" }, false],
  ["suffix ignore case", { a: [{ suffix: { "equals-ignore-case": ".png" } }] }, { a: "cat.PNG" }, true],
  ["suffix on null", { a: [{ suffix: "x" }] }, { a: null }, false],
]);

table("equals-ignore-case", [
  ["ascii", { a: [{ "equals-ignore-case": "alice" }] }, { a: "ALICE" }, true],
  ["different", { a: [{ "equals-ignore-case": "alice" }] }, { a: "alicia" }, false],
  ["non-ascii", { a: [{ "equals-ignore-case": "élan" }] }, { a: "ÉLAN" }, true],
  ["not a number", { a: [{ "equals-ignore-case": "5" }] }, { a: 5 }, false],
]);

table("anything-but", [
  ["single string", { a: [{ "anything-but": "x" }] }, { a: "y" }, true],
  ["single string excluded", { a: [{ "anything-but": "x" }] }, { a: "x" }, false],
  ["missing field never matches", { a: [{ "anything-but": "x" }] }, {}, false],
  ["null matches a string list", { a: [{ "anything-but": ["x"] }] }, { a: null }, true],
  ["number matches a string list", { a: [{ "anything-but": ["x"] }] }, { a: 5 }, true],
  ["number list", { a: [{ "anything-but": [1, 2] }] }, { a: 3 }, true],
  ["number list by value", '{"a":[{"anything-but":[100]}]}', JSON.parse('{"a":100.0}'), false],
  ["string matches a number list", { a: [{ "anything-but": [1] }] }, { a: "1" }, true],
  ["array: some element not excluded", { a: [{ "anything-but": ["x"] }] }, { a: ["x", "y"] }, true],
  ["array: all excluded", { a: [{ "anything-but": ["x", "y"] }] }, { a: ["x", "y"] }, false],
  ["object-valued field", { a: [{ "anything-but": "x" }] }, { a: { b: 1 } }, false],
  ["prefix", { a: [{ "anything-but": { prefix: "init" } }] }, { a: "running" }, true],
  ["prefix excluded", { a: [{ "anything-but": { prefix: "init" } }] }, { a: "initializing" }, false],
  ["prefix list", { a: [{ "anything-but": { prefix: ["a", "b"] } }] }, { a: "bee" }, false],
  ["prefix matches a number", { a: [{ "anything-but": { prefix: "1" } }] }, { a: 12 }, true],
  ["suffix", { a: [{ "anything-but": { suffix: ".png" } }] }, { a: "a.jpg" }, true],
  ["suffix excluded", { a: [{ "anything-but": { suffix: ".png" } }] }, { a: "a.png" }, false],
  ["ignore case", { a: [{ "anything-but": { "equals-ignore-case": "x" } }] }, { a: "X" }, false],
  ["ignore case list", { a: [{ "anything-but": { "equals-ignore-case": ["x", "y"] } }] }, { a: "Z" }, true],
  ["wildcard", { a: [{ "anything-but": { wildcard: "*/lib/*" } }] }, { a: "/usr/lib/x" }, false],
  ["wildcard other", { a: [{ "anything-but": { wildcard: "*/lib/*" } }] }, { a: "/usr/bin/x" }, true],
  ["wildcard empty string", { a: [{ "anything-but": { wildcard: "" } }] }, { a: "" }, false],
  ["or-ed with exists:false", { a: [{ "anything-but": ["x"] }, { exists: false }] }, {}, true],
]);

table("numeric", [
  ["range", { a: [{ numeric: [">", 0, "<=", 5] }] }, { a: 5 }, true],
  ["range open bottom", { a: [{ numeric: [">", 0, "<=", 5] }] }, { a: 0 }, false],
  ["range above", { a: [{ numeric: [">", 0, "<=", 5] }] }, { a: 5.0001 }, false],
  ["equals", { a: [{ numeric: ["=", 301.8] }] }, { a: 301.8 }, true],
  ["less than", { a: [{ numeric: ["<", 10] }] }, { a: -1e9 }, true],
  [">= inclusive", { a: [{ numeric: [">=", 10] }] }, { a: 10 }, true],
  ["never matches strings", { a: [{ numeric: [">", 0] }] }, { a: "300" }, false],
  ["never matches null", { a: [{ numeric: [">", 0] }] }, { a: null }, false],
  ["arrays: any element", { a: [{ numeric: [">", 10] }] }, { a: [1, 20] }, true],
  ["large values", { a: [{ numeric: [">", 5e9] }] }, { a: 6e9 }, true],
]);

table("cidr", [
  ["ipv4 inside", { a: [{ cidr: "10.0.0.0/24" }] }, { a: "10.0.0.255" }, true],
  ["ipv4 network address", { a: [{ cidr: "10.0.0.0/24" }] }, { a: "10.0.0.0" }, true],
  ["ipv4 outside", { a: [{ cidr: "10.0.0.0/24" }] }, { a: "10.0.1.0" }, false],
  ["base is masked", { a: [{ cidr: "10.0.0.7/24" }] }, { a: "10.0.0.1" }, true],
  ["ipv6 inside", { a: [{ cidr: "2001:db8:1234:1a00::/64" }] }, { a: "2001:db8:1234:1a00::1" }, true],
  [
    "ipv6 full form",
    { a: [{ cidr: "2001:db8::/32" }] },
    { a: "2001:0db8:0000:0000:0000:0000:0000:0001" },
    true,
  ],
  ["ipv6 outside", { a: [{ cidr: "2001:db8:1234:1a00::/64" }] }, { a: "2001:db8:1234:1a01::1" }, false],
  ["not an ip", { a: [{ cidr: "10.0.0.0/8" }] }, { a: "10.0.0.x" }, false],
  ["a number", { a: [{ cidr: "10.0.0.0/8" }] }, { a: 10 }, false],
  ["v4 pattern, v6 value", { a: [{ cidr: "0.0.0.0/0" }] }, { a: "::1" }, false],
]);

table("exists", [
  ["true on a value", { a: [{ exists: true }] }, { a: "x" }, true],
  ["true on empty string, 0, false, null", { a: [{ exists: true }] }, { a: ["", 0, false, null] }, true],
  ["true on null", { a: [{ exists: true }] }, { a: null }, true],
  ["true on missing", { a: [{ exists: true }] }, {}, false],
  ["true on an object (leaf only)", { a: [{ exists: true }] }, { a: { b: 1 } }, false],
  ["false on missing", { a: [{ exists: false }] }, {}, true],
  ["false on a value", { a: [{ exists: false }] }, { a: 1 }, false],
  ["false when the parent is missing", { a: { b: [{ exists: false }] } }, { c: 1 }, true],
  ["false when the parent is a scalar", { a: { b: [{ exists: false }] } }, { a: 1 }, true],
  ["false on an object-valued field", { a: [{ exists: false }] }, { a: { b: 1 } }, true],
]);

table("wildcard", [
  ["star in the middle", { a: [{ wildcard: "dir/*.png" }] }, { a: "dir/a/b.png" }, true],
  ["star matches empty", { a: [{ wildcard: "dir/*.png" }] }, { a: "dir/.png" }, true],
  ["anchored end", { a: [{ wildcard: "dir/*.png" }] }, { a: "dir/a.png.bak" }, false],
  ["anchored start", { a: [{ wildcard: "dir/*.png" }] }, { a: "x/dir/a.png" }, false],
  ["escaped star is literal", { a: [{ wildcard: "a\\*b" }] }, { a: "a*b" }, true],
  ["escaped star not a wildcard", { a: [{ wildcard: "a\\*b" }] }, { a: "axxb" }, false],
  ["escaped backslash", { a: [{ wildcard: "a\\\\b" }] }, { a: "a\\b" }, true],
  ["empty matches only empty", { a: [{ wildcard: "" }] }, { a: "x" }, false],
  ["empty matches empty", { a: [{ wildcard: "" }] }, { a: "" }, true],
  ["not numbers", { a: [{ wildcard: "1*" }] }, { a: 12 }, false],
  ["overlapping segments", { a: [{ wildcard: "*ab*ab" }] }, { a: "abab" }, true],
  ["segments must not overlap", { a: [{ wildcard: "aba*aba" }] }, { a: "ababa" }, false],
]);

table("$or", [
  ["either branch", { $or: [{ a: ["1"] }, { b: ["2"] }] }, { b: "2" }, true],
  ["no branch", { $or: [{ a: ["1"] }, { b: ["2"] }] }, { a: "2" }, false],
  ["ANDed with siblings", { c: ["3"], $or: [{ a: ["1"] }, { b: ["2"] }] }, { a: "1", c: "4" }, false],
  [
    "nested",
    { detail: { $or: [{ x: [1] }, { $or: [{ y: [2] }, { z: [3] }] }] } },
    { detail: { z: 3 } },
    true,
  ],
  ["two groups", { $or: [{ a: [1] }, { b: [1] }], "$or ": ["x"] }, { b: 1, "$or ": "x" }, true],
  ["one-element $or is a field name", { $or: ["x"] }, { $or: "x" }, true],
  [
    "$or branch with operator keys is a field",
    { $or: [{ prefix: "a" }, { prefix: "b" }] },
    { $or: "bc" },
    true,
  ],
  ["exists:false branch", { $or: [{ a: [{ exists: false }] }, { a: ["x"] }] }, {}, true],
]);

table("prototype-named keys in dotted events", [
  ["__proto__ head stays a field", '{"__proto__":{"x":["1"]}}', JSON.parse('{"__proto__.x":"1"}'), true],
  ["__proto__ head, other value", '{"__proto__":{"x":["1"]}}', JSON.parse('{"__proto__.x":"2"}'), false],
  ["__proto__ nested", '{"__proto__":{"x":["1"]}}', JSON.parse('{"__proto__":{"x":"1"}}'), true],
  ["__proto__ missing", '{"__proto__":{"x":["1"]}}', {}, false],
  ["constructor head", { constructor: { x: ["1"] } }, { "constructor.x": "1" }, true],
]);

table("exists:false under arrays of objects (event-ruler array membership)", [
  ["absent from every element", { e: { ids: [{ exists: false }] } }, { e: [{ x: 1 }, { y: 2 }] }, true],
  [
    "present in one element, nothing pins an element",
    { e: { ids: [{ exists: false }] } },
    { e: [{ ids: 1 }, { x: 1 }] },
    false,
  ],
  [
    "a positive field pins the element",
    { e: { f: ["Bob"], ids: [{ exists: false }] } },
    { e: [{ f: "Anna", ids: 1 }, { f: "Bob" }] },
    true,
  ],
  [
    "nested arrays",
    { e: { g: { ids: [{ exists: false }] } } },
    { e: [{ g: [{ x: 1 }] }, { g: [{ ids: 1 }] }] },
    false,
  ],
  ["empty array of objects", { e: { ids: [{ exists: false }] } }, { e: [] }, true],
  ["scalar elements have no fields", { e: { ids: [{ exists: false }] } }, { e: [1, 2] }, true],
]);

table("exact IP literals (event-ruler compares them as addresses)", [
  ["same text", { ip: ["10.0.0.1"] }, { ip: "10.0.0.1" }, true],
  ["ipv6 other case", { ip: ["2001:db8::1"] }, { ip: "2001:DB8::1" }, true],
  ["ipv6 full form", { ip: ["2001:db8::1"] }, { ip: "2001:0db8:0:0:0:0:0:1" }, true],
  ["other address", { ip: ["10.0.0.1"] }, { ip: "10.0.0.2" }, false],
  ["time-like strings stay exact", { t: ["12:30"] }, { t: "12:30" }, true],
]);
