/**
 * A loopback proxy in front of the S3 server that injects the failures a real S3 produces and a
 * local server never does: `503 SlowDown` answers to chosen requests, and connections cut in
 * the middle of an object's body after a given number of bytes. Every request is recorded
 * (method, path, Range header, what was done to it), so a test can check that a broken stream
 * was resumed with a ranged GET and nothing was read twice.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";

/** A rule picks requests and says what to do to them; `times` how many (then it is spent). */
export interface FaultRule {
  /** Applies to requests whose method and path (with query) match. */
  method?: string;
  path?: RegExp;
  /** `slowdown`: answer 503 SlowDown; `cut`: forward, then cut the body after `afterBytes`. */
  fault: "slowdown" | "cut";
  afterBytes?: number;
  times: number;
}

/** One request as the proxy saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  range?: string;
  ifMatch?: string;
  fault?: "slowdown" | "cut";
}

export interface S3FaultProxy {
  readonly endpoint: string;
  readonly requests: SeenRequest[];
  /** Adds rules (applied in order; the first live match wins). */
  add(...rules: FaultRule[]): void;
  clear(): void;
  stop(): Promise<void>;
}

/** Starts the proxy on 127.0.0.1 (free port) in front of `upstream` (`http://127.0.0.1:<port>`). */
export async function startS3FaultProxy(upstream: string): Promise<S3FaultProxy> {
  const target = new URL(upstream);
  const rules: FaultRule[] = [];
  const requests: SeenRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const seen: SeenRequest = { method: req.method ?? "GET", path: req.url ?? "/" };
    if (typeof req.headers.range === "string") seen.range = req.headers.range;
    if (typeof req.headers["if-match"] === "string") seen.ifMatch = req.headers["if-match"];
    requests.push(seen);
    const rule = rules.find(
      (r) => r.times > 0 && (!r.method || r.method === seen.method) && (!r.path || r.path.test(seen.path)),
    );
    if (rule) {
      rule.times--;
      seen.fault = rule.fault;
    }
    if (rule?.fault === "slowdown") {
      req.resume();
      res.writeHead(503, { "content-type": "application/xml" });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>fault</RequestId></Error>',
      );
      return;
    }
    const upstreamRequest = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (upstreamResponse) => {
        res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
        if (rule?.fault !== "cut") {
          upstreamResponse.pipe(res);
          return;
        }
        let sent = 0;
        const limit = rule.afterBytes ?? 0;
        if (limit === 0) {
          // Headers only, then the cut.
          res.flushHeaders();
          setTimeout(() => res.socket?.destroy(), 5);
          upstreamResponse.destroy();
          return;
        }
        upstreamResponse.on("data", (chunk: Buffer) => {
          if (sent >= limit) return;
          const part = chunk.subarray(0, limit - sent);
          sent += part.length;
          res.write(part);
          if (sent >= limit) {
            // Cut the connection mid-body: the client sees fewer bytes than Content-Length.
            res.socket?.destroy();
            upstreamResponse.destroy();
          }
        });
        upstreamResponse.on("end", () => res.end());
      },
    );
    upstreamRequest.on("error", () => res.destroy());
    req.pipe(upstreamRequest);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    add: (...more) => rules.push(...more),
    clear: () => {
      rules.length = 0;
      requests.length = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
