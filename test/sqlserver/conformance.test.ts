/**
 * The plugin conformance kit on the `sqlserver` target, through the real `mssql` client against
 * the TDS fake holding a model of the table (test/sqlserver/table-model.ts). The kit's storage
 * properties (batch == one by one, twice == once, order under retryable faults, dry runs leave
 * no trace) are checked against the model's reading of the MERGE, not SQL Server itself: the
 * live suite is the check against a server.
 */
import sqlserver from "../../plugins/sqlserver/index.ts";
import { validatePluginConfig } from "../../src/config/plugin-config.ts";
import type { EventBridgeEvent, Target } from "../../src/sdk/index.ts";
import { targetConformance, testHost } from "../../src/sdk/testing/index.ts";
import { startTdsFake } from "../fakes/tds-server.ts";
import { catalogAnswer, type FakeTable, isCatalog } from "./support.ts";
import { TableModel, type TableModelShape } from "./table-model.ts";

const plugin = sqlserver[0]!;

const ITEMS: FakeTable = {
  columns: [
    { name: "id", type: "nvarchar", maxLength: 128, nullable: false },
    { name: "n", type: "int" },
    { name: "value", type: "nvarchar", maxLength: -1 },
    { name: "version", type: "bigint" },
    { name: "deleted", type: "bit", nullable: false, hasDefault: true },
  ],
  primaryKey: ["id"],
};

async function make(
  options: { dryRun: boolean },
  extra: Record<string, unknown>,
  shape: TableModelShape,
  table = ITEMS,
) {
  const fake = await startTdsFake();
  const model = new TableModel(shape);
  fake.handler = (request) => (isCatalog(request) ? catalogAnswer(table) : model.handle(request));
  const raw = {
    url: `sqlserver://sa:pw@127.0.0.1:${fake.port}/app?encrypt=false`,
    table: "items",
    key: { id: "$.detail.key" },
    columns: { n: "$.detail.n", value: "$.detail.value" },
    deleteWhen: { "detail-type": ["Item Deleted"] },
    batchSize: 16,
    lanes: 4,
    ...extra,
  };
  const config = validatePluginConfig("sqlserver", plugin.config, raw, "test");
  const target = (await plugin.create(config as never, testHost({ dryRun: options.dryRun }))) as Target;
  return { target, state: async () => model.state(), dispose: () => fake.close() };
}

const noKey: EventBridgeEvent = {
  version: "0",
  id: "no-key",
  "detail-type": "Item Saved",
  source: "conformance.kit",
  account: "1",
  time: "2024-01-01T00:00:00Z",
  region: "us-east-1",
  resources: [],
  detail: { value: "a row with no key" },
};

targetConformance({
  name: "sqlserver (TDS fake, table model)",
  kind: "storage",
  make: (options) => make(options, {}, { keys: ["id"], values: ["n", "value"] }),
  invalidEvents: () => [noKey],
  async makeBroken() {
    const { target } = await make(
      { dryRun: false },
      {},
      { keys: ["id"], values: ["n", "value"] },
      {
        ...ITEMS,
        primaryKey: [],
      },
    );
    return target;
  },
});

targetConformance({
  name: "sqlserver with a version guard (TDS fake, table model)",
  kind: "storage",
  make: (options) =>
    make(
      options,
      {
        columns: { n: "$.detail.n", value: "$.detail.value", version: "$.detail.version" },
        ifNewer: "version",
      },
      { keys: ["id"], values: ["n", "value", "version"], version: "version", tombstone: "deleted" },
    ),
  invalidEvents: () => [noKey],
});
