/**
 * Helpers shared by the kill test and the shard test: seeded order events in NDJSON files, the
 * CLI as a subprocess (so it can be killed with SIGKILL), the ledger fixture's lines, and the
 * final state of the SQLite and DynamoDB tables, for comparing runs.
 */
import { Database } from "bun:sqlite";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { seededRandom } from "../support/seeded-random.ts";

/** The repository root (where `src/cli/main.ts` is). */
export const REPO = join(import.meta.dir, "../..");
/** The folder of the ledger runtime target. */
export const FIXTURE_PLUGINS = join(import.meta.dir, "fixtures");

/** One generated event, as written. */
export interface OrderEvent {
  id: string;
  /** Where it is: index of its file (in name order) and 1-based line. */
  at: [number, number];
  source: string;
  detail: { orderId: string; seq: number; status: string; version: number };
}

/**
 * Writes `files` NDJSON files of `perFile` events each: orders `o0..o{keys-1}` moving through
 * statuses in increasing `version`, a tenth of the events from another source (unmatched by
 * the tests' pattern). Returns every event in read order (files in name order).
 */
export function writeOrderEvents(
  dir: string,
  options: { files: number; perFile: number; keys: number; seed: number; keyPerFile?: boolean },
): { names: string[]; events: OrderEvent[] } {
  const next = seededRandom(options.seed);
  const versions = new Map<string, number>();
  const names: string[] = [];
  const events: OrderEvent[] = [];
  const statuses = ["placed", "paid", "packed", "shipped", "delivered"];
  let seq = 0;
  for (let f = 0; f < options.files; f++) {
    const name = `events-${String(f).padStart(2, "0")}.ndjson`;
    names.push(name);
    const lines: string[] = [];
    for (let i = 0; i < options.perFile; i++) {
      // keyPerFile: each key lives in one file only, so a split by file is key-aligned.
      const key = options.keyPerFile
        ? `o${f}-${Math.floor(next() * options.keys)}`
        : `o${Math.floor(next() * options.keys)}`;
      const version = (versions.get(key) ?? 0) + 1;
      versions.set(key, version);
      const event: OrderEvent = {
        id: `e${seq}`,
        at: [f, i + 1],
        source: next() < 0.1 ? "other" : "shop",
        detail: { orderId: key, seq, status: statuses[version % statuses.length]!, version },
      };
      seq++;
      events.push(event);
      lines.push(
        JSON.stringify({
          version: "0",
          id: event.id,
          "detail-type": "Order Changed",
          source: event.source,
          account: "123456789012",
          time: "2024-01-01T00:00:00Z",
          region: "us-east-1",
          resources: [],
          detail: event.detail,
        }),
      );
    }
    writeFileSync(join(dir, name), lines.join("\n") + "\n");
  }
  return { names, events };
}

/** Runs the CLI as a subprocess. */
export function spawnCli(args: string[], env: Record<string, string | undefined>, cwd = REPO) {
  return Bun.spawn(["bun", join(REPO, "src/cli/main.ts"), ...args], {
    cwd,
    env: { ...process.env, ...env, NO_COLOR: "1" },
    stdout: "pipe",
    stderr: "pipe",
  });
}

/** Runs the CLI to its end; returns exit code and stderr. */
export async function runCliToEnd(args: string[], env: Record<string, string | undefined> = {}, cwd = REPO) {
  const proc = spawnCli(args, env, cwd);
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  return { code, stderr };
}

/** One delivery the ledger recorded. */
export interface Delivery {
  tag: string;
  id: string;
  position: string;
  orderKey: string;
}

/** The ledger's lines; a line torn by SIGKILL (no newline yet) is left out. */
export function readLedger(path: string): Delivery[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, "utf8");
  const complete = text.endsWith("\n") ? text : text.slice(0, text.lastIndexOf("\n") + 1);
  return complete
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [tag, id, position, orderKey] = line.split("\t");
      return { tag: tag!, id: id!, position: position!, orderKey: orderKey ?? "" };
    });
}

/** Rows of a SQLite table, sorted, as JSON text (for equality). */
export function sqliteRows(path: string, table: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.query(`SELECT * FROM "${table}"`).all() as unknown[]).map((r) => JSON.stringify(r)).sort();
  } finally {
    db.close();
  }
}

/** Items of a DynamoDB table, sorted, as JSON text (for equality). */
export async function dynamoItems(client: DynamoDBClient, table: string): Promise<string[]> {
  const items: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: table, ...(start ? { ExclusiveStartKey: start as never } : {}) }),
    );
    for (const item of page.Items ?? []) {
      items.push(
        JSON.stringify(Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : 1)))),
      );
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return items.sort();
}

/** `name:line` → `[file index, line]` for comparing positions in read order. */
export function positionKey(position: string, names: readonly string[]): [number, number] {
  const colon = position.lastIndexOf(":");
  return [names.indexOf(position.slice(0, colon)), Number(position.slice(colon + 1))];
}
