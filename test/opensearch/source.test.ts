/**
 * The `opensearch` source against real engines (3.8.0 on Temurin 25, 2.19.6 on Java 17): what
 * only a real engine can settle — PIT paging to the end on ties, slices merged, `search_after`
 * after a lost PIT, resume from a cursor, a shard failure, pushdown that only narrows.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import {
  OPENSEARCH_HOOK_TIMEOUT_MS,
  OPENSEARCH_VERSIONS,
  type OpenSearchNode,
  openSearchNode,
  osRequest,
  uniqueIndexName,
  warmUpOpenSearch,
} from "../services/opensearch.ts";
import {
  EVENT_MAPPINGS,
  expectedOrder,
  positions,
  readBatches,
  seedIndex,
  sourceFor,
  testHost,
  tiedEvents,
} from "./support.ts";

// Both versions start together: their start-ups overlap.
warmUpOpenSearch();

describe.each(OPENSEARCH_VERSIONS)("opensearch source on %s", (version) => {
  let node: OpenSearchNode;
  /** 2,503 events in ties of 7 on `time`, on 3 shards: the shared read-only corpus. */
  let corpus: string;
  const events = tiedEvents(2503, 7);
  const order = expectedOrder(events);

  beforeAll(async () => {
    node = await openSearchNode(version);
    corpus = uniqueIndexName(`src-${version}`);
    await seedIndex(
      node.url,
      corpus,
      events.map((e) => ({ _id: e.id, doc: e })),
      { mappings: EVENT_MAPPINGS, shards: 3 },
    );
  }, OPENSEARCH_HOOK_TIMEOUT_MS);

  const ids = (list: string[]) => list.map((p) => p.slice(p.indexOf("/") + 1));

  test("PIT + search_after reads every document once, in (time, id) order, to the end through ties and a short last page", async () => {
    const source = sourceFor({ url: node.url, index: corpus, pageSize: 100 });
    const batches = await readBatches(source);
    expect(ids(positions(batches))).toEqual(order);
    expect(batches.length).toBe(26); // 25 full pages and a short one; the empty page ends it
    // The record is the _source text unchanged, and the cursor is the last sort values.
    const first = batches[0]!.records[0]!;
    expect(JSON.parse(first.text!)).toEqual(events.find((e) => e.id === order[0]));
    expect(first.value).toEqual(JSON.parse(first.text!));
    expect(batches[0]!.cursor).toMatchObject({
      v: 1,
      slices: 1,
      after: [expect.stringContaining(order[99]!)],
    });
    // The PIT was closed.
    const pits = await osRequest<{ pits: unknown[] }>(node.url, "GET", "/_search/point_in_time/_all");
    expect(pits.body.pits ?? []).toEqual([]);
  });

  test("4 slices merged on the sort values give exactly the single-stream order", async () => {
    const source = sourceFor({ url: node.url, index: corpus, pageSize: 128, slices: 4 });
    const batches = await readBatches(source);
    expect(ids(positions(batches))).toEqual(order);
    const cursor = batches.at(-1)!.cursor as { after: Array<string | null> };
    expect(cursor.after.length).toBe(4);
    expect(cursor.after.every((a) => a !== null)).toBe(true);
  });

  test("--shard i/N: each shard reads one slice; together they read everything once, each in order", async () => {
    const parts: string[][] = [];
    for (let index = 0; index < 3; index++) {
      const source = sourceFor({ url: node.url, index: corpus, pageSize: 300 });
      parts.push(ids(positions(await readBatches(source, { shard: { index, count: 3 } }))));
    }
    for (const part of parts) expect(part).toEqual(order.filter((id) => part.includes(id)));
    expect(parts.flat().sort()).toEqual([...order].sort());
  });

  test("a lost PIT (deleted mid-read) is reopened and the read continues from the last sort values", async () => {
    const log: string[] = [];
    const source = sourceFor({ url: node.url, index: corpus, pageSize: 200, slices: 2 }, testHost({ log }));
    const ctx = { signal: new AbortController().signal };
    await source.open(ctx);
    const read: string[] = [];
    let n = 0;
    for await (const batch of source.batches(ctx)) {
      read.push(...batch.records.map((r) => r.position));
      if (++n === 3) {
        const deleted = await osRequest<{ pits: Array<{ successful: boolean }> }>(
          node.url,
          "DELETE",
          "/_search/point_in_time/_all",
        );
        expect(deleted.body.pits.length).toBeGreaterThan(0);
      }
    }
    await source.close();
    expect(ids(read)).toEqual(order);
    expect(log.join("")).toContain("was lost");
  });

  test("resumeFrom a batch's cursor yields exactly the records after that batch (one stream and slices)", async () => {
    for (const slices of [1, 3]) {
      const full = ids(
        positions(await readBatches(sourceFor({ url: node.url, index: corpus, pageSize: 150, slices }))),
      );
      const first = sourceFor({ url: node.url, index: corpus, pageSize: 150, slices });
      const ctx = { signal: new AbortController().signal };
      await first.open(ctx);
      const before: string[] = [];
      let cursor: unknown;
      let n = 0;
      for await (const batch of first.batches(ctx)) {
        before.push(...batch.records.map((r) => r.position));
        cursor = batch.cursor;
        if (++n === 4) break; // the generator's finally closes the PIT
      }
      await first.close();
      // Stopped early with a page still being prefetched: that page must not reopen the PIT.
      await Bun.sleep(300);
      const open = await osRequest<{ pits?: unknown[] }>(node.url, "GET", "/_search/point_in_time/_all");
      expect(open.body.pits ?? []).toEqual([]);
      // The cursor survives a JSON round trip (it is stored as JSON).
      const resumeFrom = JSON.parse(JSON.stringify(cursor));
      const rest = positions(
        await readBatches(sourceFor({ url: node.url, index: corpus, pageSize: 150, slices }), { resumeFrom }),
      );
      expect([...ids(before), ...ids(rest)]).toEqual(full);
      expect(full).toEqual(order);
    }
  });

  test("a resume cursor of another slice count is refused", async () => {
    const resumeFrom = { v: 1, asOf: "2024-01-01T00:00:00Z", slices: 2, after: [null, null] };
    await expect(readBatches(sourceFor({ url: node.url, index: corpus }), { resumeFrom })).rejects.toThrow(
      /same slices/,
    );
  });

  test("a sort that is not total is an error naming the field", async () => {
    const source = sourceFor({ url: node.url, index: corpus, tiebreakField: "source" });
    await expect(readBatches(source)).rejects.toThrow(/not total.*tiebreakField|tiebreakField.*not total/);
  });

  test("a tiebreak that cannot be sorted on is an error; a text field is read through its .keyword subfield", async () => {
    const index = uniqueIndexName(`dyn-${version}`);
    // Dynamic mapping: strings become text with a `.keyword` subfield.
    await seedIndex(
      node.url,
      index,
      events.slice(0, 300).map((e) => ({ _id: e.id, doc: e })),
    );
    const batches = await readBatches(sourceFor({ url: node.url, index, pageSize: 64 }));
    expect(ids(positions(batches))).toEqual(expectedOrder(events.slice(0, 300)));
    await osRequest(node.url, "PUT", `/${index}-text`, {
      mappings: { properties: { id: { type: "text" }, time: { type: "date" } } },
    });
    await expect(readBatches(sourceFor({ url: node.url, index: `${index}-text` }))).rejects.toThrow(
      /cannot be sorted on/,
    );
  });

  test("since/until (options and pushdown) become a range on the time field", async () => {
    const since = "2024-01-01T00:01:00Z";
    const until = "2024-01-01T00:02:00Z";
    const expected = order.filter((id) => {
      const t = events.find((e) => e.id === id)!.time;
      return t >= "2024-01-01T00:01:00.000Z" && t < "2024-01-01T00:02:00.000Z";
    });
    expect(expected.length).toBe(60 * 7);
    const viaPushdown = await readBatches(sourceFor({ url: node.url, index: corpus }), {
      pushdown: { since, until },
    });
    expect(ids(positions(viaPushdown))).toEqual(expected);
    const viaOptions = await readBatches(sourceFor({ url: node.url, index: corpus, since, until }));
    expect(ids(positions(viaOptions))).toEqual(expected);
  });

  test("pattern pushdown only narrows: the matched events are identical with and without it", async () => {
    const host = testHost();
    const patterns: unknown[] = [
      { source: ["shop.orders"], "detail-type": ["OrderUpdated"] },
      { source: ["shop.payments", "shop.stock"], detail: { orderId: ["o-3", "o-4"] } },
      { source: [{ prefix: "shop." }], "detail-type": ["OrderCreated"] },
      { "detail-type": ["OrderUpdated", 5] },
      { $or: [{ source: ["shop.orders"] }, { "detail-type": ["OrderCreated"] }] },
    ];
    const dynamicIndex = uniqueIndexName(`push-${version}`);
    await seedIndex(
      node.url,
      dynamicIndex,
      events.map((e) => ({ _id: e.id, doc: e })),
    );
    for (const index of [corpus, dynamicIndex]) {
      for (const pattern of patterns) {
        const matches = host.matcher(pattern);
        const ctx = { pushdown: { pattern, literals: [["x"]] } };
        const pushed = sourceFor({ url: node.url, index });
        const withPushdown = (await readBatches(pushed, ctx)).flatMap((b) =>
          b.records.filter((r) => matches(r.value)),
        );
        const without = (
          await readBatches(sourceFor({ url: node.url, index, pushdown: false }), ctx)
        ).flatMap((b) => b.records.filter((r) => matches(r.value)));
        expect(withPushdown.map((r) => r.position)).toEqual(without.map((r) => r.position));
        expect(without.length).toBeGreaterThan(0);
        if (index === corpus && pattern === patterns[0]) {
          expect(pushed.pushedDown.map((t) => t.field).sort()).toEqual(["detail-type", "source"]);
        }
        if (index === dynamicIndex && pattern === patterns[0]) {
          // Dynamic mapping: through the keyword subfields.
          expect(pushed.pushedDown.map((t) => t.field).sort()).toEqual([
            "detail-type.keyword",
            "source.keyword",
          ]);
        }
      }
    }
    // Without literals in the pushdown (the record is not the event: an envelope mapping), nothing is pushed.
    const unsure = sourceFor({ url: node.url, index: corpus });
    await readBatches(unsure, { pushdown: { pattern: patterns[0] } });
    expect(unsure.pushedDown).toEqual([]);
  });

  test("a shard failure is an error after the page's retries, never a silent gap", async () => {
    const numeric = uniqueIndexName(`shardfail-a-${version}`);
    const keyword = `${numeric}-b`;
    await seedIndex(node.url, numeric, [{ _id: "1", doc: { id: "1", time: "2024-01-01T00:00:00Z", n: 1 } }], {
      mappings: { properties: { id: { type: "keyword" }, time: { type: "date" }, n: { type: "long" } } },
    });
    await seedIndex(
      node.url,
      keyword,
      [{ _id: "2", doc: { id: "2", time: "2024-01-01T00:00:00Z", n: "abc" } }],
      {
        mappings: { properties: { id: { type: "keyword" }, time: { type: "date" }, n: { type: "keyword" } } },
      },
    );
    const log: string[] = [];
    // `term n: abc` fails on the long-mapped index's shard and succeeds on the other: HTTP 200, _shards.failed 1.
    const source = sourceFor(
      { url: node.url, index: `${numeric},${keyword}`, query: { term: { n: "abc" } }, pageAttempts: 2 },
      testHost({ log }),
    );
    await expect(readBatches(source)).rejects.toThrow(/shard\(s\) failed/);
    expect(log.join("")).toContain("retrying it");
  });

  test("a dry run counts the selection with _count", async () => {
    const log: string[] = [];
    const source = sourceFor(
      { url: node.url, index: corpus, query: { term: { source: "shop.orders" } } },
      testHost({ log, dryRun: true }),
    );
    await source.open({ signal: new AbortController().signal });
    await source.close();
    expect(log.join("")).toContain(`${events.filter((e) => e.source === "shop.orders").length} document(s)`);
  });

  test("a missing index is a clear error", async () => {
    await expect(readBatches(sourceFor({ url: node.url, index: "no-such-index-anywhere" }))).rejects.toThrow(
      /no index matches "no-such-index-anywhere"/,
    );
  });
});
