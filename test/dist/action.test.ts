/**
 * action.yml, the GitHub Action, run the way a runner runs a composite action: its step's
 * `run` script under bash, with the inputs as the step's `env`, GITHUB_ACTION_PATH at the
 * repository, and RUNNER_TEMP, GITHUB_PATH and GITHUB_OUTPUT as temporary files. The release
 * is this machine's build, served from loopback.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { parseChecksums } from "../../scripts/release/checksums.ts";
import { buildSingle, ROOT, removeTempDirs, run, type SingleBuild, TEST_VERSION, tempDir } from "./built.ts";

interface CompositeStep {
  id?: string;
  shell: string;
  env?: Record<string, string>;
  run: string;
}

interface ActionFile {
  name: string;
  inputs: Record<string, { required?: boolean; default?: string; description: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: CompositeStep[] };
}

const action = parseYaml(readFileSync(join(ROOT, "action.yml"), "utf8")) as ActionFile;
let built: SingleBuild;
let server: ReturnType<typeof Bun.serve>;

beforeAll(async () => {
  built = await buildSingle();
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const file = new URL(request.url).pathname.split("/").pop() ?? "";
      const body = file.includes("..") ? undefined : Bun.file(join(built.outdir, file));
      return body && (await body.exists()) ? new Response(body) : new Response("not found", { status: 404 });
    },
  });
}, 120_000);

afterAll(() => {
  server?.stop(true);
  removeTempDirs();
});

/** `${{ inputs.x }}` → the input's value (given, else its default), as the runner substitutes it. */
function substitute(text: string, inputs: Record<string, string>): string {
  return text.replace(/\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g, (_, name: string) => {
    if (!(name in action.inputs)) throw new Error(`action.yml uses an undeclared input ${name}`);
    return inputs[name] ?? action.inputs[name]!.default ?? "";
  });
}

/** Runs every step of the action; returns the last result and the files the runner reads back. */
async function runAction(inputs: Record<string, string>) {
  const home = tempDir("action-home");
  const runnerTemp = tempDir("action-runner-temp");
  const githubPath = join(runnerTemp, "path.txt");
  const githubOutput = join(runnerTemp, "output.txt");
  writeFileSync(githubPath, "");
  writeFileSync(githubOutput, "");
  let last = { code: 0, stdout: "", stderr: "" };
  for (const step of action.runs.steps) {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      RUNNER_TEMP: runnerTemp,
      GITHUB_ACTION_PATH: ROOT,
      GITHUB_PATH: githubPath,
      GITHUB_OUTPUT: githubOutput,
    };
    for (const [name, value] of Object.entries(step.env ?? {})) env[name] = substitute(value, inputs);
    last = await run(
      ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", substitute(step.run, inputs)],
      {
        env,
        timeoutMs: 60_000,
      },
    );
    if (last.code !== 0) break;
  }
  const outputs = Object.fromEntries(
    readFileSync(githubOutput, "utf8")
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  return { ...last, paths: readFileSync(githubPath, "utf8").split("\n").filter(Boolean), outputs };
}

const mirror = () => `http://127.0.0.1:${server.port}/release`;

describe.skipIf(process.platform === "win32")("action.yml", () => {
  test("is a composite action whose version input is required and whose steps use only declared inputs", () => {
    expect(action.runs.using).toBe("composite");
    expect(action.inputs.version!.required).toBe(true);
    expect(Object.keys(action.inputs).sort()).toEqual(["download-url", "sha256", "version"]);
    for (const step of action.runs.steps) expect(step.shell).toBe("bash");
    // Inputs reach the script through env, never spliced into the script text (script injection).
    for (const step of action.runs.steps) expect(step.run).not.toContain("${{");
  });

  test("installs the pinned version, verified against the pinned sha256, and puts it on PATH", async () => {
    const sha256 = parseChecksums(readFileSync(built.sums, "utf8")).get(built.target.archive)!;
    const result = await runAction({ version: TEST_VERSION, sha256, "download-url": mirror() });
    expect(result.stderr).toContain("(matches the pinned sha256)");
    expect(result.code).toBe(0);
    expect(result.paths).toHaveLength(1);
    const binary = join(result.paths[0]!, "rehydrate");
    expect(result.outputs.path).toBe(binary);
    expect(result.outputs.version).toBe(TEST_VERSION);
    expect((await run([binary, "--version"])).stdout.trim()).toBe(TEST_VERSION);
  });

  test("a sha256 that does not match the release fails the step and installs nothing", async () => {
    const result = await runAction({
      version: TEST_VERSION,
      sha256: "a".repeat(64),
      "download-url": mirror(),
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("checksum mismatch");
    expect(result.paths).toEqual([]);
  });

  test("a version the mirror does not serve fails the step", async () => {
    const result = await runAction({ version: "9.9.9", "download-url": mirror() });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`asked for version 9.9.9 but ${mirror()} serves ${TEST_VERSION}`);
    expect(result.paths).toEqual([]);
  });

  test("an empty version is an error annotation, not the latest release", async () => {
    const result = await runAction({ version: "" });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("::error title=rehydrate::the 'version' input is required");
  });
});
