/** Reports other tools can read: the published schema, --report -, Markdown, --json, GitHub Actions. */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { githubAnnotations, MAX_ANNOTATIONS } from "../../src/report/github.ts";
import { renderMarkdownReport } from "../../src/report/markdown.ts";
import { reportSchema } from "../../src/report/report-schema.ts";
import type { RunReport } from "../../src/report/run-report.ts";
import { runCli } from "../support/cli.ts";
import { schemaProblems } from "./schema-check.ts";
import { removeTempDirs, tempDir } from "./temp-dirs.ts";

afterAll(removeTempDirs);

const root = join(import.meta.dir, "..", "..");

function events(n: number, extra: (i: number) => object = () => ({})): string {
  return Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      id: `e${i}`,
      source: "shop",
      "detail-type": "Order Placed",
      detail: { i, ...extra(i) },
    }),
  ).join("\n");
}

/** Runs with process.env changed for the run only (runCli passes process.env to the CLI). */
async function withEnv<T>(env: Record<string, string | undefined>, body: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await body();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

afterEach(() => {
  delete process.env.AWS_ENDPOINT_URL;
});

describe("docs/report.schema.json", () => {
  test("is the schema the code describes, printed", () => {
    const published = JSON.parse(readFileSync(join(root, "docs", "report.schema.json"), "utf8"));
    expect(published).toEqual(JSON.parse(JSON.stringify(reportSchema)));
  });

  test("names every field of every report interface in run-report.ts (a new field without schema fails)", () => {
    const text = readFileSync(join(root, "src", "report", "run-report.ts"), "utf8");
    const fieldsOf = (name: string): string[] => {
      const body = new RegExp(`export interface ${name} (?:extends [^{]+)?\\{([\\s\\S]*?)\\n\\}`).exec(
        text,
      )?.[1];
      if (body === undefined) throw new Error(`interface ${name} not found in run-report.ts`);
      // Top-level fields only: lines indented by exactly two spaces, `name:` or `name?:`.
      return [...body.matchAll(/^ {2}([A-Za-z$][\w$]*)\??:/gm)].map((m) => m[1]!).sort();
    };
    const schemaKeys = (schema: unknown) =>
      Object.keys((schema as { properties: Record<string, unknown> }).properties).sort();
    const props = (reportSchema as { properties: Record<string, Record<string, unknown>> }).properties;
    const target = (props.targets as { items: unknown }).items;
    expect(schemaKeys(reportSchema)).toEqual(fieldsOf("RunReport"));
    expect(schemaKeys(target)).toEqual(fieldsOf("TargetReport"));
    const failure = (
      (target as { properties: Record<string, { items: unknown }> }).properties.failures as { items: unknown }
    ).items;
    expect(schemaKeys(failure)).toEqual(fieldsOf("FailureSample"));
    const plan = (target as { properties: Record<string, { items: unknown }> }).properties.plan!.items;
    expect(schemaKeys(plan)).toEqual(fieldsOf("PlanSample"));
    expect(schemaKeys((target as { properties: Record<string, unknown> }).properties.latencyMs)).toEqual(
      fieldsOf("LatencyPercentiles"),
    );
  });

  test("the validator used here rejects what it should", () => {
    expect(schemaProblems(reportSchema, { version: 2 })).toContain("$.version: expected 1");
    expect(schemaProblems(reportSchema, {}).some((p) => p.includes("missing targets"))).toBe(true);
  });

  test("real reports of real, dry and failing runs are valid", async () => {
    const dir = tempDir("report");
    const input = join(dir, "in.ndjson");
    writeFileSync(input, `${events(5)}\n{not json\n`);
    const runs = [
      [
        "run",
        "--from",
        input,
        "--to",
        `file:${join(dir, "a.ndjson")}`,
        "--report",
        join(dir, "r1.json"),
        "--skip-invalid",
      ],
      [
        "run",
        "--from",
        input,
        "--to",
        `file:${join(dir, "b.ndjson")}`,
        "--report",
        join(dir, "r2.json"),
        "--dry-run",
      ],
      ["run", "--from", input, "--to", `file:${join(dir, "c.ndjson")}`, "--report", join(dir, "r3.json")],
    ];
    for (const [i, argv] of runs.entries()) {
      await runCli(argv);
      const report = JSON.parse(readFileSync(join(dir, `r${i + 1}.json`), "utf8"));
      expect(schemaProblems(reportSchema, report)).toEqual([]);
    }
  });
});

describe("report formats and places", () => {
  test("--report - writes the JSON report to stdout, the summary still goes to stderr", async () => {
    const dir = tempDir("report");
    const { code, stdout, stderr } = await runCli(
      ["run", "--from", "-", "--to", `file:${join(dir, "out.ndjson")}`, "--report", "-"],
      events(3),
    );
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as RunReport;
    expect(report.source.read).toBe(3);
    expect(report.targets[0]!.sent).toBe(3);
    expect(stderr).toContain("rehydrate run completed");
    expect(existsSync(join(process.cwd(), "-"))).toBe(false);
  });

  test("--report - with a stdout: target is refused before anything is read", async () => {
    const { code, stdout, stderr } = await runCli(
      ["run", "--from", "-", "--to", "stdout:", "--report", "-"],
      events(2),
    );
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain("--report - writes to stdout");
  });

  test("--report-format md writes Markdown, and the summary names the report file", async () => {
    const dir = tempDir("report");
    const path = join(dir, "report.md");
    const { code, stderr } = await runCli(
      [
        "run",
        "--from",
        "-",
        "--to",
        `file:${join(dir, "o.ndjson")}`,
        "--report",
        path,
        "--report-format",
        "md",
      ],
      events(4),
    );
    expect(code).toBe(0);
    const md = readFileSync(path, "utf8");
    expect(md).toStartWith("## ✅ rehydrate run completed");
    expect(md).toContain("| Target | Sent | Skipped | Failed |");
    expect(md).toMatch(/\| `file:.*o\.ndjson` \(file\) \| 4 \| 0 \| 0 \|/);
    expect(stderr).toContain(`report written to ${path}`);
  });

  test("--report-format with a typo is a usage error", async () => {
    const { code, stderr } = await runCli([
      "run",
      "--from",
      "-",
      "--to",
      "stdout:",
      "--report-format",
      "mdx",
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain("--report-format must be one of json, md");
  });

  test("--json prints the report as one JSON line on stdout and no human summary", async () => {
    const dir = tempDir("report");
    const { code, stdout, stderr } = await runCli(
      ["run", "--from", "-", "--to", `file:${join(dir, "o.ndjson")}`, "--json"],
      events(2),
    );
    expect(code).toBe(0);
    expect(stdout.trim().split("\n")).toHaveLength(1);
    expect(JSON.parse(stdout).filter.matched).toBe(2);
    expect(stderr).not.toContain("rehydrate run completed");
  });

  test("--json still answers when the run fails its pre-flight (status and error, exit 2)", async () => {
    const dir = tempDir("report");
    const { code, stdout, stderr } = await runCli([
      "run",
      "--from",
      join(dir, "missing.ndjson"),
      "--to",
      `file:${join(dir, "o.ndjson")}`,
      "--json",
    ]);
    expect(code).toBe(2);
    const report = JSON.parse(stdout) as RunReport;
    expect(report.status).toBe("preflight-failed");
    expect(report.error).toContain("missing.ndjson");
    expect(stderr).toStartWith("rehydrate: ");
  });

  test("the report carries the resolved configuration with secrets redacted", async () => {
    const dir = tempDir("report");
    const { stdout } = await runCli(
      ["run", "--from", "-", "--to", `file:${join(dir, "o.ndjson")}`, "--report", "-"],
      events(1),
    );
    const report = JSON.parse(stdout) as RunReport;
    expect(report.config?.source.plugin).toBe("file");
    expect(report.config?.targets[0]?.plugin).toBe("file");
    expect(Object.keys(report.config!.targets[0]!.options).length).toBeGreaterThan(0);
  });

  test("-q prints nothing on success but still the summary when the run fails", async () => {
    const dir = tempDir("report");
    const ok = await runCli(["run", "-q", "--from", "-", "--to", `file:${join(dir, "o.ndjson")}`], events(2));
    expect(ok.code).toBe(0);
    expect(ok.stderr).toBe("");
    const bad = await runCli(
      ["run", "-q", "--from", "-", "--to", `file:${join(dir, "p.ndjson")}`],
      "{oops\n",
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("rehydrate run stopped");
  });
});

describe("GitHub Actions", () => {
  test("a run in Actions appends a Markdown summary and prints bounded ::error annotations", async () => {
    const dir = tempDir("report");
    const summary = join(dir, "summary.md");
    writeFileSync(summary, "earlier step\n");
    const input = join(dir, "bad.ndjson");
    const lines = [events(1), ...Array.from({ length: 15 }, (_, i) => `{broken ${i}`)];
    writeFileSync(input, `${lines.join("\n")}\n`);
    const { code, stderr } = await withEnv(
      { GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: summary, GITHUB_WORKSPACE: dir },
      () => runCli(["run", "--from", input, "--to", `file:${join(dir, "o.ndjson")}`, "--skip-invalid"]),
    );
    expect(code).not.toBe(2);
    const md = readFileSync(summary, "utf8");
    expect(md).toStartWith("earlier step\n## ");
    expect(md).toContain("### Invalid records");
    const annotations = stderr.split("\n").filter((l) => l.startsWith("::error "));
    expect(annotations.length).toBeGreaterThan(0);
    expect(annotations.length).toBeLessThanOrEqual(MAX_ANNOTATIONS);
    expect(annotations[0]).toMatch(
      /^::error file=bad\.ndjson,line=2,col=\d+,title=rehydrate%3A invalid record::/,
    );
    expect(stderr).toContain("::notice title=rehydrate::");
  });

  test("outside Actions nothing is annotated", async () => {
    const dir = tempDir("report");
    const { stderr } = await withEnv({ GITHUB_ACTIONS: undefined }, () =>
      runCli(["run", "--from", "-", "--to", `file:${join(dir, "o.ndjson")}`, "--skip-invalid"], "{x\n"),
    );
    expect(stderr).not.toContain("::error");
  });

  test("annotation text is escaped the way GitHub reads workflow commands", () => {
    const report = {
      source: { invalid: 0, invalidSamples: [] },
      targets: [
        {
          name: "t,1",
          failed: 1,
          failures: [{ position: "a:b.ndjson:7", code: "X", message: "50% off\nnext" }],
        },
      ],
    } as unknown as RunReport;
    expect(githubAnnotations(report)).toEqual([
      "::error file=a%3Ab.ndjson,line=7,title=rehydrate%3A t%2C1::a:b.ndjson:7: X: 50%25 off%0Anext",
    ]);
  });

  test("Markdown cells escape pipes and keep samples bounded", () => {
    const failures = Array.from({ length: 20 }, (_, i) => ({
      position: `f:${i}`,
      code: "C|D",
      message: "m",
    }));
    const report = {
      dryRun: false,
      status: "failed",
      exitCode: 1,
      durationMs: 5,
      startedAt: "2026-01-01T00:00:00Z",
      tool: { name: "rehydrate", version: "x" },
      source: { name: "s", plugin: "file", read: 100, invalid: 0, invalidSamples: [] },
      filter: { matched: 100, unmatched: 0, prefiltered: 0, patterns: 0 },
      throughput: { readPerSecond: 1 },
      targets: [
        {
          name: "t",
          plugin: "p",
          sent: 50,
          failed: 50,
          retried: 0,
          throttled: 0,
          cancelled: 0,
          failures,
          failuresByCode: { "C|D": 50 },
        },
      ],
    } as unknown as RunReport;
    const md = renderMarkdownReport(report);
    expect(md).toContain("| C\\|D | 50 |");
    expect(md.match(/^- `f:/gm)).toHaveLength(10);
    expect(md).toContain("… 40 more");
  });
});
