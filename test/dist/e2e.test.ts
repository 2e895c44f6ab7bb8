/**
 * End-to-end through the compiled binary, as a user without Bun runs it: the README's quick
 * start (examples/quickstart.yaml → SQLite), the same pipeline as a dry run, a runtime plugin
 * loaded from --plugin-dir (TypeScript, transpiled by the binary itself) and a usage error.
 * Expected rows are derived from examples/events.ndjson here, not copied from a run.
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY_ENV, buildSingle, ROOT, removeTempDirs, run, type SingleBuild, tempDir } from "./built.ts";

interface OrderEvent {
  id: string;
  source: string;
  "detail-type": string;
  time: string;
  detail: { orderId?: string; customer?: string; amount?: number; currency?: string; status?: string };
}

const EVENTS = join(ROOT, "examples/events.ndjson");
const events: OrderEvent[] = readFileSync(EVENTS, "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => JSON.parse(line) as OrderEvent);

let built: SingleBuild;
const env = BINARY_ENV;

beforeAll(async () => {
  built = await buildSingle();
}, 120_000);

afterAll(removeTempDirs);

/** A folder holding a copy of the quick start, as a user's project would. */
function quickstartDir(): string {
  const dir = tempDir("quickstart");
  copyFileSync(join(ROOT, "examples/quickstart.yaml"), join(dir, "quickstart.yaml"));
  copyFileSync(EVENTS, join(dir, "events.ndjson"));
  // As in the repository (examples/out/ is kept there): the report's folder must exist.
  mkdirSync(join(dir, "out"));
  return dir;
}

/** The read model the quick start must leave: last state per order, archived orders removed. */
function expectedOrders(): Record<string, unknown>[] {
  const rows = new Map<string, Record<string, unknown>>();
  for (const e of events) {
    if (e.source !== "com.example.orders" || !e["detail-type"].startsWith("Order ")) continue;
    const id = e.detail.orderId!;
    if (e["detail-type"] === "Order Archived") rows.delete(id);
    else {
      const { customer, amount, currency, status } = e.detail;
      rows.set(id, { order_id: id, customer, amount, currency, status, updated_at: e.time });
    }
  }
  return [...rows.values()].sort((a, b) => String(a.order_id).localeCompare(String(b.order_id)));
}

