/**
 * Unit tests of the pure parts of the `opensearch` plugins (no server): raw JSON extraction,
 * sort-value order, pushdown candidates and keyword checks, collapse, request cutting, URIs.
 * The real-engine tests are in test/opensearch/.
 */
import { describe, expect, test } from "bun:test";
import { actionLines, type BulkAction, chunkRequests, collapseActions } from "./bulk-actions.ts";
import { parseOpenSearchUri } from "./connection.ts";
import { rawAt, rawHits, simplePathSegments, splitSearch } from "./raw-json.ts";
import { keywordFieldFor, pushdownCandidates, selectionQuery } from "./selection-query.ts";
import { compareSortTuples, parseSortValues } from "./sort-values.ts";

describe("raw JSON", () => {
  test("rawHits returns each hit's _source and sort text exactly, longs and escapes intact", () => {
    const response =
      '{"took":1,"hits":{"max_score":null,"hits":[' +
      '{"_index":"a","_id":"1","_source":{"n":12345678901234567891,"s":"x\\"}y","o":{"a":[1,{"b":"]"}]}},"sort":[9223372036854775807,"k\\u00e9"]},' +
      '{"_index":"a","_id":"2","_source" : { "pretty" : true } ,"sort":[1,"b"]}]},"pit_id":"p"}';
    expect(rawHits(response)).toEqual([
      {
        source: '{"n":12345678901234567891,"s":"x\\"}y","o":{"a":[1,{"b":"]"}]}}',
        sort: '[9223372036854775807,"k\\u00e9"]',
      },
      { source: '{ "pretty" : true }', sort: '[1,"b"]' },
    ]);
    expect(rawHits('{"hits":{"hits":[]}}')).toEqual([]);
  });

  test("splitSearch gives the same exact texts on its fast path and on the scan it falls back to", () => {
    const compact =
      '{"pit_id":"p","_shards":{"failed":0},"hits":{"hits":[{"_index":"a","_id":"1","_score":null,"_source":{"s":"x","n":1},"sort":[1,"1"]},' +
      '{"_index":"a","_id":"2\\"_source\\":","_score":null,"_source":{"t":"_source\\":"},"sort":[2,"2"]}]}}';
    const fast = splitSearch(compact);
    expect(fast.meta).toEqual({ pit_id: "p", _shards: { failed: 0 } });
    expect(fast.hits.map((h) => [h.id, h.source, h.sort])).toEqual([
      ["1", '{"s":"x","n":1}', '[1,"1"]'],
      ['2"_source":', '{"t":"_source\\":"}', '[2,"2"]'],
    ]);
    // A long beyond 2^53, a pretty-printed source and a \u escape: re-serialising differs, the scan is used.
    const odd =
      '{"hits":{"hits":[{"_index":"a","_id":"1","_source":{ "n" : 12345678901234567891 },"sort":[9223372036854775807,"1"]},' +
      '{"_index":"a","_id":"2","_source":{"e":"\\u00e9"},"sort":[3,"2"]}]}}';
    const slow = splitSearch(odd);
    expect(slow.hits.map((h) => [h.source, h.sort])).toEqual([
      ['{ "n" : 12345678901234567891 }', '[9223372036854775807,"1"]'],
      ['{"e":"\\u00e9"}', '[3,"2"]'],
    ]);
    expect(slow.hits[1]!.value).toEqual({ e: "é" });
  });

  test("rawAt finds a value's text by path; simplePathSegments parses the common JSON paths", () => {
    const text = '{"detail":{"version":9007199254740993,"items":[{"v":1},{"v":"two"}]},"detail-type":"X"}';
    expect(rawAt(text, ["detail", "version"])).toBe("9007199254740993");
    expect(rawAt(text, ["detail", "items", 1, "v"])).toBe('"two"');
    expect(rawAt(text, ["detail", "missing"])).toBeUndefined();
    expect(simplePathSegments("$.detail.version")).toEqual(["detail", "version"]);
    expect(simplePathSegments("detail.items[1].v")).toEqual(["detail", "items", 1, "v"]);
    expect(simplePathSegments("$['detail-type']")).toEqual(["detail-type"]);
    expect(simplePathSegments("$..version")).toBeUndefined();
  });
});

describe("sort values", () => {
  test("longs beyond 2^53 stay exact and compare exactly", () => {
    const a = parseSortValues('[9007199254740993,"x"]');
    const b = parseSortValues('[9007199254740992,"x"]');
    expect(a[0]).toBe(9007199254740993n);
    expect(compareSortTuples(b, a)).toBeLessThan(0);
    expect(compareSortTuples(a, a)).toBe(0);
  });

  test("keywords compare by UTF-8 bytes (Lucene's order), missing values last", () => {
    // U+FF5E (3 UTF-8 bytes, EF BD 9E) sorts before U+1F600 (4 bytes, F0 ...) in UTF-8, after it in UTF-16.
    expect(compareSortTuples(["\uff5e"], ["\u{1f600}"])).toBeLessThan(0);
    expect(compareSortTuples(["a"], ["b"])).toBeLessThan(0);
    expect(compareSortTuples([null], ["z"])).toBeGreaterThan(0);
    expect(compareSortTuples([1, "b"], [1, "a"])).toBeGreaterThan(0);
  });
});

