/**
 * The kill test: a run file → SQLite + DynamoDB Local (+ a ledger that records every delivery)
 * is killed with SIGKILL at 20 random points — by time and by count of delivered events, in 5
 * logical runs killed 4 times each (a resumed run is killed again) — and after each kill
 * `--resume` continues it, the last one to the end. Every trial must end
 * with the tables of an uninterrupted run, every matched event delivered, a resumed run never
 * delivering an event before the checkpoint it resumed from (repeats only from the in-flight
 * window after it), and a final report whose counters count each event of the logical run once.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  createTable,
  DYNAMODB_LOCAL_HOOK_TIMEOUT_MS,
  dynamoDbLocal,
  uniqueTableName,
  useLocalAwsEnv,
} from "../services/dynamodb-local.ts";
import { seededRandom } from "../support/seeded-random.ts";
import {
  dynamoItems,
  FIXTURE_PLUGINS,
  type OrderEvent,
  positionKey,
  readLedger,
  runCliToEnd,
  spawnCli,
  sqliteRows,
  writeOrderEvents,
} from "./harness.ts";

// 5 logical runs, each killed 4 times (a resumed run is killed again), then resumed to the end.
const TRIALS = 5;
const KILLS_PER_TRIAL = 4;

let client: DynamoDBClient;
let restoreEnv: () => void;
const root = mkdtempSync(join(tmpdir(), "rehydrate-kill-"));
const input = join(root, "input");
let events: OrderEvent[];
let names: string[];
let matched: OrderEvent[];
let baseline: { sqlite: string[]; dynamo: string[]; durationMs: number };

function pipeline(dir: string, table: string): string {
  const file = join(dir, "pipeline.yaml");
  writeFileSync(
    file,
    `source: { plugin: file, paths: ["${input}/events-*.ndjson"], batchSize: 16 }
pattern: { source: [shop] }
targets:
  - uri: sqlite:out.db#orders
    createTable: true
    key: { order_id: $.detail.orderId }
    columns: { seq: $.detail.seq, status: $.detail.status, version: $.detail.version }
  - uri: dynamodb:${table}
    key: { pk: $.detail.orderId }
    attributes: { seq: $.detail.seq, status: $.detail.status, version: $.detail.version }
  # A little sleep per write makes the run's length depend less on the machine's load.
  - { uri: "ledger:ledger.log", delayMs: 3 }
checkpoint: { location: run.checkpoint, intervalSeconds: 0.05 }
report: report-\${env:RUN_TAG}.json
`,
  );
  return file;
}

async function newTrialDir(name: string): Promise<{ dir: string; table: string; file: string }> {
  const dir = join(root, name);
  mkdirSync(dir);
  const table = uniqueTableName("kill");
  await createTable(client, table, [{ name: "pk", type: "S" }]);
  return { dir, table, file: pipeline(dir, table) };
}

beforeAll(async () => {
  const local = await dynamoDbLocal();
  restoreEnv = useLocalAwsEnv(local.endpoint);
  client = local.client();
  mkdirSync(input);
  ({ names, events } = writeOrderEvents(input, { files: 3, perFile: 120, keys: 30, seed: 11 }));
  names = names.map((n) => join(input, n));
  matched = events.filter((e) => e.source === "shop");
  const { dir, table, file } = await newTrialDir("baseline");
  const run = await runAndKill(["run", file, "--plugin-dir", FIXTURE_PLUGINS], dir, "r0", "never");
  expect(run.code).toBe(0);
  baseline = {
    sqlite: sqliteRows(join(dir, "out.db"), "orders"),
    dynamo: await dynamoItems(client, table),
    // From the first delivery to the exit: what a time trigger is a fraction of.
    durationMs: run.deliveringMs,
  };
  expect(baseline.sqlite).toHaveLength(30);
}, DYNAMODB_LOCAL_HOOK_TIMEOUT_MS);

afterAll(() => {
  restoreEnv?.();
  client?.destroy();
  rmSync(root, { recursive: true, force: true });
});

/**
 * Runs the CLI and kills it with SIGKILL `ms` after its first delivery, or once the ledger holds
 * `count` lines of `tag` (or never). Returns its exit code and how long it delivered.
 */
async function runAndKill(
  args: string[],
  dir: string,
  tag: string,
  trigger: { ms: number } | { count: number } | "never",
): Promise<{ code: number; killed: boolean; deliveringMs: number }> {
  const proc = spawnCli(args, { RUN_TAG: tag }, dir);
  /** When this run delivered its first event: time triggers count from there, not from the start. */
  let delivering: number | undefined;
  let exited = false;
  proc.exited.then(() => {
    exited = true;
  });
  while (!exited) {
    const delivered = readLedger(join(dir, "ledger.log")).filter((d) => d.tag === tag).length;
    if (delivered > 0) delivering ??= performance.now();
    const due =
      trigger === "never"
        ? false
        : "ms" in trigger
          ? delivering !== undefined && performance.now() - delivering >= trigger.ms
          : delivered >= trigger.count;
    if (due) {
      proc.kill("SIGKILL");
      break;
    }
    await Bun.sleep(5);
  }
  const code = await proc.exited;
  const killed = proc.signalCode === "SIGKILL";
  if (killed) killsMidRun++;
  if (!killed && code !== 0) {
    throw new Error(`${args.at(-1)} exited ${code}: ${await new Response(proc.stderr).text()}`);
  }
  return { code, killed, deliveringMs: delivering === undefined ? 0 : performance.now() - delivering };
}

