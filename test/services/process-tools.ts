/**
 * What every test service harness needs (DynamoDB Local, OpenSearch, PostgreSQL, S3): a free
 * loopback port, a watchdog so no service outlives a crashed test process, and environment
 * overrides that can be undone.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";

/** A free TCP port on 127.0.0.1 (bound, read back, released). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts a detached shell that waits until this test process is gone (or, with `serviceDies`,
 * until the service `pid` is gone too), then runs `then` (kill the service, remove its files).
 * Exit handlers do not run when a test process is SIGKILLed or crashes; the watchdog does.
 * Without `sh` there is no watchdog, and the exit handlers alone stop the service.
 */
export function startWatchdog(then: string, options: { pid?: number; serviceDies?: boolean } = {}): void {
  const alive =
    options.serviceDies && options.pid !== undefined
      ? `kill -0 ${process.pid} 2>/dev/null && kill -0 ${options.pid} 2>/dev/null`
      : `kill -0 ${process.pid} 2>/dev/null`;
  const watchdog = spawn("sh", ["-c", `while ${alive}; do sleep 0.5; done; ${then}`], {
    stdio: "ignore",
    detached: true,
  });
  watchdog.on("error", () => {});
  watchdog.unref();
}

/** Sets environment variables; the function returned puts back what was there before. */
export function overrideEnv(values: Record<string, string>): () => void {
  const before: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(values)) {
    before[key] = process.env[key];
    process.env[key] = value;
  }
  return () => {
    for (const [key, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}
