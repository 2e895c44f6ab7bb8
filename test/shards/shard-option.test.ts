import { describe, expect, test } from "bun:test";
import {
  chooseShardMode,
  divideRateBudgets,
  formatShard,
  ownsKey,
  parseShard,
} from "../../src/config/shard.ts";

describe("--shard", () => {
  test("i/N is 1-based like Playwright", () => {
    expect(parseShard("1/4", {})).toEqual({ index: 0, count: 4 });
    expect(parseShard("4/4", {})).toEqual({ index: 3, count: 4 });
    expect(formatShard({ index: 3, count: 4 })).toBe("4/4");
    expect(() => parseShard("0/4", {})).toThrow(/between 1 and 4 \(1-based\)/);
    expect(() => parseShard("5/4", {})).toThrow(/between 1 and 4/);
    expect(() => parseShard("2-4", {})).toThrow(/expected i\/N/);
    expect(() => parseShard("1/0", {})).toThrow(/between 1 and 10000/);
  });

  test("auto reads the 0-based index of Kubernetes Indexed Jobs and AWS Batch array jobs", () => {
    expect(parseShard("auto", { JOB_COMPLETION_INDEX: "2" }, { count: 4 })).toEqual({ index: 2, count: 4 });
    expect(parseShard("auto/8", { AWS_BATCH_JOB_ARRAY_INDEX: "7" })).toEqual({ index: 7, count: 8 });
    expect(parseShard("auto", { REHYDRATE_SHARD_INDEX: "0", REHYDRATE_SHARD_COUNT: "3" })).toEqual({
      index: 0,
      count: 3,
    });
    expect(() => parseShard("auto", { JOB_COMPLETION_INDEX: "4" }, { count: 4 })).toThrow(/not below/);
    expect(() => parseShard("auto", {}, { count: 4 })).toThrow(/JOB_COMPLETION_INDEX/);
    expect(() => parseShard("auto", { JOB_COMPLETION_INDEX: "1" })).toThrow(/needs the shard count/);
  });

  test("rate budgets given for the whole run are divided among shards", () => {
    const { config, divided } = divideRateBudgets(
      { table: "t", maxReadUnitsPerSecond: 100, maxItemsPerSecond: 3 },
      { maxItemsPerSecond: { type: "integer", description: "" } },
      4,
    );
    expect(config).toEqual({ table: "t", maxReadUnitsPerSecond: 25, maxItemsPerSecond: 1 });
    expect(divided).toHaveLength(2);
    expect(divideRateBudgets({ maxItemsPerSecond: 3 }, undefined, 1).config.maxItemsPerSecond).toBe(3);
  });
});

describe("shard modes", () => {
  const choose = (
    sharding: "none" | "split" | "key-aligned",
    orderKey?: string,
    requested?: "split" | "key-hash",
  ) => chooseShardMode({ sourceName: "s", sharding, orderKey, requested });

  test("an order key on a split that is not key-aligned is refused unless the user says order does not matter", () => {
    expect(choose("split")).toBe("split");
    expect(() => choose("split", "detail.id")).toThrow(/give --shard-mode key-hash .* or --shard-mode split/);
    expect(choose("split", "detail.id", "split")).toBe("split");
    expect(choose("split", "detail.id", "key-hash")).toBe("key-hash");
    expect(choose("key-aligned", "detail.id")).toBe("key-aligned");
    expect(choose("none")).toBe("key-hash");
    expect(() => choose("none", undefined, "split")).toThrow(/cannot split its read/);
  });

  test("key hashing gives every key exactly one shard, spread evenly", () => {
    const counts = [0, 0, 0, 0];
    for (let k = 0; k < 4000; k++) {
      const owners = [0, 1, 2, 3].filter((index) => ownsKey(`order-${k}`, { index, count: 4 }));
      expect(owners).toHaveLength(1);
      counts[owners[0]!]!++;
    }
    for (const c of counts) expect(c).toBeGreaterThan(850);
    // Stable: a key's owner must never change between versions (it decides which shard writes it).
    expect([0, 1, 2, 3].find((index) => ownsKey("order-42", { index, count: 4 }))).toBe(0);
  });
});
