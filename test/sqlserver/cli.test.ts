/**
 * The SQL Server target through the CLI and the engine (registration, URI parsing, secrets,
 * validate, run), against the TDS fake. Merge outcomes are scripted by the fake.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTdsFake, type TdsFake } from "../fakes/tds-server.ts";
import { runCli } from "../support/cli.ts";
import { isCatalog, mergeAnswer, tableHandler, USERS, userEvent } from "./support.ts";

let fake: TdsFake;
let dir: string;
let input: string;
beforeAll(async () => {
  fake = await startTdsFake();
  dir = mkdtempSync(join(tmpdir(), "rehydrate-sqlserver-cli-"));
  input = join(dir, "events.ndjson");
  writeFileSync(
    input,
    [1, 2, 3].map((n) => JSON.stringify(userEvent(`u${n}`, { email: `${n}@x` }))).join("\n"),
  );
});
afterAll(async () => {
  await fake.close();
});

const uri = () => `sqlserver://sa:S3cret-pw@127.0.0.1:${fake.port}/app?encrypt=false#users`;

test("plugins describe lists the options, the URL marked secret", async () => {
  const { code, stdout } = await runCli(["plugins", "describe", "sqlserver"]);
  expect(code).toBe(0);
  for (const field of [
    "url",
    "password",
    "ifNewer",
    "tombstoneColumn",
    "lanes",
    "stage",
    "trustServerCertificate",
  ])
    expect(stdout).toContain(field);
});

test("validate checks the table read-only and never prints the password", async () => {
  fake.requests.length = 0;
  fake.handler = tableHandler(() => USERS);
  const { code, stdout, stderr } = await runCli(["validate", "--from", input, "--to", uri()]);
  const output = stdout + stderr;
  expect(output).not.toContain("S3cret-pw");
  // The default mapping puts the whole event in `event`, which USERS lacks: a named problem.
  expect(output).toContain('column "event" (mapped from $) does not exist in table "dbo.users"');
  expect(code).not.toBe(0);
  expect(fake.statements().filter((r) => !isCatalog(r))).toEqual([]);
});

test("run writes file events through one MERGE per batch", async () => {
  fake.requests.length = 0;
  fake.handler = tableHandler(
    () => USERS,
    () => mergeAnswer({ INSERT: 3 }),
  );
  const pipeline = join(dir, "pipeline.yaml");
  writeFileSync(
    pipeline,
    [
      `source: ${input}`,
      "targets:",
      `  - uri: "${uri()}"`,
      "    key: { id: $.detail.userId }",
      "    columns: { email: $.detail.email }",
    ].join("\n"),
  );
  const { code, stdout, stderr } = await runCli(["run", pipeline]);
  expect(stdout + stderr).not.toContain("S3cret-pw");
  expect({ code, stderr }).toMatchObject({ code: 0 });
  const merges = fake.requests.filter((r) => /\bMERGE\b/.test(r.sql));
  expect(merges.length).toBeGreaterThanOrEqual(1);
  const keys = merges.flatMap((r) => r.params.filter((_, i) => i % 2 === 0).map((p) => p.value));
  expect(keys.sort()).toEqual(["u1", "u2", "u3"]);
});

test("the pipeline in docs/targets/sqlserver.md validates (the table would be created)", async () => {
  fake.requests.length = 0;
  fake.handler = tableHandler(() => undefined);
  const doc = readFileSync(join(import.meta.dir, "../../docs/targets/sqlserver.md"), "utf8");
  const yaml = doc.slice(doc.indexOf("<<'YAML'\n") + 9, doc.indexOf("\nYAML\n"));
  expect(yaml).toContain("createTable: true");
  const pipeline = join(dir, "mssql.yaml");
  writeFileSync(pipeline, yaml.replace("127.0.0.1:1433", `127.0.0.1:${fake.port}`));
  const { code, stdout, stderr } = await runCli(["validate", pipeline]);
  expect(stdout + stderr).toContain(
    "it will be created: IF OBJECT_ID(@table, N'U') IS NULL CREATE TABLE [dbo].[orders]",
  );
  expect(stdout + stderr).not.toContain("Rehydrate-Test-1");
  expect(code).toBe(0);
  expect(fake.statements().filter((r) => !isCatalog(r))).toEqual([]);
});

test("a deadlock during a run is retried by the engine and the run succeeds", async () => {
  fake.requests.length = 0;
  let deadlocks = 1;
  fake.handler = tableHandler(
    () => ({ ...USERS, columns: [...USERS.columns, { name: "event", type: "nvarchar", maxLength: -1 }] }),
    () =>
      deadlocks-- > 0
        ? { kind: "error", error: { number: 1205, message: "chosen as the deadlock victim" } }
        : mergeAnswer({ INSERT: 3 }),
  );
  const report = join(dir, "report.json");
  const { code, stderr } = await runCli(["run", "--from", input, "--to", uri(), "--report", report]);
  expect({ code, stderr }).toMatchObject({ code: 0 });
  expect(fake.requests.filter((r) => /\bMERGE\b/.test(r.sql)).length).toBeGreaterThanOrEqual(2);
  const text = readFileSync(report, "utf8");
  expect(text).not.toContain("S3cret-pw");
  const [target] = (JSON.parse(text) as { targets: Array<Record<string, unknown>> }).targets;
  expect(target).toMatchObject({ plugin: "sqlserver", sent: 3, failed: 0, retried: 1 });
  expect(String(target!.name)).toBe(`sqlserver://…@127.0.0.1:${fake.port}/app?encrypt=false#users`);
});
