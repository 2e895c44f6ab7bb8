/**
 * Real per-item 429s: a second 3.x node with a one-slot write pool (`thread_pool.write.size=1`,
 * `queue_size=1`) rejects about half the items of a large bulk into a 4-shard index. The target
 * must return them as retryable, throttled failures (the engine backs off; the target never
 * waits a fixed time), and retrying exactly those items must complete the load.
 *
 * This file starts its own node (the only test that needs this configuration) and stops it.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import {
  OPENSEARCH_HOOK_TIMEOUT_MS,
  type OpenSearchNode,
  osRequest,
  startOpenSearchNode,
  uniqueIndexName,
} from "../services/opensearch.ts";
import { documents, envelope, event, targetFor } from "./support.ts";

let node: OpenSearchNode;
beforeAll(async () => {
  node = await startOpenSearchNode("3.8.0", {
    settings: { "thread_pool.write.size": "1", "thread_pool.write.queue_size": "1" },
  });
  console.error(`[opensearch] 3.8.0 with a one-slot write pool started in ${node.startMs} ms`);
}, OPENSEARCH_HOOK_TIMEOUT_MS);
afterAll(() => node?.stop());

test("per-item 429s are retryable and throttled; retrying only the failed items completes the load", async () => {
  const index = uniqueIndexName("throttle");
  await osRequest(node.url, "PUT", `/${index}`, { settings: { number_of_shards: 4, number_of_replicas: 0 } });
  const target = targetFor({ url: node.url, index, maxItems: 2000 });
  let pending = Array.from({ length: 2000 }, (_, i) => envelope(event({ id: `e-${i}`, detail: { n: i } })));
  const first = await target.write(pending);
  expect(first.failures.length).toBeGreaterThan(0);
  expect(
    first.failures.every((f) => f.retryable && f.throttled === true && f.code === "TooManyRequests"),
  ).toBe(true);
  expect(first.failures[0]!.message).toContain("HTTP 429");
  let rounds = 1;
  let failures = first.failures;
  while (failures.length > 0 && rounds < 30) {
    pending = failures.map((f) => pending[f.index]!);
    // What the engine does, in short: back off, then resend the failed items only.
    await Bun.sleep(20 * rounds);
    failures = (await target.write(pending)).failures;
    rounds++;
  }
  expect(failures).toEqual([]);
  await target.flush();
  await target.close();
  expect((await documents(node.url, index)).size).toBe(2000);
}, 120_000);
