/** `rehydrate plugins init`: the skeletons load, run, and typecheck against the SDK copied beside them. */
import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runCli } from "../support/cli.ts";

test("a source and a target skeleton run together, and typecheck with the SDK beside them", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rh-plugins-init-"));
  expect((await runCli(["plugins", "init", "audit-log", "--kind", "target", "--dir", dir])).code).toBe(0);
  expect((await runCli(["plugins", "init", "ticks", "--kind", "source", "--dir", dir])).code).toBe(0);
  // A helper module beside the plugins (no default export) does not break loading.
  writeFileSync(join(dir, "shared-helper.ts"), "export const answer = 42;\n");
  const out = join(dir, "ids.txt");
  const run = await runCli(["run", "--plugin-dir", dir, "--from", "ticks:7", "--to", `audit-log:${out}`]);
  expect(run.code).toBe(0);
  expect(readFileSync(out, "utf8").split("\n").filter(Boolean)).toEqual(
    Array.from({ length: 7 }, (_, i) => `ticks-${i}`),
  );
  const root = resolve(import.meta.dir, "../..");
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        module: "Preserve",
        moduleResolution: "bundler",
        target: "ESNext",
        allowImportingTsExtensions: true,
        skipLibCheck: true,
        types: ["bun"],
        typeRoots: [join(root, "node_modules", "@types")],
      },
      include: ["*.ts"],
    }),
  );
  const tsc = spawnSync(
    process.execPath,
    [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", dir],
    {
      encoding: "utf8",
    },
  );
  expect(tsc.stdout + tsc.stderr).toBe("");
  expect(tsc.status).toBe(0);
}, 60_000);

test("the SDK text plugins init writes is the current SDK (run scripts/gen-sdk-text.ts after changing it)", async () => {
  const { SDK_SOURCE } = await import("../../src/sdk/sdk-text.generated.ts");
  expect(SDK_SOURCE).toBe(readFileSync(resolve(import.meta.dir, "../../src/sdk/index.ts"), "utf8"));
});
