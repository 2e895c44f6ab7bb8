import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../support/cli.ts";

const root = join(import.meta.dir, "..", "..");

/** A copy of examples/ in a temp dir, so tests never write into the repo. */
function examplesCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "rh-cli-"));
  // Leave out examples/out/: a local quick start run may have left a database there.
  cpSync(join(root, "examples"), dir, {
    recursive: true,
    filter: (src) => !src.includes(`${join("examples", "out")}/`),
  });
  return dir;
}

describe("rehydrate run", () => {
  test("the quick start hydrates the orders read model and writes a report", async () => {
    const dir = examplesCopy();
    const { code, stderr } = await runCli(["run", join(dir, "quickstart.yaml")]);
    expect(stderr).toContain("rehydrate run completed");
    expect(code).toBe(0);
    const db = new Database(join(dir, "out", "orders.db"), { readonly: true });
    // 25 orders were placed, 6 were archived (deleted by deleteWhen).
    expect(db.query("SELECT count(*) AS n FROM orders").get()).toEqual({ n: 19 });
    expect(db.query("SELECT status, updated_at FROM orders WHERE order_id = 'ord-002'").get()).toEqual({
      status: "delivered",
      updated_at: "2024-05-01T00:23:26Z",
    });
    const report = JSON.parse(readFileSync(join(dir, "out", "quickstart-report.json"), "utf8"));
    expect(report.source.read).toBe(60);
    expect(report.filter).toMatchObject({ matched: 56, unmatched: 4 });
    expect(report.targets[0]).toMatchObject({ sent: 56, failed: 0 });
  });

  test("a dry run plans, writes nothing and still reports", async () => {
    const dir = examplesCopy();
    const { code, stderr } = await runCli([
      "run",
      join(dir, "quickstart.yaml"),
      "--dry-run",
      "--report",
      join(dir, "r.json"),
    ]);
    expect(code).toBe(0);
    expect(stderr).toContain("would upsert orders(order_id=ord-001)");
    expect(existsSync(join(dir, "out", "orders.db"))).toBe(false);
    const report = JSON.parse(readFileSync(join(dir, "r.json"), "utf8"));
    expect(report.dryRun).toBe(true);
    expect(report.targets[0]).toMatchObject({ sent: 0, planned: 56 });
    expect(report.targets[0].plannedActions).toEqual({ upsert: 50, delete: 6 });
  });

  test("flags alone: stdin to stdout through a pattern, output is valid NDJSON in read order", async () => {
    const input = [0, 1, 2, 3].map((i) =>
      JSON.stringify({ id: `${i}`, source: "s", "detail-type": i % 2 ? "B" : "A", detail: { i } }),
    );
    const { code, stdout } = await runCli(
      ["run", "--from", "-", "--to", "stdout:", "--pattern", '{"detail-type":["A"]}'],
      input.join("\n") + "\n",
    );
    expect(code).toBe(0);
    expect(
      stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).id),
    ).toEqual(["0", "2"]);
  });

  test("usage and config errors exit 2 with one line and touch nothing", async () => {
    const bad = await runCli([
      "run",
      "--from",
      "x.ndjson",
      "--to",
      "sqlite:out.db#t",
      "--pattern",
      '{"a":[]}',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stdout + bad.stderr).toContain("Empty arrays are not allowed");
    const noTarget = await runCli(["run", "--from", "x.ndjson"]);
    expect(noTarget.code).toBe(2);
    expect(noTarget.stdout + noTarget.stderr).toContain("no target");
  });

  test("a malformed line stops the run with file:line:column, exit 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rh-cli-"));
    const file = join(dir, "in.ndjson");
    writeFileSync(file, '{"source":"s","detail-type":"A","detail":{},"id":"1"}\n{"source": nope}\n');
    const out = join(dir, "out.ndjson");
    const { code, stderr } = await runCli([
      "run",
      "--from",
      file,
      "--to",
      `file:${out}`,
      "--report",
      join(dir, "r.json"),
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/in\.ndjson:2:\d+/);
    const report = JSON.parse(readFileSync(join(dir, "r.json"), "utf8"));
    expect(report.status).toBe("stopped");
    expect(readFileSync(out, "utf8").trim().split("\n")).toHaveLength(1);
  });

  test("--template takes the pattern of a CloudFormation rule, short tags and all", async () => {
    const dir = examplesCopy();
    writeFileSync(
      join(dir, "template.yaml"),
      [
        "Resources:",
        "  ShippedRule:",
        "    Type: AWS::Events::Rule",
        "    Properties:",
        "      EventBusName: !Ref Bus",
        "      EventPattern:",
        "        detail-type: [Order Shipped]",
        "      Targets: [{ Arn: !GetAtt Fn.Arn, Id: fn }]",
      ].join("\n"),
    );
    const report = join(dir, "r.json");
    const { code } = await runCli([
      "run",
      "--from",
      join(dir, "events.ndjson"),
      "--to",
      `file:${join(dir, "out.ndjson")}`,
      "--template",
      `${join(dir, "template.yaml")}#ShippedRule`,
      "--report",
      report,
    ]);
    expect(code).toBe(0);
    const shipped = readFileSync(join(dir, "events.ndjson"), "utf8")
      .split("\n")
      .filter((l) => l.includes('"Order Shipped"'));
    expect(JSON.parse(readFileSync(report, "utf8")).filter.matched).toBe(shipped.length);
    expect(shipped.length).toBeGreaterThan(0);
  });

  test("a runtime plugin from --plugin-dir is used as a target", async () => {
    const dir = examplesCopy();
    const out = join(dir, "ids.txt");
    const { code } = await runCli([
      "run",
      "--from",
      join(dir, "events.ndjson"),
      "--to",
      `upper:${out}`,
      "--plugin-dir",
      join(root, "test", "fixtures", "plugins-ok"),
      "--limit",
      "2",
    ]);
    expect(code).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(
      "7F3C0001-1C2B-4D5E-9F10-000000000001\n7F3C0002-1C2B-4D5E-9F10-000000000002\n",
    );
  });
});

describe("other commands", () => {
  test("validate runs target checks and reads no event", async () => {
    const dir = examplesCopy();
    const { code, stdout } = await runCli(["validate", join(dir, "quickstart.yaml")]);
    expect(code).toBe(0);
    expect(stdout).toContain("patterns: 1 valid");
    expect(stdout).toContain("target sqlite:out/orders.db#orders: ok");
  });

  test("plugins list shows built-ins and runtime plugins with their origin", async () => {
    const { code, stdout } = await runCli([
      "plugins",
      "list",
      "--plugin-dir",
      join(root, "test", "fixtures", "plugins-ok"),
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/target\s+sqlite\s+.*\[built-in\]/);
    expect(stdout).toMatch(/target\s+upper\s+.*upper-target\.ts\]/);
  });

  test("plugins describe shows fields and defaults", async () => {
    const { code, stdout } = await runCli(["plugins", "describe", "sqlite"]);
    expect(code).toBe(0);
    expect(stdout).toContain("createTable (boolean, default false)");
    const missing = await runCli(["plugins", "describe", "nope"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no plugin named "nope"');
  });

  test("a command line that does not parse exits 2", async () => {
    const { code } = await runCli(["run", "--no-such-flag"]);
    expect(code).toBe(2);
  });

  test("run --help teaches with examples", async () => {
    const { stdout } = await runCli(["run", "--help"]);
    expect(stdout).toContain("--order-key");
    expect(stdout).toContain("Examples");
    expect(stdout).toContain("rehydrate run examples/quickstart.yaml");
    expect(stdout).toContain("Exit codes");
  });
});
