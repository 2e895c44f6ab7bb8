/**
 * The GitHub workflows parse, pin every action to a full commit SHA (a tag can be moved to
 * other code; a commit cannot), and cover what issue 6 asks: CI on three OSes, a release on
 * v* tags that smoke-tests every archive the build script produces before publishing.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parse } from "yaml";
import { TARGETS } from "../../scripts/release/targets.ts";
import { ROOT } from "./built.ts";

interface Step {
  uses?: string;
  run?: string;
}
interface Job {
  "runs-on": string;
  steps: Step[];
  strategy?: { matrix: { os?: string[]; include?: { target: string }[] } };
  permissions?: Record<string, string>;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}

async function load(name: string): Promise<{ text: string; workflow: Workflow }> {
  const text = await Bun.file(join(ROOT, ".github/workflows", name)).text();
  return { text, workflow: parse(text) as Workflow };
}

describe.each(["ci.yml", "release.yml"])("%s", (name) => {
  test("pins every action to a full commit SHA with the version in a comment", async () => {
    const { text, workflow } = await load(name);
    const uses = Object.values(workflow.jobs).flatMap((job) =>
      job.steps.flatMap((s) => (s.uses ? [s.uses] : [])),
    );
    expect(uses.length).toBeGreaterThan(0);
    for (const ref of uses) expect(ref).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
    for (const line of text.split("\n").filter((l) => l.includes("uses:"))) {
      expect(line).toMatch(/@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    }
  });

  test("grants read-only contents by default", async () => {
    const { workflow } = await load(name);
    expect(workflow.permissions).toEqual({ contents: "read" });
  });
});

test("the same action is pinned to the same commit in both workflows", async () => {
  const pins = new Map<string, Set<string>>();
  for (const name of ["ci.yml", "release.yml"]) {
    for (const match of (await load(name)).text.matchAll(/uses: ([\w.-]+\/[\w.-]+)@([0-9a-f]{40})/g)) {
      const set = pins.get(match[1]!) ?? new Set();
      set.add(match[2]!);
      pins.set(match[1]!, set);
    }
  }
  for (const [action, shas] of pins) expect([action, shas.size]).toEqual([action, 1]);
});

test("ci.yml runs the test script on Linux, macOS and Windows, then builds --single", async () => {
  const { workflow } = await load("ci.yml");
  const job = workflow.jobs.test!;
  expect(job.strategy?.matrix.os).toEqual(["ubuntu-latest", "macos-latest", "windows-latest"]);
  const runs = job.steps.map((s) => s.run ?? "").join("\n");
  expect(runs).toContain("sh scripts/test.sh");
  expect(runs).toContain("bun scripts/build.ts --single");
  const check = workflow.jobs.check!.steps.map((s) => s.run ?? "").join("\n");
  expect(check).toContain("bun x tsc --noEmit -p .");
  expect(check).toContain("bun x biome check .");
});

test("release.yml runs on v* tags and smoke-tests every built target before publishing", async () => {
  const { workflow } = await load("release.yml");
  expect(workflow.on).toEqual({ push: { tags: ["v*"] } });
  const smoked = ["smoke-unix", "smoke-musl"].flatMap((id) =>
    (workflow.jobs[id]!.strategy?.matrix.include ?? []).map((entry) => entry.target),
  );
  smoked.push("windows-x64"); // smoke-windows has one fixed target
  expect(smoked.sort()).toEqual(TARGETS.map((t) => t.id).sort());
  const publish = workflow.jobs.publish as Job & { needs: string[] };
  expect(publish.needs).toEqual(expect.arrayContaining(["smoke-unix", "smoke-musl", "smoke-windows"]));
  expect(publish.permissions).toEqual({ contents: "write" });
  const formula = workflow.jobs.formula!.steps.map((s) => s.run ?? "").join("\n");
  expect(formula).toContain("bun scripts/formula.ts --sums");
});
