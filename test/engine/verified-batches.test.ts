/**
 * `SourceBatch.verified`: a source that has checked its records' shape itself lets the engine
 * skip the check, and in a run that never looks at events (no pattern, time range, routes or
 * order key) the engine passes them on unparsed — a `file:` target then writes their text and
 * nothing parses them. Every case checks the accounting invariant.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtinPlugins } from "../../plugins/index.ts";
import { resolveRun } from "../../src/config/resolve-run.ts";
import { ownKeysOnly } from "../../src/config/shard.ts";
import { createSelection } from "../../src/engine/read/selection.ts";
import { runPipeline } from "../../src/engine/run.ts";
import { loadRegistry } from "../../src/host/registry.ts";
import {
  type Envelope,
  PLUGIN_API_VERSION,
  type Plugin,
  type SourceBatch,
  type SourcePlugin,
  type TargetPlugin,
} from "../../src/sdk/index.ts";
import { expectAccounted } from "../faults/accounting.ts";
import { testIO } from "../support/run-plan.ts";

/** A record whose value is parsed from its text on first read, counting the parses. */
class LazyRecord {
  private parsed: unknown;
  constructor(
    readonly text: string,
    readonly position: string,
    private readonly parses: { count: number },
  ) {}
  get value(): unknown {
    if (this.parsed === undefined) {
      this.parses.count++;
      this.parsed = JSON.parse(this.text);
    }
    return this.parsed;
  }
}

const texts = (count: number) =>
  Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      version: "0",
      id: `e${i}`,
      "detail-type": i % 3 === 0 ? "Wanted" : "Other",
      source: "test",
      time: `2024-01-01T00:00:${String(i % 60).padStart(2, "0")}Z`,
      detail: { i, note: i % 7 === 0 ? "café ☕" : "plain" },
    }),
  );

/** A source yielding `verified` batches of lazy records (a few records per batch). */
function verifiedSource(lines: string[], parses: { count: number }, verified = true): SourcePlugin {
  return {
    kind: "source",
    name: "verified",
    api: PLUGIN_API_VERSION,
    summary: "verified lazy records (test)",
    config: { fields: {} },
    create: () => ({
      async *batches() {
        for (let i = 0; i < lines.length; i += 7) {
          const batch: SourceBatch = {
            records: lines.slice(i, i + 7).map((text, j) => new LazyRecord(text, `v:${i + j + 1}`, parses)),
            verified,
          };
          yield batch;
        }
      },
    }),
  };
}

/** A target that reads every event it is given (so lazy events must parse on demand). */
const readingTarget = (seen: string[]): TargetPlugin => ({
  kind: "target",
  name: "reading",
  api: PLUGIN_API_VERSION,
  summary: "reads events (test)",
  config: { fields: {} },
  create: () => ({
    policy: { maxItems: 5, maxInFlight: 1 },
    sameKey: "sequential" as const,
    check: async () => ({ ok: true, details: [] }),
    plan: async () => [],
    write: async (batch: readonly Envelope[]) => {
      for (const envelope of batch) seen.push(`${envelope.event.id}@${envelope.position}`);
      return { failures: [] };
    },
  }),
});

async function run(
  source: SourcePlugin,
  targets: string[],
  options: {
    patterns?: unknown[];
    limit?: number;
    extra?: Plugin[];
    uri?: string;
    skipInvalid?: boolean;
  } = {},
) {
  const registry = await loadRegistry([...builtinPlugins, source, ...(options.extra ?? [])] as Plugin[], []);
  const plan = resolveRun(
    {
      baseDir: process.cwd(),
      source: { uri: options.uri ?? "verified:" },
      targets,
      patterns: options.patterns ?? [],
      ...(options.limit === undefined ? {} : { limit: options.limit }),
      ...(options.skipInvalid && { skipInvalid: true }),
    },
    registry,
    { progress: false, prefilter: true },
  );
  return runPipeline(plan, testIO());
}