describe("pattern pushdown", () => {
  test("only exact string lists of plain fields are candidates", () => {
    expect(
      pushdownCandidates({
        source: ["a", "b"],
        "detail-type": [{ prefix: "Order" }],
        detail: { status: ["paid"], amount: [{ numeric: [">", 1] }], flag: [true] },
        account: ["1", null],
      }),
    ).toEqual([
      { field: "source", values: ["a", "b"] },
      { field: "detail.status", values: ["paid"] },
    ]);
    expect(pushdownCandidates({ $or: [{ source: ["a"] }] })).toEqual([]);
    expect(pushdownCandidates(undefined)).toEqual([]);
  });

  test("a candidate goes to a keyword field, or its .keyword subfield when ignore_above admits every value", () => {
    const c = { field: "source", values: ["short", "x".repeat(300)] };
    expect(keywordFieldFor(c, [{ source: { type: "keyword" } }])).toBe("source");
    expect(
      keywordFieldFor(c, [
        { source: { type: "text" }, "source.keyword": { type: "keyword", ignore_above: 256 } },
      ]),
    ).toBeUndefined();
    expect(
      keywordFieldFor({ field: "source", values: ["ok"] }, [
        { source: { type: "text" }, "source.keyword": { type: "keyword", ignore_above: 256 } },
      ]),
    ).toBe("source.keyword");
    // Keyword in one index, text in another: not sound.
    expect(
      keywordFieldFor({ field: "s", values: ["v"] }, [{ s: { type: "keyword" } }, { s: { type: "text" } }]),
    ).toBeUndefined();
  });

  test("the query ANDs the tightest time range, the DSL query and the terms", () => {
    expect(selectionQuery({ timeField: "time" })).toEqual({ match_all: {} });
    expect(
      selectionQuery({
        timeField: "t",
        since: ["2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z"],
        until: ["2024-03-01T00:00:00Z"],
        query: { term: { a: 1 } },
        terms: [{ field: "source", values: ["x"] }],
      }),
    ).toEqual({
      bool: {
        filter: [
          { range: { t: { gte: "2024-02-01T00:00:00Z", lt: "2024-03-01T00:00:00Z" } } },
          { term: { a: 1 } },
          { terms: { source: ["x"] } },
        ],
      },
    });
  });
});

describe("bulk actions", () => {
  const index = (id: string, n: number, version?: string): BulkAction => ({
    kind: "index",
    id,
    document: `{"n":${n}}`,
    ...(version ? { version } : {}),
  });

  test("collapse keeps the last action per id, or the highest version under a guard, and settles every index", () => {
    const plain = collapseActions([
      { index: 0, action: index("a", 0) },
      { index: 1, action: index("b", 1) },
      { index: 2, action: index("a", 2) },
    ]);
    expect(plain.map((c) => [c.action.document, c.indexes])).toEqual([
      ['{"n":2}', [0, 2]],
      ['{"n":1}', [1]],
    ]);
    const guarded = collapseActions([
      { index: 0, action: index("a", 0, "9007199254740993") },
      { index: 1, action: index("a", 1, "9007199254740992") },
      { index: 2, action: index("a", 2, "9007199254740993") },
    ]);
    expect(guarded.map((c) => [c.action.document, c.indexes])).toEqual([['{"n":2}', [1, 0, 2]]]);
  });

  test("action lines carry the version as text; requests are cut by items and bytes", () => {
    expect(actionLines("i", { ...index("a", 1, "9007199254740993"), routing: "r" })).toBe(
      '{"index":{"_index":"i","_id":"a","routing":"r","version":9007199254740993,"version_type":"external_gte"}}\n{"n":1}\n',
    );
    expect(actionLines("i", { kind: "delete", id: "a" })).toBe('{"delete":{"_index":"i","_id":"a"}}\n');
    expect(actionLines("i", { kind: "index", id: "p", document: '{\n  "pretty": 1\n}' })).toBe(
      '{"index":{"_index":"i","_id":"p"}}\n{"pretty":1}\n',
    );
    const actions = collapseActions(
      Array.from({ length: 10 }, (_, i) => ({ index: i, action: index(`id${i}`, i) })),
    );
    expect(chunkRequests("i", actions, 4, 1 << 20).map((c) => c.actions.length)).toEqual([4, 4, 2]);
    const oneLine = actionLines("i", actions[0]!.action).length;
    expect(chunkRequests("i", actions, 100, oneLine * 3).map((c) => c.actions.length)).toEqual([3, 3, 3, 1]);
    // Multi-byte text: cut on UTF-8 bytes, never over the limit.
    const wide = collapseActions(
      Array.from({ length: 7 }, (_, i) => ({
        index: i,
        action: { kind: "index" as const, id: `w${i}`, document: `{"t":"${"日".repeat(100)}"}` },
      })),
    );
    const wideBytes = Buffer.byteLength(actionLines("i", wide[0]!.action));
    const cut = chunkRequests("i", wide, 100, wideBytes * 2);
    expect(cut.map((c) => c.actions.length)).toEqual([2, 2, 2, 1]);
    for (const c of cut) expect(Buffer.byteLength(c.body)).toBeLessThanOrEqual(wideBytes * 2);
  });
});

test("URIs: an index, or a cluster URL with the index as its path", () => {
  expect(parseOpenSearchUri("events-*", "index")).toEqual({ index: "events-*" });
  expect(parseOpenSearchUri("https://u:p@search.example.com:9200/orders", "index")).toEqual({
    url: "https://u:p@search.example.com:9200",
    index: "orders",
  });
  expect(() => parseOpenSearchUri("", "index")).toThrow(/give an index/);
  expect(() => parseOpenSearchUri("http://h:9200/", "index")).toThrow(/give one index/);
});
