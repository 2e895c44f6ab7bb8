import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtinPlugins } from "../../plugins/index.ts";
import { substituteEnv } from "../../src/config/env-substitution.ts";
import { loadPipelineFile } from "../../src/config/pipeline.ts";
import { pipelineSchemaWithPlugins } from "../../src/config/plugin-schema.ts";
import { resolveRun } from "../../src/config/resolve-run.ts";
import { pipelineSchema } from "../../src/config/schema.ts";
import { loadRegistry } from "../../src/host/registry.ts";

const write = (name: string, text: string) => {
  const dir = mkdtempSync(join(tmpdir(), "rh-cfg-"));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe("pipeline files", () => {
  test("YAML with ${env:NAME} substitution and defaults", () => {
    const file = write(
      "p.yaml",
      "source: file:${env:RH_IN}\ntargets: ['sqlite:${env:RH_DB:-out.db}#t']\norderKey: detail.id\n",
    );
    const spec = loadPipelineFile(file, { RH_IN: "events.ndjson" });
    expect(spec.source).toBe("file:events.ndjson");
    expect(spec.targets).toEqual(["sqlite:out.db#t"]);
    expect(spec.orderKey).toBe("detail.id");
  });

  test("an unset variable is an error naming it and the file", () => {
    const file = write("p.yaml", "source: file:${env:RH_MISSING}\n");
    expect(() => loadPipelineFile(file, {})).toThrow(`${file}: environment variable RH_MISSING is not set`);
  });

  test("unknown keys are errors naming the key and the file", () => {
    const file = write(
      "p.json",
      JSON.stringify({ source: "x.ndjson", targets: ["stdout:"], concurrensy: 3 }),
    );
    expect(() => loadPipelineFile(file, {})).toThrow(`${file}:1:44: unknown key "concurrensy"`);
  });

  test("wrong types are errors naming the key", () => {
    const file = write("p.yaml", "source: x\ntargets: [stdout:]\nlimit: -1\n");
    expect(() => loadPipelineFile(file, {})).toThrow(`"limit" must be an integer ≥ 0`);
  });

  test("plugin options: unknown keys name the key, the plugin and the place", async () => {
    const file = write(
      "p.yaml",
      "source: x.ndjson\ntargets:\n  - uri: sqlite:db.sqlite#t\n    colums: {a: $.id}\n",
    );
    const registry = await loadRegistry(builtinPlugins, []);
    const spec = loadPipelineFile(file, {});
    expect(() => resolveRun(spec, registry, { progress: false })).toThrow(
      `${file}: targets[0]: unknown key "colums" for sqlite`,
    );
  });

  test("an invalid pattern is a config error with AWS's reason", async () => {
    const file = write(
      "p.yaml",
      "source: x.ndjson\ntargets: ['sqlite:db.sqlite#t']\npattern: {source: []}\n",
    );
    const registry = await loadRegistry(builtinPlugins, []);
    expect(() => resolveRun(loadPipelineFile(file, {}), registry, { progress: false })).toThrow(
      "Event pattern is not valid. Reason: Empty arrays are not allowed",
    );
  });

  test("an unknown URI scheme lists the known ones", async () => {
    const registry = await loadRegistry(builtinPlugins, []);
    const spec = { baseDir: "/", source: "x.ndjson", targets: ["kafka:topic"] };
    expect(() => resolveRun(spec, registry, { progress: false })).toThrow(
      /unknown target "kafka" \(known targets: .*sqlite/,
    );
  });

  test("retry settings are checked and override the defaults", async () => {
    const ok = write(
      "p.yaml",
      "source: x.ndjson\ntargets: ['sqlite:db.sqlite#t']\nretry: {maxAttempts: 2}\n",
    );
    const registry = await loadRegistry(builtinPlugins, []);
    const plan = resolveRun(loadPipelineFile(ok, {}), registry, { progress: false });
    expect(plan.retry).toEqual({ maxAttempts: 2, baseDelayMs: 200, maxDelayMs: 20000 });
    const bad = write("p.yaml", "source: x\ntargets: [stdout:]\nretry: {attempts: 2}\n");
    expect(() => loadPipelineFile(bad, {})).toThrow(`${bad}:3:9: unknown key "retry.attempts"`);
  });

  test("substitution leaves non-strings alone", () => {
    expect(substituteEnv({ a: [1, true, null, "${env:X}"] }, { X: "y" }, "f")).toEqual({
      a: [1, true, null, "y"],
    });
  });

  test("docs/pipeline.schema.json is the published schema (run scripts/gen-schema.ts after changing it)", () => {
    const published = JSON.parse(
      readFileSync(join(import.meta.dir, "..", "..", "docs", "pipeline.schema.json"), "utf8"),
    );
    expect(published).toEqual(JSON.parse(JSON.stringify(pipelineSchemaWithPlugins(builtinPlugins))));
  });

  test("the schema describes each built-in plugin's options, so an editor refuses a misspelt one", () => {
    const schema = pipelineSchemaWithPlugins(builtinPlugins) as {
      properties: { targets: { items: { oneOf: Array<{ anyOf?: Array<Record<string, unknown>> }> } } };
    };
    const branches = schema.properties.targets.items.oneOf[1]!.anyOf!;
    const sqlite = branches.find((b) => b.title === "sqlite") as {
      additionalProperties: boolean;
      properties: Record<string, unknown>;
    };
    expect(sqlite.additionalProperties).toBe(false);
    expect(Object.keys(sqlite.properties)).toContain("columns");
    expect(Object.keys(sqlite.properties)).not.toContain("colums");
    expect(Object.keys(sqlite.properties)).toContain("pattern");
    // Top-level keys the loader accepts are exactly the schema's.
    expect(Object.keys(pipelineSchema.properties).length).toBeGreaterThan(10);
  });
});