describe("verified batches", () => {
  test("match-all to a file target: the text is written and no event is parsed but the report's first and last", async () => {
    const lines = texts(100);
    const parses = { count: 0 };
    const out = join(mkdtempSync(join(tmpdir(), "rh-verified-")), "out.ndjson");
    const report = await run(verifiedSource(lines, parses), [`file:${out}`]);
    expect(report.exitCode).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(lines.join("\n") + "\n");
    expect(report.filter.matched).toBe(100);
    expect(report.events).toEqual({
      firstId: "e0",
      firstTime: "2024-01-01T00:00:00Z",
      lastId: "e99",
      lastTime: "2024-01-01T00:00:39Z",
    });
    expect(parses.count).toBe(2);
    expectAccounted(report);
  });

  test("a target that reads the event gets it parsed on demand, in order", async () => {
    const lines = texts(30);
    const parses = { count: 0 };
    const seen: string[] = [];
    const report = await run(verifiedSource(lines, parses), ["reading:"], {
      extra: [readingTarget(seen) as Plugin],
    });
    expect(report.exitCode).toBe(0);
    expect(seen).toEqual(lines.map((_, i) => `e${i}@v:${i + 1}`));
    expectAccounted(report);
  });

  test("with a pattern every event is parsed and matched as usual", async () => {
    const lines = texts(60);
    const parses = { count: 0 };
    const out = join(mkdtempSync(join(tmpdir(), "rh-verified-")), "out.ndjson");
    const report = await run(verifiedSource(lines, parses), [`file:${out}`], {
      patterns: [{ "detail-type": ["Wanted"] }],
    });
    expect(report.filter.matched).toBe(20);
    expect(report.filter.unmatched).toBe(40);
    expect(parses.count).toBe(60);
    expect(readFileSync(out, "utf8")).toBe(lines.filter((_, i) => i % 3 === 0).join("\n") + "\n");
    expect(report.events.lastId).toBe("e57");
    expectAccounted(report);
  });

  test("--limit stops at exactly the limit-th event on the unparsed path", async () => {
    const lines = texts(50);
    const out = join(mkdtempSync(join(tmpdir(), "rh-verified-")), "out.ndjson");
    const report = await run(verifiedSource(lines, { count: 0 }), [`file:${out}`], { limit: 17 });
    expect(report.filter.matched).toBe(17);
    expect(readFileSync(out, "utf8").split("\n")).toHaveLength(18);
    expect(report.events.lastId).toBe("e16");
    expectAccounted(report);
  });

  test("an unverified batch is still checked: a record that is not an event is invalid", async () => {
    const lines = [...texts(3), '{"not":"an event"}'];
    const report = await run(verifiedSource(lines, { count: 0 }, false), ["stdout:"]);
    expect(report.source.invalid).toBe(1);
    expect(report.source.invalidSamples[0]!.position).toBe("v:4");
    expectAccounted(report);
  });

  test("a selection looks at events once a key-hash shard keeps only its own keys", () => {
    const all = createSelection(undefined, {}, 1);
    expect(all.everyEvent).toBe(1);
    expect(ownKeysOnly(all, undefined, () => "k")).toBe(all);
    const sharded = ownKeysOnly(all, { index: 0, count: 2 }, (event) => event.id);
    expect(sharded.everyEvent).toBeUndefined();
    expect(createSelection(undefined, { sinceMs: 0 }, 1).everyEvent).toBeUndefined();
  });

  test("the source is told when nothing reads parsed events", async () => {
    const seen: Array<boolean | undefined> = [];
    const probe: SourcePlugin = {
      ...verifiedSource(texts(3), { count: 0 }),
      create: () => ({
        async *batches(ctx) {
          seen.push(ctx.pushdown?.eventsUnread);
          yield { records: [] };
        },
      }),
    };
    const dir = mkdtempSync(join(tmpdir(), "rh-verified-"));
    const out = join(dir, "out.ndjson");
    await run(probe, [`file:${out}`]);
    await run(probe, [`file:${out}`, "stdout:"]);
    await run(probe, [`file:${out}`], { patterns: [{ source: ["test"] }] });
    await run(probe, [`file:${out}`, `sqlite:${join(dir, "db.sqlite")}#t`]);
    expect(seen).toEqual([true, true, undefined, undefined]);
  });

  test("file → file, match-all, one thread: verified, bytes unchanged, a record that is not an event is invalid", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rh-verified-"));
    const lines = texts(2500);
    const input = [...lines.slice(0, 1200), '{"not":"an event"}', ...lines.slice(1200)];
    await Bun.write(join(dir, "in.ndjson"), input.join("\n") + "\n");
    const out = join(dir, "out.ndjson");
    const report = await run(verifiedSource([], { count: 0 }), [`file:${out}`], {
      uri: `file:${join(dir, "in.ndjson")}`,
      skipInvalid: true,
    });
    expect(readFileSync(out, "utf8")).toBe(lines.join("\n") + "\n");
    expect(report.source.invalid).toBe(1);
    expect(report.source.invalidSamples[0]!.position).toEndWith("in.ndjson:1201");
    expect(report.events).toMatchObject({ firstId: "e0", lastId: "e2499" });
    expectAccounted(report);
  });

  test("records with bytes: a file target copies them, and nothing decodes or parses them", async () => {
    const lines = texts(40);
    const counts = { decodes: 0, parses: 0 };
    /** A record given as bytes, decoding its text and parsing its value only when read. */
    class BytesRecord {
      constructor(
        readonly bytes: Uint8Array,
        readonly position: string,
      ) {}
      get text(): string {
        counts.decodes++;
        return Buffer.from(this.bytes).toString("utf8");
      }
      get value(): unknown {
        counts.parses++;
        return JSON.parse(this.text);
      }
    }
    const bytesSource: SourcePlugin = {
      ...verifiedSource([], { count: 0 }),
      create: () => ({
        async *batches() {
          for (let i = 0; i < lines.length; i += 8) {
            yield {
              records: lines
                .slice(i, i + 8)
                .map((text, j) => new BytesRecord(Buffer.from(text), `b:${i + j + 1}`) as never),
              verified: true,
            };
          }
        },
      }),
    };
    const out = join(mkdtempSync(join(tmpdir(), "rh-verified-")), "out.ndjson");
    const report = await run(bytesSource, [`file:${out}`]);
    expect(readFileSync(out, "utf8")).toBe(lines.join("\n") + "\n");
    expect(report.events.lastId).toBe("e39");
    // Only the report's first and last events were read (each: one decode, one parse).
    expect(counts).toEqual({ decodes: 2, parses: 2 });
    expectAccounted(report);
  });
});