/** The frontier a checkpoint file stores, as [file index, line]; [0, 0] when there is none. */
function frontierOf(dir: string): { at: [number, number]; done: boolean } | undefined {
  const path = join(dir, "run.checkpoint");
  if (!existsSync(path)) return undefined;
  const doc = JSON.parse(readFileSync(path, "utf8"));
  const cursor = doc.cursor as { files: string[]; file: number; line: number } | null;
  if (!cursor) return { at: [0, 0], done: doc.done };
  expect(cursor.files).toEqual(names);
  return { at: [cursor.file, cursor.line], done: doc.done };
}

/** Kills that hit a running process (not one that had already finished). */
let killsMidRun = 0;

const before = (a: [number, number], b: [number, number]) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

test(`SIGKILL at ${TRIALS * KILLS_PER_TRIAL} random points, then --resume: same tables, every event accounted for, repeats only after the checkpoint`, async () => {
  const random = seededRandom(20240611);
  let resumedFromCheckpoint = 0;
  let repeatsSeen = 0;
  killsMidRun = 0;
  for (let trial = 0; trial < TRIALS; trial++) {
    const { dir, table, file } = await newTrialDir(`trial-${trial}`);
    const base = ["run", file, "--plugin-dir", FIXTURE_PLUGINS];
    const frontiers: Array<ReturnType<typeof frontierOf>> = [];
    for (let attempt = 0; attempt <= KILLS_PER_TRIAL; attempt++) {
      const tag = `r${attempt}`;
      const args = [...base];
      if (attempt > 0) {
        const frontier = frontierOf(dir);
        frontiers[attempt] = frontier;
        // Killed before its first save: nothing to resume, --resume=auto starts over.
        args.push(frontier ? "--resume" : "--resume=auto");
        if (frontier) resumedFromCheckpoint++;
      }
      if (attempt < KILLS_PER_TRIAL) {
        // Even trials kill by time, odd ones by the number of events delivered, at a random
        // point of what is left to do after the checkpoint.
        const from = frontiers[attempt]?.at ?? [0, 0];
        const left = matched.filter((e) => !before(e.at, from)).length;
        const trigger =
          trial % 2 === 0
            ? { ms: random() * 0.6 * baseline.durationMs * (left / matched.length) }
            : { count: 1 + Math.floor(random() * Math.max(1, left - 2)) };
        await runAndKill(args, dir, tag, trigger);
      } else {
        const run = await runCliToEnd(args, { RUN_TAG: tag }, dir);
        if (run.code !== 0)
          throw new Error(`trial ${trial}, ${args.at(-1)}: exit ${run.code}: ${run.stderr}`);
      }
    }

    // The tables equal those of the uninterrupted run.
    expect(sqliteRows(join(dir, "out.db"), "orders")).toEqual(baseline.sqlite);
    expect(await dynamoItems(client, table)).toEqual(baseline.dynamo);

    // Every matched event was delivered at least once; nothing else was.
    const deliveries = readLedger(join(dir, "ledger.log"));
    expect(new Set(deliveries.map((d) => d.id))).toEqual(new Set(matched.map((e) => e.id)));

    // A resumed run delivers nothing before its checkpoint: repeats come only from after it.
    for (let attempt = 1; attempt <= KILLS_PER_TRIAL; attempt++) {
      const frontier = frontiers[attempt];
      const mine = deliveries.filter((d) => d.tag === `r${attempt}`);
      if (frontier) {
        for (const d of mine) expect(before(positionKey(d.position, names), frontier.at)).toBe(false);
      }
      const earlier = new Set(deliveries.filter((d) => d.tag < `r${attempt}`).map((d) => d.id));
      const repeated = mine.filter((d) => earlier.has(d.id));
      repeatsSeen += repeated.length;
      if (frontier) {
        // The window: what the killed runs delivered at or after the checkpoint.
        const window = deliveries.filter(
          (d) => d.tag < `r${attempt}` && !before(positionKey(d.position, names), frontier.at),
        );
        expect(repeated.length).toBeLessThanOrEqual(window.length);
      }
    }

    // The final report counts the whole logical run, each event once.
    const report = JSON.parse(readFileSync(join(dir, `report-r${KILLS_PER_TRIAL}.json`), "utf8"));
    expect(report.status).toBe("completed");
    expect(report.source.read).toBe(events.length);
    expect(report.filter.matched).toBe(matched.length);
    expect(report.filter.unmatched).toBe(events.length - matched.length);
    for (const target of report.targets) {
      expect(target.sent).toBe(matched.length);
      expect(target.failed).toBe(0);
    }
    expect(report.checkpoint.done).toBe(true);
  }
  if (process.env.KILL_TEST_DEBUG)
    console.log(JSON.stringify({ resumedFromCheckpoint, repeatsSeen, killsMidRun }));
  // The test means something only if the kills hit running processes and most left a
  // checkpoint to resume from.
  expect(killsMidRun).toBeGreaterThanOrEqual(TRIALS * KILLS_PER_TRIAL - 2);
  expect(resumedFromCheckpoint).toBeGreaterThanOrEqual(15);
}, 120_000);
