import { expect, test } from "bun:test";
import { collapseByKey } from "./collapse.ts";
import type { WriteAction } from "./item-mapping.ts";

const put = (k: string, v: number): WriteAction => ({
  kind: "put",
  key: { pk: { S: k } },
  keyId: k,
  item: { pk: { S: k }, v: { N: String(v) } },
});
const del = (k: string): WriteAction => ({ kind: "delete", key: { pk: { S: k } }, keyId: k });

test("keeps the last action per key, in first-seen key order, with every index it stands for", () => {
  const actions = [put("a", 1), put("b", 1), put("a", 2), del("b"), put("c", 1), del("c"), put("c", 3)];
  const collapsed = collapseByKey(actions.map((action, index) => ({ index, action })));
  expect(collapsed).toEqual([
    { action: put("a", 2), indexes: [0, 2] },
    { action: del("b"), indexes: [1, 3] },
    { action: put("c", 3), indexes: [4, 5, 6] },
  ]);
});

test("an empty batch collapses to nothing", () => {
  expect(collapseByKey([])).toEqual([]);
});
