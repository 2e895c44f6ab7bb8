/**
 * Deterministic generator of EventBridge-shaped events for benchmarks and tests.
 *
 *   bun scripts/bench/generate-events.ts --count 1000000 --format ndjson|array --out <file> [--seed 42]
 *
 * Events are ~800 bytes. About 4% match
 * `{"detail-type":["Order Placed"],"detail":{"amount":[{"numeric":[">",100]}]}}` (10% are
 * "Order Placed", 40% of those have an amount above 100). Every 997th event carries multi-byte
 * UTF-8, an emoji, a raw U+2028, escaped quotes and backslashes, to keep fast paths honest.
 * The output is written as a stream: memory stays flat whatever the count.
 */
import type { EventBridgeEvent } from "../../src/sdk/index.ts";
import { seededRandom as mulberry32 } from "../../test/support/seeded-random.ts";

const OTHER_TYPES = [
  "Order Shipped",
  "Payment Captured",
  "Cart Updated",
  "Customer Registered",
  "Stock Adjusted",
];
const SOURCES: Record<string, string> = {
  "Order Placed": "com.example.orders",
  "Order Shipped": "com.example.shipping",
  "Payment Captured": "com.example.payments",
  "Cart Updated": "com.example.carts",
  "Customer Registered": "com.example.customers",
  "Stock Adjusted": "com.example.inventory",
};
const REGIONS = ["eu-west-1", "us-east-1", "ap-southeast-2"];
const SKUS = ["SKU-RED-SHOE", "SKU-BLUE-HAT", "SKU-GREEN-SCARF", "SKU-BLACK-BELT", "SKU-WHITE-SOCK"];
const CITIES = ["Lyon", "Porto", "Leeds", "Gent", "Turin", "Brno"];
const USER_AGENTS = [
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
];
/** The tricky payload of every 997th event. */
const TRICKY = 'Zürich café, 日本語, emoji 🎉, line\u2028separator, "quoted" and back\\slash C:\\temp\\x';

const hex = (random: () => number, length: number) => {
  let out = "";
  for (let i = 0; i < length; i++) out += Math.floor(random() * 16).toString(16);
  return out;
};

/** Options of {@link generateEvents}. */
export interface GenerateOptions {
  /** How many events. */
  count: number;
  /** PRNG seed. @default 42 */
  seed?: number;
}

/** Yields `count` deterministic EventBridge-shaped events (see the module comment). */
export function* generateEvents(options: GenerateOptions): Generator<EventBridgeEvent> {
  const random = mulberry32(options.seed ?? 42);
  const start = Date.UTC(2024, 0, 1);
  for (let n = 0; n < options.count; n++) {
    const placed = random() < 0.1;
    const type = placed ? "Order Placed" : OTHER_TYPES[Math.floor(random() * OTHER_TYPES.length)]!;
    // Amounts in [0, 166.67): 40% above 100, so ~4% of all events match the benchmark pattern.
    const amount = Math.round(random() * 16667) / 100;
    const items = 1 + Math.floor(random() * 3);
    const region = REGIONS[n % REGIONS.length]!;
    const detail: Record<string, unknown> = {
      orderId: `ord-${hex(random, 12)}`,
      customerId: `cus-${hex(random, 10)}`,
      amount,
      currency: "EUR",
      items: Array.from({ length: items }, () => ({
        sku: SKUS[Math.floor(random() * SKUS.length)]!,
        quantity: 1 + Math.floor(random() * 4),
        price: Math.round(random() * 5000) / 100,
      })),
      shipping: {
        city: CITIES[Math.floor(random() * CITIES.length)]!,
        postcode: String(10000 + Math.floor(random() * 89999)),
        express: random() < 0.2,
      },
      channel: random() < 0.5 ? "web" : "mobile",
      userAgent: USER_AGENTS[Math.floor(random() * USER_AGENTS.length)]!,
      note:
        n % 997 === 0
          ? TRICKY
          : `generated event ${n} for the rehydrate benchmark; padding to a realistic size`,
      tags: ["bench", placed ? "checkout" : "lifecycle", `batch-${Math.floor(n / 1000)}`],
    };
    yield {
      version: "0",
      id: `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-a${hex(random, 3)}-${hex(random, 12)}`,
      "detail-type": type,
      source: SOURCES[type]!,
      account: "123456789012",
      time: new Date(start + n * 1000).toISOString().replace(".000Z", "Z"),
      region,
      resources: [`arn:aws:events:${region}:123456789012:event-bus/orders`],
      detail,
    };
  }
}

/** Writes events as NDJSON or a pretty JSON array (one element per line) to `out`, streaming. */
export async function writeEvents(
  out: string,
  format: "ndjson" | "array",
  options: GenerateOptions,
): Promise<number> {
  const sink = Bun.file(out).writer({ highWaterMark: 1 << 20 });
  let bytes = 0;
  let buffer = format === "array" ? "[\n" : "";
  let first = true;
  for (const event of generateEvents(options)) {
    const text = JSON.stringify(event);
    buffer += format === "array" ? (first ? "" : ",\n") + text : text + "\n";
    first = false;
    if (buffer.length > 1 << 20) {
      bytes += Buffer.byteLength(buffer);
      sink.write(buffer);
      buffer = "";
      await sink.flush();
    }
  }
  if (format === "array") buffer += first ? "]\n" : "\n]\n";
  bytes += Buffer.byteLength(buffer);
  sink.write(buffer);
  await sink.end();
  return bytes;
}

function parseArgs(argv: string[]): { count: number; format: "ndjson" | "array"; out: string; seed: number } {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i === -1 ? undefined : argv[i + 1];
  };
  const count = Number(get("count") ?? 1_000_000);
  const format = get("format") ?? "ndjson";
  const out = get("out");
  if (!Number.isInteger(count) || count < 0 || (format !== "ndjson" && format !== "array") || !out) {
    throw new Error(
      "usage: bun scripts/bench/generate-events.ts --count <n> --format ndjson|array --out <file> [--seed <n>]",
    );
  }
  return { count, format, out, seed: Number(get("seed") ?? 42) };
}

if (import.meta.main) {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const bytes = await writeEvents(args.out, args.format, { count: args.count, seed: args.seed });
  const seconds = (performance.now() - started) / 1000;
  console.error(
    `wrote ${args.count} events (${(bytes / 1e6).toFixed(1)} MB, ${Math.round(bytes / Math.max(args.count, 1))} bytes each) ` +
      `to ${args.out} in ${seconds.toFixed(1)} s`,
  );
}
