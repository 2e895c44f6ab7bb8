/**
 * The plugin conformance kit (src/sdk/testing) on the `opensearch` target and source, against
 * a real OpenSearch 3.8.0 (the shared node). One index per `make`.
 */
import { beforeAll } from "bun:test";
import {
  conformanceEvents,
  sourceConformance,
  targetConformance,
  testHost,
} from "../../src/sdk/testing/index.ts";
import {
  OPENSEARCH_HOOK_TIMEOUT_MS,
  type OpenSearchNode,
  openSearchNode,
  uniqueIndexName,
} from "../services/opensearch.ts";
import { documents, EVENT_MAPPINGS, seedIndex, sourceFor, targetFor } from "./support.ts";

let node: OpenSearchNode;
beforeAll(async () => {
  node = await openSearchNode("3.8.0");
}, OPENSEARCH_HOOK_TIMEOUT_MS);

targetConformance({
  name: "opensearch",
  kind: "storage",
  async make({ dryRun }) {
    const index = uniqueIndexName("conformance");
    const target = targetFor(
      {
        url: node.url,
        index,
        id: "$.detail.key",
        document: "detail",
        deleteWhen: { "detail-type": ["Item Deleted"] },
        settings: { number_of_shards: 1, number_of_replicas: 0 },
      },
      testHost({ dryRun }),
    );
    return {
      target,
      async state() {
        const exists = await fetch(`${node.url}/${index}`, { method: "HEAD" });
        if (exists.status === 404) return [];
        const docs = await documents(node.url, index);
        return [...docs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      },
      async dispose() {
        await fetch(`${node.url}/${index}`, { method: "DELETE" });
      },
    };
  },
  invalidEvents: () => [{ ...conformanceEvents(1)[0]!, id: "no-key", detail: { n: 0 } }],
  async makeBroken() {
    return targetFor({ url: "http://127.0.0.1:9", index: uniqueIndexName("broken") }, testHost());
  },
});

const sourceIndex = uniqueIndexName("conformance-source");
let seeded: Promise<void> | undefined;
const seed = () => {
  seeded ??= seedIndex(
    node.url,
    sourceIndex,
    conformanceEvents(300).map((e) => ({ _id: e.id, doc: e })),
    { mappings: EVENT_MAPPINGS, shards: 2 },
  );
  return seeded;
};

sourceConformance({
  name: "opensearch",
  records: 300,
  async make() {
    await seed();
    return sourceFor({ url: node.url, index: sourceIndex, pageSize: 40 });
  },
});

sourceConformance({
  name: "opensearch (3 slices merged)",
  records: 300,
  async make() {
    await seed();
    return sourceFor({ url: node.url, index: sourceIndex, pageSize: 40, slices: 3 });
  },
});