describe("compiled binary end to end", () => {
  test("the quick start fills the orders table exactly as the events say", async () => {
    const dir = quickstartDir();
    const result = await run([built.binary, "run", "quickstart.yaml"], { cwd: dir, env });
    expect(result.stderr).toContain("rehydrate run completed");
    expect(result.code).toBe(0);
    const db = new Database(join(dir, "out/orders.db"), { readonly: true });
    try {
      const rows = db.query("select * from orders order by order_id").all();
      expect(rows).toEqual(expectedOrders());
    } finally {
      db.close();
    }
    const report = JSON.parse(readFileSync(join(dir, "out/quickstart-report.json"), "utf8"));
    const matched = events.filter(
      (e) => e.source === "com.example.orders" && e["detail-type"].startsWith("Order "),
    ).length;
    expect(report.source.read).toBe(events.length);
    expect(report.filter.matched).toBe(matched);
    expect(report.targets[0].sent).toBe(matched);
    expect(report.tool.version).toBe(built.log.match(/rehydrate (\S+): building/)?.[1]);
  });

  test("a dry run plans every write and creates no database", async () => {
    const dir = quickstartDir();
    const result = await run([built.binary, "run", "quickstart.yaml", "--dry-run", "--report", "dry.json"], {
      cwd: dir,
      env,
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("dry run");
    expect(existsSync(join(dir, "out/orders.db"))).toBe(false);
    const report = JSON.parse(readFileSync(join(dir, "dry.json"), "utf8"));
    const archived = events.filter((e) => e["detail-type"] === "Order Archived").length;
    expect(report.dryRun).toBe(true);
    expect(report.targets[0].sent).toBe(0);
    expect(report.targets[0].plannedActions).toEqual({
      upsert: report.filter.matched - archived,
      delete: archived,
    });
  });

  test("loads a TypeScript runtime plugin from --plugin-dir and runs it as a target", async () => {
    const dir = tempDir("plugin");
    const plugins = join(dir, "plugins");
    mkdirSync(plugins);
    // As docs/plugins.md tells users to write it: a type-only SDK import, erased on load.
    writeFileSync(
      join(plugins, "upper.ts"),
      `import type { Envelope, TargetPlugin } from "rehydrate/sdk";
const plugin: TargetPlugin<{ path: string }> = {
  kind: "target",
  name: "upper",
  api: 1,
  summary: "Writes event ids in upper case",
  config: {
    fields: { path: { type: "string", description: "Output file", required: true } },
    fromUri: (rest: string) => ({ path: rest }),
  },
  create(config, host) {
    const lines: string[] = [];
    const path = host.resolvePath(config.path);
    return {
      policy: { maxItems: 7, maxInFlight: 1 },
      async check() { return { ok: true, details: ["writes " + path] }; },
      async plan(batch: readonly Envelope[]) {
        return batch.map((_, index) => ({ index, action: "write", destination: path }));
      },
      async write(batch: readonly Envelope[]) {
        for (const e of batch) lines.push(e.event.id.toUpperCase());
        return { failures: [] };
      },
      async flush() { await Bun.write(path, lines.join("\\n") + "\\n"); },
    };
  },
};
export default plugin;
`,
    );
    copyFileSync(EVENTS, join(dir, "events.ndjson"));
    const list = await run([built.binary, "plugins", "list", "--plugin-dir", "plugins"], { cwd: dir, env });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/target\s+upper\s+Writes event ids in upper case/);
    const result = await run(
      [
        built.binary,
        "run",
        "--plugin-dir",
        "plugins",
        "--from",
        "file:events.ndjson",
        "--pattern",
        '{"detail-type":["Order Placed"]}',
        "--to",
        "upper:ids.txt",
      ],
      { cwd: dir, env },
    );
    expect(result.stderr).toContain("target upper:ids.txt");
    expect(result.code).toBe(0);
    const placed = events.filter((e) => e["detail-type"] === "Order Placed").map((e) => e.id.toUpperCase());
    expect(placed.length).toBeGreaterThan(0);
    expect(readFileSync(join(dir, "ids.txt"), "utf8")).toBe(`${placed.join("\n")}\n`);
  });

  test("calls a TypeScript Lambda handler module with lambda-local", async () => {
    const dir = tempDir("lambda-local");
    copyFileSync(EVENTS, join(dir, "events.ndjson"));
    writeFileSync(
      join(dir, "handler.ts"),
      `import { appendFileSync } from "node:fs";
interface OrderEvent { id: string; "detail-type": string }
export const handler = async (event: OrderEvent, context: { functionName: string }): Promise<void> => {
  appendFileSync("seen.txt", context.functionName + " " + event["detail-type"] + " " + event.id + "\\n");
};
`,
    );
    const result = await run(
      [
        built.binary,
        "run",
        "--from",
        "file:events.ndjson",
        "--pattern",
        '{"detail-type":["Order Shipped"]}',
        "--to",
        "lambda-local:handler.ts",
      ],
      { cwd: dir, env },
    );
    expect(result.code).toBe(0);
    const shipped = events
      .filter((e) => e["detail-type"] === "Order Shipped")
      .map((e) => `handler Order Shipped ${e.id}`);
    expect(shipped.length).toBeGreaterThan(0);
    const seen = readFileSync(join(dir, "seen.txt"), "utf8").trimEnd().split("\n");
    expect(seen.sort()).toEqual(shipped.sort());
  });

  test("the file source's worker threads start inside the binary and give the same output", async () => {
    const dir = quickstartDir();
    const lines = readFileSync(EVENTS, "utf8").trim().split("\n");
    writeFileSync(
      join(dir, "many.ndjson"),
      Array.from({ length: 200 }, () => lines.join("\n")).join("\n") + "\n",
    );
    const pipeline = (workers: number, out: string) =>
      [
        `source: { uri: "file:many.ndjson", workers: ${workers} }`,
        `pattern: { detail-type: [Order Shipped] }`,
        `targets: [ "file:${out}" ]`,
      ].join("\n");
    writeFileSync(join(dir, "workers.yaml"), pipeline(2, "with-workers.ndjson"));
    writeFileSync(join(dir, "single.yaml"), pipeline(0, "single.ndjson"));
    const withWorkers = await run([built.binary, "run", "workers.yaml", "--verbose"], { cwd: dir, env });
    expect(withWorkers.code).toBe(0);
    expect(withWorkers.stderr).toContain("with 2 workers");
    expect(withWorkers.stderr).not.toContain("worker threads unavailable");
    const single = await run([built.binary, "run", "single.yaml"], { cwd: dir, env });
    expect(single.code).toBe(0);
    const shipped = lines.filter((l) => l.includes('"Order Shipped"')).length * 200;
    const out = readFileSync(join(dir, "with-workers.ndjson"), "utf8");
    expect(out.trim().split("\n")).toHaveLength(shipped);
    expect(out).toBe(readFileSync(join(dir, "single.ndjson"), "utf8"));
  });

  test("a user mistake exits 2 with a message, before reading anything", async () => {
    const result = await run([built.binary, "run", "--from", "file:events.ndjson", "--to", "nosuch:x"], {
      cwd: tempDir("usage"),
      env,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("nosuch");
  });
});
