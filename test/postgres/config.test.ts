import { describe, expect, test } from "bun:test";
import { postgresFromUri } from "../../plugins/postgres/config.ts";
import plugins from "../../plugins/postgres/index.ts";
import { validatePluginConfig } from "../../src/config/plugin-config.ts";
import type { TargetPlugin } from "../../src/sdk/index.ts";
import { testHost } from "./support.ts";

const [postgres, postgresql] = plugins as unknown as TargetPlugin[];

describe("postgres URIs", () => {
  test("postgres://…/db#table and #schema.table; the postgresql: scheme too", () => {
    expect(postgresFromUri("//app:pw@db:5432/app#users")).toEqual({
      url: "postgres://app:pw@db:5432/app",
      table: "users",
    });
    expect(postgresFromUri("//db/app?sslmode=require#sales.orders")).toEqual({
      url: "postgres://db/app?sslmode=require",
      schema: "sales",
      table: "orders",
    });
    expect(postgresql!.name).toBe("postgresql");
    expect(postgresql!.config.fromUri!("//db/app#t")).toEqual({ url: "postgresql://db/app", table: "t" });
  });

  test("errors name the URI without its password", () => {
    expect(() => postgresFromUri("//app:s3cret@db/app")).toThrow("postgres://…@db/app: expected");
    expect(() => postgresFromUri("//app:s3cret@db/app")).not.toThrow(/s3cret/);
    expect(() => postgresFromUri('//db/app#a"b')).toThrow(/is not a plain name or schema\.name/);
    expect(() => postgresFromUri("//db/app#a.b.c")).toThrow(/is not a plain name/);
  });
});

describe("postgres config spec", () => {
  const validate = (raw: Record<string, unknown>) =>
    validatePluginConfig("postgres", postgres!.config, raw, "pipeline.yaml: targets[0]");

  test("the url is a secret; defaults come from the spec", () => {
    expect(postgres!.config.fields.url?.secret).toBe(true);
    const config = validate({ url: "postgres://db/app", table: "users" });
    expect(config).toMatchObject({
      url: "postgres://db/app",
      table: "users",
      batchSize: 5000,
      connections: 4,
    });
  });

  test("cross-field problems name their field", () => {
    const problems = postgres!.config.validate!({
      url: "mysql://db/app",
      table: "t",
      columns: { v: "$.v" },
      ifNewer: "nope",
      connections: 0,
      tls: { mode: "require", caFile: "ca.pem" },
    });
    expect(problems).toEqual([
      "url: must be a postgres://user:password@host:port/database URL",
      "connections: must be a whole number ≥ 1",
      'tls.caFile: only used with tls.mode "verify-full"',
      'ifNewer: must name a column of `columns` (the event\'s version), got "nope"',
    ]);
  });

  test("every field is documented", () => {
    for (const [name, field] of Object.entries(postgres!.config.fields)) {
      expect(`${name}: ${field.description}`.length).toBeGreaterThan(name.length + 20);
    }
  });

  test("create does no I/O and rowKey is the key tuple", async () => {
    const target = await postgres!.create(
      {
        url: "postgres://nobody@127.0.0.1:1/none",
        table: "t",
        key: { tenant: "$.detail.t", id: "$.detail.id" },
      } as never,
      testHost(),
    );
    expect(target.sameKey).toBe("collapse");
    expect(target.rowKey!({ detail: { t: "a", id: 7 } } as never)).toBe('["a",7]');
    expect(target.rowKey!({ detail: { t: "a" } } as never)).toBeUndefined();
    expect(target.policy).toEqual({ maxItems: 5000, maxInFlight: 4 });
  });
});
