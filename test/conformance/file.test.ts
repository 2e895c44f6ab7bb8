/** The conformance kit on the `file` source and target and the `stdout` target. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { fileSource, fileTarget } from "../../plugins/file/index.ts";
import { createStdoutTarget } from "../../plugins/stdout/index.ts";
import type { EventBridgeEvent, Source, Target } from "../../src/sdk/index.ts";
import {
  conformanceEvents,
  sourceConformance,
  targetConformance,
  testHost,
} from "../../src/sdk/testing/index.ts";

const root = mkdtempSync(join(tmpdir(), "rh-conformance-file-"));
let counter = 0;
const fresh = () => join(root, `out-${++counter}.ndjson`);
const readLines = (path: string): EventBridgeEvent[] => {
  try {
    return readFileSync(path, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  } catch {
    return [];
  }
};

targetConformance({
  name: "file",
  kind: "delivery",
  async make({ dryRun }) {
    const path = fresh();
    const target = (await fileTarget.create(
      { path, append: false },
      testHost({ dryRun, baseDir: root }),
    )) as Target;
    return { target, state: async () => readLines(path) };
  },
  async makeBroken() {
    return fileTarget.create(
      { path: join(root, "no", "such", "folder", "x.ndjson"), append: false },
      testHost(),
    );
  },
});

targetConformance({
  name: "stdout",
  kind: "delivery",
  async make() {
    const stream = new PassThrough();
    let text = "";
    stream.on("data", (chunk) => {
      text += chunk;
    });
    const target = createStdoutTarget(stream, testHost());
    return {
      target,
      state: async () =>
        text
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l) as EventBridgeEvent),
    };
  },
});

const input = join(root, "input.ndjson");
writeFileSync(
  input,
  conformanceEvents(500)
    .map((e) => JSON.stringify(e))
    .join("\n") + "\n",
);
const arrayInput = join(root, "input.json");
writeFileSync(arrayInput, JSON.stringify(conformanceEvents(300), null, 1));

for (const [name, paths, records] of [
  ["file (NDJSON)", [input], 500],
  ["file (JSON array)", [arrayInput], 300],
  ["file (two files)", [input, arrayInput], 800],
] as const) {
  sourceConformance({
    name,
    records,
    async make() {
      return (await fileSource.create(
        { paths: [...paths], format: "auto", batchSize: 64, maxRecordBytes: 1 << 20, workers: 0 },
        testHost({ baseDir: root }),
      )) as Source;
    },
  });
}

process.on("exit", () => rmSync(root, { recursive: true, force: true }));
