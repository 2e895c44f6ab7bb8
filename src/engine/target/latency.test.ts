import { expect, test } from "bun:test";
import { LatencyHistogram } from "./latency.ts";

test("latency", () => {
  const h = new LatencyHistogram();
  for (let i = 1; i <= 1000; i++) h.record(i);
  const s = h.summary()!;
  expect(s.count).toBe(1000);
  expect(Math.abs(s.p50 - 500) / 500).toBeLessThan(0.06);
  expect(Math.abs(s.p99 - 990) / 990).toBeLessThan(0.06);
  expect(s.max).toBe(1000);
});
