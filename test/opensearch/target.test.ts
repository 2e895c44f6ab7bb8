/**
 * The `opensearch` target against real engines (3.8.0 and 2.19.6): last-write-wins per id in a
 * batch, the version guard's 409 as skipped, versions beyond 2^53, deletes and tombstones,
 * per-item 4xx reasons, refresh visibility under the bulk-load mode, check/plan that never
 * write, alias swap, abort.
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
import { documents, envelope, event, storedVersion, targetFor, testHost } from "./support.ts";

// Both versions start together: their start-ups overlap.
warmUpOpenSearch();

describe.each(OPENSEARCH_VERSIONS)("opensearch target on %s", (version) => {
  let node: OpenSearchNode;
  beforeAll(async () => {
    node = await openSearchNode(version);
  }, OPENSEARCH_HOOK_TIMEOUT_MS);

  const order = (id: string, orderId: string, v: number, status: string, type = "OrderUpdated") =>
    event({ id, "detail-type": type, detail: { orderId, version: v, status } });

  test("indexes events by id; several events of one id in a batch leave the last (rowKey = id, sameKey collapse)", async () => {
    const index = uniqueIndexName(`t-lww-${version}`);
    const target = targetFor({ url: node.url, index, id: "$.detail.orderId", document: "detail" });
    expect(target.sameKey).toBe("collapse");
    expect(target.rowKey(order("e1", "o-1", 1, "new"))).toBe("o-1");
    await target.open();
    const batch = [
      order("e1", "o-1", 1, "new"),
      order("e2", "o-2", 1, "new"),
      order("e3", "o-1", 2, "paid"),
      order("e4", "o-1", 3, "shipped"),
    ].map((e) => envelope(e));
    const result = await target.write(batch, { signal: new AbortController().signal });
    expect(result).toEqual({ failures: [] });
    await target.flush();
    await target.close();
    const docs = await documents(node.url, index);
    expect(docs.get("o-1")).toEqual({ orderId: "o-1", version: 3, status: "shipped" });
    expect(docs.get("o-2")).toEqual({ orderId: "o-2", version: 1, status: "new" });
    expect(docs.size).toBe(2);
  });

  test("the document is the event's original text by default (bytes through, numbers beyond 2^53 intact)", async () => {
    const index = uniqueIndexName(`t-text-${version}`);
    const target = targetFor({
      url: node.url,
      index,
      mappings: { dynamic: false, properties: { id: { type: "keyword" } } },
    });
    const value = event({ id: "big-1", detail: { n: 1 } });
    const text = JSON.stringify(value).replace('"n":1', '"n":12345678901234567891');
    expect((await target.write([envelope(value, text)])).failures).toEqual([]);
    await target.flush();
    await target.close();
    const got = await fetch(`${node.url}/${index}/_doc/big-1`).then((r) => r.text());
    expect(got).toContain('"n":12345678901234567891');
  });

  test("version guard: external_gte; an older event is skipped (409), an equal one is re-applied; versions beyond 2^53 from the text", async () => {
    const index = uniqueIndexName(`t-ver-${version}`);
    const target = targetFor({
      url: node.url,
      index,
      id: "$.detail.orderId",
      document: "detail",
      version: "$.detail.version",
    });
    expect((await target.write([envelope(order("e1", "o-1", 5, "paid"))])).failures).toEqual([]);
    const second = await target.write([
      envelope(order("e2", "o-1", 3, "stale")),
      envelope(order("e3", "o-2", 1, "new")),
    ]);
    expect(second).toEqual({ failures: [], skipped: [0] });
    const equal = await target.write([envelope(order("e4", "o-1", 5, "paid-again"))]);
    expect(equal).toEqual({ failures: [] });
    // In one batch, the highest version wins, whatever the order.
    const mixed = await target.write([
      envelope(order("e5", "o-3", 9, "nine")),
      envelope(order("e6", "o-3", 7, "seven")),
    ]);
    expect(mixed.failures).toEqual([]);
    // 2^53 + 1 = 9007199254740993: JSON.parse rounds it, the original text keeps it.
    const big = order("e7", "o-big", 0, "big");
    const bigText = JSON.stringify(big).replace('"version":0', '"version":9007199254740993');
    const parsed = JSON.parse(bigText);
    expect((await target.write([envelope(parsed, bigText)])).failures).toEqual([]);
    const rounded = order("e8", "o-big", 0, "older");
    const roundedText = JSON.stringify(rounded).replace('"version":0', '"version":9007199254740992');
    expect(await target.write([envelope(JSON.parse(roundedText), roundedText)])).toEqual({
      failures: [],
      skipped: [0],
    });
    await target.flush();
    await target.close();
    const docs = await documents(node.url, index);
    expect(docs.get("o-1")!.status).toBe("paid-again");
    expect(docs.get("o-2")!.status).toBe("new");
    expect(docs.get("o-3")!.status).toBe("nine");
    expect(docs.get("o-big")!.status).toBe("big");
    const raw = await fetch(`${node.url}/${index}/_doc/o-big`).then((r) => r.text());
    expect(raw).toContain('"_version":9007199254740993');
    expect(await storedVersion(node.url, index, "o-3")).toBe(9);
  });

  test("deleteWhen deletes; under a version guard it writes a tombstone that keeps an older write out", async () => {
    const deleted = { "detail-type": ["OrderDeleted"] };
    const plain = uniqueIndexName(`t-del-${version}`);
    const t1 = targetFor({
      url: node.url,
      index: plain,
      id: "$.detail.orderId",
      document: "detail",
      deleteWhen: deleted,
    });
    await t1.write([envelope(order("e1", "o-1", 1, "new")), envelope(order("e2", "o-2", 1, "new"))]);
    const del = await t1.write([
      envelope(order("e3", "o-1", 2, "", "OrderDeleted")),
      envelope(order("e4", "o-9", 2, "", "OrderDeleted")),
    ]);
    expect(del).toEqual({ failures: [] }); // deleting a missing document is not a failure
    await t1.flush();
    await t1.close();
    expect([...(await documents(node.url, plain)).keys()]).toEqual(["o-2"]);

    const guarded = uniqueIndexName(`t-tomb-${version}`);
    const t2 = targetFor({
      url: node.url,
      index: guarded,
      id: "$.detail.orderId",
      document: "detail",
      version: "$.detail.version",
      deleteWhen: deleted,
    });
    await t2.write([envelope(order("e1", "o-1", 1, "new"))]);
    expect(await t2.write([envelope(order("e2", "o-1", 4, "", "OrderDeleted"))])).toEqual({ failures: [] });
    // Replayed late (after gc_deletes a real delete would have forgotten version 4): still skipped.
    expect(await t2.write([envelope(order("e3", "o-1", 3, "resurrected?"))])).toEqual({
      failures: [],
      skipped: [0],
    });
    await t2.flush();
    await t2.close();
    expect((await documents(node.url, guarded)).get("o-1")).toEqual({ deleted: true });
    expect(await storedVersion(node.url, guarded, "o-1")).toBe(4);
  });

  test("a per-item 4xx fails that item only, not retryable, with the engine's reason; bad ids fail before sending", async () => {
    const index = uniqueIndexName(`t-4xx-${version}`);
    const target = targetFor({
      url: node.url,
      index,
      id: "$.detail.orderId",
      document: "detail",
      mappings: { properties: { version: { type: "long" } } },
    });
    const bad = event({ id: "e2", detail: { orderId: "o-2", version: "not-a-number" } });
    const noId = event({ id: "e3", detail: { version: 1 } });
    const result = await target.write([envelope(order("e1", "o-1", 1, "ok")), envelope(bad), envelope(noId)]);
    expect(result.failures.map((f) => [f.index, f.retryable, f.code])).toEqual([
      [1, false, "mapper_parsing_exception"],
      [2, false, "MissingId"],
    ]);
    expect(result.failures[0]!.message).toContain(`${index}/o-2: HTTP 400`);
    await target.close();
  });

  test("bulk-load mode: refresh_interval -1 and replicas 0 while loading; invisible until the flush refreshes; settings restored in close", async () => {
    const index = uniqueIndexName(`t-load-${version}`);
    await osRequest(node.url, "PUT", `/${index}`, {
      settings: { refresh_interval: "7s", number_of_replicas: 0 },
    });
    const target = targetFor({ url: node.url, index, bulkLoad: true });
    const batch = Array.from({ length: 50 }, (_, i) => envelope(event({ id: `e-${i}` })));
    expect((await target.write(batch)).failures).toEqual([]);
    const during = await osRequest<Record<string, { settings: Record<string, string> }>>(
      node.url,
      "GET",
      `/${index}/_settings?flat_settings=true`,
    );
    expect(during.body[index]!.settings["index.refresh_interval"]).toBe("-1");
    const before = await osRequest<{ count: number }>(node.url, "GET", `/${index}/_count`);
    expect(before.body.count).toBe(0); // not refreshed yet: not visible
    await target.flush();
    const after = await osRequest<{ count: number }>(node.url, "GET", `/${index}/_count`);
    expect(after.body.count).toBe(50);
    await target.close();
    const restored = await osRequest<Record<string, { settings: Record<string, string> }>>(
      node.url,
      "GET",
      `/${index}/_settings?flat_settings=true`,
    );
    expect(restored.body[index]!.settings["index.refresh_interval"]).toBe("7s");
    expect(restored.body[index]!.settings["index.number_of_replicas"]).toBe("0");
  });

  test("bulk-load settings are restored in close also after a failed write", async () => {
    const index = uniqueIndexName(`t-load-err-${version}`);
    await osRequest(node.url, "PUT", `/${index}`, { settings: { number_of_replicas: 0 } });
    const target = targetFor({ url: node.url, index, bulkLoad: true });
    await target.write([envelope(event({ id: "a" }))]);
    // Close the index under the target: the next write fails (per item, not retryable).
    await osRequest(node.url, "POST", `/${index}/_close`);
    const failed = await target.write([envelope(event({ id: "b" }))]);
    expect(failed.failures.map((f) => [f.code, f.retryable])).toEqual([["index_closed_exception", false]]);
    await osRequest(node.url, "POST", `/${index}/_open`);
    await osRequest(node.url, "GET", `/_cluster/health/${index}?wait_for_status=green&timeout=20s`);
    await target.close();
    const restored = await osRequest<Record<string, { settings: Record<string, string> }>>(
      node.url,
      "GET",
      `/${index}/_settings?flat_settings=true`,
    );
    expect(restored.body[index]!.settings["index.refresh_interval"]).toBeUndefined();
  });

  test("check says what it found and never writes; plan never writes", async () => {
    const index = uniqueIndexName(`t-check-${version}`);
    const target = targetFor({
      url: node.url,
      index,
      version: "$.detail.version",
      deleteWhen: { "detail-type": ["X"] },
    });
    const missing = await target.check();
    expect(missing.ok).toBe(true);
    expect(missing.details.join("\n")).toMatch(new RegExp(`opensearch ${version.replace(/\./g, "\\.")}`));
    expect(missing.details.join("\n")).toContain("will be created");
    const plan = await target.plan([
      envelope(order("e1", "o-1", 1, "new")),
      envelope(event({ id: "e2", detail: {} })),
    ]);
    expect(plan[0]).toMatchObject({ action: "index", destination: `${index}/e1 (version 1)` });
    expect(plan[1]).toMatchObject({ action: "skip" });
    expect((await osRequest(node.url, "HEAD", `/${index}`)).status).toBe(404);
    await target.close();

    const noCreate = targetFor({ url: node.url, index, createIndex: false });
    expect((await noCreate.check()).ok).toBe(false);
    await noCreate.close();

    await osRequest(node.url, "PUT", `/${index}`, {
      mappings: { properties: { deleted: { type: "keyword" } } },
    });
    const conflict = await target.check();
    expect(conflict.ok).toBe(false);
    expect(conflict.details.join("\n")).toContain("tombstoneField");
    await target.close();

    const down = targetFor({ url: "http://127.0.0.1:9", index });
    const answer = await down.check();
    expect(answer.ok).toBe(false);
    expect(answer.details[0]).toContain("does not answer");
    await down.close();
  });

  test("alias swap: after a run without failures the alias moves atomically to the new index", async () => {
    const alias = uniqueIndexName(`orders-${version}`);
    const v1 = `${alias}-v1`;
    const v2 = `${alias}-v2`;
    await osRequest(node.url, "PUT", `/${v1}`, { aliases: { [alias]: {} } });
    const target = targetFor({ url: node.url, index: v2, alias }, testHost());
    await target.write([envelope(event({ id: "a" }))]);
    await target.flush();
    await target.close();
    const holders = await osRequest<Record<string, unknown>>(node.url, "GET", `/_alias/${alias}`);
    expect(Object.keys(holders.body)).toEqual([v2]);

    // With a failed event the alias stays.
    const v3 = `${alias}-v3`;
    const log: string[] = [];
    const failing = targetFor({ url: node.url, index: v3, alias, id: "$.detail.missing" }, testHost({ log }));
    await failing.write([envelope(event({ id: "b" }))]);
    await failing.close();
    expect(
      Object.keys((await osRequest<Record<string, unknown>>(node.url, "GET", `/_alias/${alias}`)).body),
    ).toEqual([v2]);
    expect(log.join("")).toContain("not moved");
  });

  test("write honours its signal: an aborted write sends nothing and reports every item retryable", async () => {
    const index = uniqueIndexName(`t-abort-${version}`);
    const target = targetFor({ url: node.url, index });
    await target.write([envelope(event({ id: "first" }))]);
    const controller = new AbortController();
    controller.abort();
    const result = await target.write([envelope(event({ id: "a" })), envelope(event({ id: "b" }))], {
      signal: controller.signal,
    });
    expect(result.failures.map((f) => [f.index, f.code, f.retryable])).toEqual([
      [0, "Aborted", true],
      [1, "Aborted", true],
    ]);
    // In flight: a large bulk aborted right after it starts.
    const big = Array.from({ length: 20_000 }, (_, i) =>
      envelope(event({ id: `x-${i}`, detail: { pad: "y".repeat(200) } })),
    );
    const inflight = new AbortController();
    const pending = target.write(big, { signal: inflight.signal });
    setTimeout(() => inflight.abort(), 20);
    const outcome = await pending;
    expect(outcome.failures.length).toBeGreaterThan(0);
    expect(outcome.failures.every((f) => f.retryable && f.code === "Aborted")).toBe(true);
    await target.close();
    expect([...(await documents(node.url, index)).keys()]).not.toContain("a");
  });
});
