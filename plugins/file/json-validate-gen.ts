/**
 * Random JSON lines for the event validator's tests (json-validate.test.ts,
 * batch-builder.test.ts): plain EventBridge events written token by token with random
 * whitespace and escapes, and odd lines (events with a twist, non-events, mutated texts).
 */

/** The project's seeded PRNG, under the name these tests use. */
export { seededRandom as mulberry32 } from "../../src/sdk/testing/random.ts";

/** Random JSON texts, written token by token with random whitespace and escapes. */
export class Gen {
  constructor(readonly random: () => number) {}
  int(n: number) {
    return Math.floor(this.random() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  ws(): string {
    if (this.random() < 0.8) return "";
    let s = "";
    for (let k = 1 + this.int(3); k > 0; k--) s += this.pick([" ", "\t", "\r"]);
    return s;
  }
  stringBody(): string {
    let s = "";
    for (let k = this.int(12); k > 0; k--) {
      const r = this.random();
      if (r < 0.5) s += this.pick(["a", "b", "Z", "0", " ", "-", ":", ",", "{", "]", "'", "/", "\u007f"]);
      else if (r < 0.6) s += this.pick(["é", "日本", "😀", "\u2028", "\u00a0"]);
      else if (r < 0.8) s += this.pick(['\\"', "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"]);
      else {
        const hex = this.int(0x10000).toString(16).padStart(4, "0");
        s += `\\u${this.random() < 0.5 ? hex : hex.toUpperCase()}`;
      }
      if (this.random() < 0.05) s += "x".repeat(this.int(40));
    }
    return s;
  }
  string(): string {
    return `"${this.stringBody()}"`;
  }
  number(): string {
    let s = this.random() < 0.3 ? "-" : "";
    s += this.random() < 0.2 ? "0" : String(1 + this.int(9)) + "0123456789".slice(0, this.int(6));
    if (this.random() < 0.3) s += "." + String(this.int(100000));
    if (this.random() < 0.2) s += this.pick(["e", "E"]) + this.pick(["", "+", "-"]) + String(this.int(400));
    return s;
  }
  value(depth: number): string {
    const r = this.random();
    if (depth > 5 || r < 0.3) return this.string();
    if (r < 0.5) return this.number();
    if (r < 0.6) return this.pick(["true", "false", "null"]);
    if (r < 0.8) {
      const items: string[] = [];
      for (let k = this.int(4); k > 0; k--) items.push(this.ws() + this.value(depth + 1) + this.ws());
      return `[${items.join(",")}${items.length === 0 ? this.ws() : ""}]`;
    }
    return this.object(depth + 1, []);
  }
  /** `plainKeys`: the added keys hold no backslash (a top-level one would be "don't know"). */
  object(depth: number, fixed: Array<[string, string]>, plainKeys = false): string {
    const members: Array<[string, string]> = [...fixed];
    for (let k = this.int(5); k > 0; k--) {
      const key = plainKeys
        ? `"${this.pick(["id", "time", "é", "", "source2", "detail-typ", "sourc"])}"`
        : this.string();
      members.push([key, this.value(depth + 1)]);
    }
    for (let k = members.length - 1; k > 0; k--) {
      const j = this.int(k + 1);
      [members[k], members[j]] = [members[j]!, members[k]!];
    }
    const body = members.map(([k, v]) => `${this.ws()}${k}${this.ws()}:${this.ws()}${v}${this.ws()}`);
    return `{${body.join(",")}${members.length === 0 ? this.ws() : ""}}`;
  }
  /** A plain event: the three keys once, unescaped, other top-level keys without backslashes. */
  event(): string {
    const fixed: Array<[string, string]> = [
      ['"source"', this.string()],
      ['"detail-type"', this.string()],
      ['"detail"', this.value(1)],
    ];
    return this.ws() + this.object(0, fixed, true) + this.ws();
  }
  /** Something odd: an event with a twist, a non-event, or a mutated text. */
  odd(base: string): string {
    const r = this.random();
    if (r < 0.4) return this.mutate(base);
    if (r < 0.5) return this.value(0);
    if (r < 0.6) {
      const twists: Array<[string, string]> = [
        ['"source"', this.value(1)],
        ['"detail-type"', this.value(1)],
        [this.pick(['"sour\\u0063e"', '"detail\\u002dtype"', '"detai\\u006c"', '"source"']), this.string()],
        [
          this.pick(['"detail"', '"source"', '"detail-type"', '"Source"', '"detail "', '"detail-typ"']),
          this.value(1),
        ],
      ];
      const fixed = [
        ['"source"', this.string()],
        ['"detail-type"', this.string()],
        ['"detail"', this.value(1)],
      ] as Array<[string, string]>;
      fixed.splice(this.int(3), this.int(2));
      return this.object(0, [...fixed, ...twists.filter(() => this.random() < 0.4)]);
    }
    if (r < 0.7) {
      const depth = 100 + this.int(60);
      const open = this.pick(["[", '{"a":']);
      const close = open === "[" ? "]" : "}";
      return `{"source":"s","detail-type":"t","detail":${open.repeat(depth)}1${close.repeat(depth)}}`;
    }
    return this.mutate(this.mutate(base));
  }
  mutate(text: string): string {
    const at = this.int(text.length + 1);
    const r = this.random();
    const junk = this.pick([
      '"',
      "\\",
      ",",
      "{",
      "}",
      "[",
      "]",
      ":",
      "0",
      "1",
      ".",
      "e",
      "E",
      "-",
      "+",
      " ",
      "\t",
      "\r",
      "\u0000",
      "\u0001",
      "\u001f",
      "x",
      "t",
      "n",
      "f",
      "é",
      "\u2028",
      "\ufeff",
      "\\u",
      "\\x",
      "\\u12",
      "01",
      "1.",
      ".5",
      "1e",
      "-",
      "+1",
      "tru",
      "nul",
      "falsy",
      "{}",
      "[]",
      "NaN",
      "Infinity",
      "0x1",
    ]);
    if (r < 0.25) return text.slice(0, at);
    if (r < 0.5) return text.slice(0, at) + junk + text.slice(at + 1);
    if (r < 0.75) return text.slice(0, at) + junk + text.slice(at);
    if (r < 0.85) return text.slice(0, at) + text.slice(at + 1 + this.int(3));
    if (r < 0.95) return text + this.pick([" 1", "}", "]", ",", " {}", "x", '"', text]);
    return this.pick(["", " ", "[", "{", "1", '"s"', "null", "[{}]"]) + text;
  }
}
