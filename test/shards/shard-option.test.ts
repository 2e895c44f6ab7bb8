import { describe, expect, test } from "bun:test";
import { divideRateBudgets, formatShard, parseShard } from "../../src/config/shard.ts";

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
