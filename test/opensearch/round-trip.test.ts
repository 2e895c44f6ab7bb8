/**
 * End to end through `rehydrate run` (the in-process CLI) on a real OpenSearch 3.8.0:
 * file → OpenSearch → file gives the events unchanged (byte for byte, numbers beyond 2^53
 * included) and in order; a pattern with pushdown gives what the pattern selects; a dry run
 * writes nothing.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  OPENSEARCH_HOOK_TIMEOUT_MS,
  type OpenSearchNode,
  openSearchNode,
  osRequest,
  uniqueIndexName,
} from "../services/opensearch.ts";
import { runCli } from "../support/cli.ts";
import { EVENT_MAPPINGS, expectedOrder, tiedEvents } from "./support.ts";

let node: OpenSearchNode;
let dir: string;
beforeAll(async () => {
  node = await openSearchNode("3.8.0");
  dir = mkdtempSync(join(tmpdir(), "rh-opensearch-e2e-"));
}, OPENSEARCH_HOOK_TIMEOUT_MS);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("file → opensearch → file: the events come back unchanged and in (time, id) order", async () => {
  const index = uniqueIndexName("e2e");
  const events = tiedEvents(1500, 4);
  // In (time, id) order, one with a number JSON.parse would round.
  const byId = new Map(events.map((e) => [e.id, e]));
  const lines = expectedOrder(events).map((id) => JSON.stringify(byId.get(id)));
  lines[10] = lines[10]!.replace('"n":', '"big":9007199254740993,"n":');
  const input = join(dir, "in.ndjson");
  writeFileSync(input, `${lines.join("\n")}\n`);
  const load = join(dir, "load.json");
  writeFileSync(
    load,
    JSON.stringify({
      source: input,
      targets: [
        {
          uri: `opensearch:${index}`,
          url: node.url,
          mappings: EVENT_MAPPINGS,
          settings: { number_of_shards: 2 },
        },
      ],
    }),
  );
  const first = await runCli(["run", load]);
  expect(first.stderr).toContain("completed");
  expect(first.code).toBe(0);
  const count = await osRequest<{ count: number }>(node.url, "GET", `/${index}/_count`);
  expect(count.body.count).toBe(1500); // refreshed at the end: visible

  const out = join(dir, "out.ndjson");
  const read = join(dir, "read.json");
  writeFileSync(
    read,
    JSON.stringify({
      source: { uri: `opensearch:${index}`, url: node.url, slices: 2, pageSize: 200 },
      targets: [`file:${out}`],
    }),
  );
  const second = await runCli(["run", read]);
  expect(second.stderr).toContain("completed");
  expect(second.code).toBe(0);
  expect(readFileSync(out, "utf8")).toBe(`${lines.join("\n")}\n`);

  // A pattern (pushed down as terms filters on keyword fields) selects what it selects.
  const filtered = join(dir, "filtered.ndjson");
  const pattern = { source: ["shop.payments"], "detail-type": ["OrderCreated"] };
  const third = await runCli([
    "run",
    "--from",
    `opensearch:${node.url}/${index}`,
    "--pattern",
    JSON.stringify(pattern),
    "--to",
    `file:${filtered}`,
  ]);
  expect(third.code).toBe(0);
  const expected = lines.filter((l) => {
    const e = JSON.parse(l);
    return e.source === "shop.payments" && e["detail-type"] === "OrderCreated";
  });
  expect(expected.length).toBeGreaterThan(100);
  expect(readFileSync(filtered, "utf8")).toBe(`${expected.join("\n")}\n`);
}, 120_000);

test("a dry run checks and plans, and creates nothing", async () => {
  const index = uniqueIndexName("e2e-dry");
  const input = join(dir, "dry.ndjson");
  writeFileSync(
    input,
    `${tiedEvents(5, 1)
      .map((e) => JSON.stringify(e))
      .join("\n")}\n`,
  );
  const result = await runCli([
    "run",
    "--dry-run",
    "--from",
    input,
    "--to",
    `opensearch:${node.url}/${index}`,
  ]);
  expect(result.code).toBe(0);
  expect(result.stderr).toContain("5 planned (index 5)");
  expect(result.stderr).toContain(`would index ${index}/e-000000`);
  expect((await osRequest(node.url, "HEAD", `/${index}`)).status).toBe(404);
});

test("opensearch → opensearch with a checkpoint: a run stopped by --limit resumes from the cursor and the copy is complete", async () => {
  const from = uniqueIndexName("e2e-resume-src");
  const to = `${from}-copy`;
  const events = tiedEvents(1200, 3);
  const lines = expectedOrder(events).map((id) => JSON.stringify(events.find((e) => e.id === id)));
  const input = join(dir, "resume-in.ndjson");
  writeFileSync(input, `${lines.join("\n")}\n`);
  const seed = await runCli(["run", "--from", input, "--to", `opensearch:${node.url}/${from}`, "-q"]);
  expect(seed.code).toBe(0);
  const pipelineFile = join(dir, "resume.json");
  writeFileSync(
    pipelineFile,
    JSON.stringify({
      source: { uri: `opensearch:${from}`, url: node.url, pageSize: 100, slices: 2 },
      targets: [{ uri: `opensearch:${to}`, url: node.url }],
      checkpoint: join(dir, "resume.checkpoint"),
    }),
  );
  const report = join(dir, "resume-report.json");
  const first = await runCli(["run", pipelineFile, "--limit", "450", "--report", report, "-q"]);
  expect(first.code).toBe(0);
  const stored = JSON.parse(readFileSync(join(dir, "resume.checkpoint"), "utf8"));
  expect(stored.cursor).toMatchObject({ v: 1, slices: 2 });
  await osRequest(node.url, "POST", `/${to}/_refresh`);
  const partial = (await osRequest<{ count: number }>(node.url, "GET", `/${to}/_count`)).body.count;
  expect(partial).toBeGreaterThanOrEqual(450);
  expect(partial).toBeLessThan(1200);
  const second = await runCli(["run", pipelineFile, "--resume", "--report", report, "-q"]);
  expect(second.code).toBe(0);
  const resumed = JSON.parse(readFileSync(report, "utf8"));
  expect(resumed.checkpoint.resumed.from).toContain('"after"');
  expect(resumed.checkpoint.done).toBe(true);
  await osRequest(node.url, "POST", `/${to}/_refresh`);
  const count = await osRequest<{ count: number }>(node.url, "GET", `/${to}/_count`);
  expect(count.body.count).toBe(1200);
}, 120_000);
