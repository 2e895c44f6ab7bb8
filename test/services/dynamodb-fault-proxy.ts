/**
 * A loopback proxy in front of DynamoDB Local that injects the failures DynamoDB Local never
 * produces: on BatchWriteItem it answers HTTP 400 `ProvisionedThroughputExceededException` for a
 * share of requests, and moves a share of the remaining items into `UnprocessedItems` (those
 * items are not forwarded, so they are really not written). Decisions come from a seeded
 * generator, so a run is reproducible; counters tell the test exactly what was injected.
 * Every other request passes through unchanged.
 */
import { seededRandom as mulberry32 } from "../support/seeded-random.ts";

/** Fault rates, each in [0, 1]. */
export interface FaultRates {
  /** Share of BatchWriteItem requests answered with 400 ProvisionedThroughputExceededException. */
  throttleRate: number;
  /** Share of the items of a (not throttled) BatchWriteItem moved to UnprocessedItems. */
  unprocessedRate: number;
}

/** What the proxy injected so far. */
export interface FaultCounts {
  batchRequests: number;
  throttledRequests: number;
  /** Items of throttled requests (none of them written). */
  throttledItems: number;
  unprocessedItems: number;
  /** Items forwarded to DynamoDB Local in BatchWriteItem requests. */
  forwardedItems: number;
}

/** A running proxy. */
export interface DynamoDbFaultProxy {
  readonly endpoint: string;
  readonly counts: FaultCounts;
  setRates(rates: Partial<FaultRates>): void;
  resetCounts(): void;
  stop(): void;
}

/** Starts the proxy on 127.0.0.1 (free port) in front of `upstream`. */
export function startDynamoDbFaultProxy(
  upstream: string,
  options: Partial<FaultRates> & {
    seed?: number;
    /** Added to every request, as a round trip to a real region would (benchmarks). @default 0 */
    latencyMs?: number;
  } = {},
): DynamoDbFaultProxy {
  const rates: FaultRates = {
    throttleRate: options.throttleRate ?? 0,
    unprocessedRate: options.unprocessedRate ?? 0,
  };
  const random = mulberry32(options.seed ?? 1);
  const counts: FaultCounts = zero();
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const target = request.headers.get("x-amz-target") ?? "";
      const body = await request.text();
      if (options.latencyMs) await Bun.sleep(options.latencyMs);
      if (!target.endsWith(".BatchWriteItem")) return forward(request, body);
      counts.batchRequests++;
      const input = JSON.parse(body) as { RequestItems: Record<string, unknown[]> };
      const itemCount = Object.values(input.RequestItems).reduce((n, list) => n + list.length, 0);
      if (random() < rates.throttleRate) {
        counts.throttledRequests++;
        counts.throttledItems += itemCount;
        return Response.json(
          {
            __type: "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
            message: "The level of configured provisioned throughput for the table was exceeded (injected)",
          },
          { status: 400, headers: { "content-type": "application/x-amz-json-1.0" } },
        );
      }
      const unprocessed: Record<string, unknown[]> = {};
      const kept: Record<string, unknown[]> = {};
      for (const [table, requests] of Object.entries(input.RequestItems)) {
        for (const item of requests) {
          if (random() < rates.unprocessedRate) {
            append(unprocessed, table, [item]);
            counts.unprocessedItems++;
          } else {
            append(kept, table, [item]);
            counts.forwardedItems++;
          }
        }
      }
      let upstreamUnprocessed: Record<string, unknown[]> = {};
      if (Object.keys(kept).length > 0) {
        const response = await forward(request, JSON.stringify({ ...input, RequestItems: kept }));
        if (response.status !== 200) return response;
        const out = (await response.json()) as { UnprocessedItems?: Record<string, unknown[]> };
        upstreamUnprocessed = out.UnprocessedItems ?? {};
      }
      for (const [table, list] of Object.entries(upstreamUnprocessed)) append(unprocessed, table, list);
      // No x-amz-crc32: the body changed, and the SDK checks the checksum only when it is present.
      return Response.json(
        { UnprocessedItems: unprocessed },
        { status: 200, headers: { "content-type": "application/x-amz-json-1.0" } },
      );
    },
  });

  async function forward(request: Request, body: string): Promise<Response> {
    const headers = new Headers(request.headers);
    headers.delete("host");
    headers.delete("content-length");
    const url = new URL(request.url);
    const response = await fetch(upstream + url.pathname + url.search, {
      method: request.method,
      headers,
      body,
    });
    const out = new Headers(response.headers);
    out.delete("content-length");
    out.delete("content-encoding");
    return new Response(await response.arrayBuffer(), { status: response.status, headers: out });
  }

  return {
    endpoint: `http://127.0.0.1:${server.port}`,
    counts,
    setRates: (next) => Object.assign(rates, next),
    resetCounts: () => Object.assign(counts, zero()),
    stop: () => server.stop(true),
  };
}

function append(into: Record<string, unknown[]>, table: string, items: unknown[]): void {
  const list = into[table] ?? [];
  list.push(...items);
  into[table] = list;
}

function zero(): FaultCounts {
  return {
    batchRequests: 0,
    throttledRequests: 0,
    throttledItems: 0,
    unprocessedItems: 0,
    forwardedItems: 0,
  };
}
