/**
 * The Dockerfile without a Docker engine (none on this machine or in every CI runner): a lint
 * of the rules the image must keep, then the build stage replayed as shell — its COPY steps
 * as file copies from a clean export of the commit, its RUN steps with `sh -c` — and the
 * file the final stage copies run the way distroless runs it (no shell, no PATH).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { ROOT, removeTempDirs, run, tempDir } from "./built.ts";

afterAll(removeTempDirs);

/** One Dockerfile instruction, continuation lines joined. */
interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = "";
  let start = 0;
  for (const [i, raw] of text.split("\n").entries()) {
    if (pending === "" && (raw.trim() === "" || raw.trimStart().startsWith("#"))) continue;
    if (pending === "") start = i + 1;
    if (raw.endsWith("\\")) {
      pending += `${raw.slice(0, -1)} `;
      continue;
    }
    const full = (pending + raw).trim();
    pending = "";
    const keyword = full.split(/\s+/)[0] ?? "";
    instructions.push({
      keyword: keyword.toUpperCase(),
      args: full.slice(keyword.length).trim(),
      line: start,
    });
  }
  return instructions;
}

/** The instructions per stage (index 0: the ARGs before the first FROM). */
function stages(instructions: Instruction[]): { from: string; name?: string; body: Instruction[] }[] {
  const out: { from: string; name?: string; body: Instruction[] }[] = [{ from: "", body: [] }];
  for (const instruction of instructions) {
    if (instruction.keyword === "FROM") {
      const [image = "", as, name] = instruction.args.split(/\s+/);
      out.push({ from: image, ...(as?.toUpperCase() === "AS" && name ? { name } : {}), body: [] });
    } else out.at(-1)!.body.push(instruction);
  }
  return out;
}

/** ARG defaults (`ARG NAME=value`), quotes removed. */
function argDefaults(body: Instruction[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const { keyword, args } of body) {
    if (keyword !== "ARG") continue;
    const [name = "", value = ""] = args.split("=");
    values[name] = value.replace(/^"(.*)"$/, "$1");
  }
  return values;
}

const expand = (text: string, values: Record<string, string>) =>
  text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => values[a ?? b] ?? "");

const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
const instructions = parseDockerfile(dockerfile);
const all = stages(instructions);
const globalArgs = argDefaults(all[0]!.body);
const build = all.find((s) => s.name === "build")!;
const final = all.at(-1)!;
const packageJson = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));

describe("Dockerfile lint", () => {
  test("every base image is pinned to a tag, never latest; Bun's is the project's pinned Bun", () => {
    for (const stage of all.slice(1)) {
      const image = expand(stage.from, globalArgs);
      expect(image).toMatch(/^[\w./-]+:[\w.-]+$/);
      expect(image).not.toMatch(/:latest$/);
    }
    expect(globalArgs.BUN_VERSION).toBe(packageJson.packageManager.replace(/^bun@/, ""));
    expect(expand(build.from, globalArgs)).toBe(`oven/bun:${globalArgs.BUN_VERSION}-debian`);
  });

  test("the image is distroless, runs as nonroot, and starts the binary in exec form", () => {
    expect(final.from).toMatch(/^gcr\.io\/distroless\/[\w-]+:nonroot$/);
    expect(final.body.some((i) => i.keyword === "USER" && /^(0|root)$/.test(i.args))).toBe(false);
    const entrypoint = final.body.find((i) => i.keyword === "ENTRYPOINT");
    expect(JSON.parse(entrypoint!.args)).toEqual(["/usr/local/bin/rehydrate"]);
    const cmd = final.body.find((i) => i.keyword === "CMD");
    expect(Array.isArray(JSON.parse(cmd!.args))).toBe(true);
    // Nothing but the binary reaches the image: one COPY, from the build stage.
    const copies = final.body.filter((i) => i.keyword === "COPY" || i.keyword === "ADD");
    expect(copies.map((c) => c.args)).toEqual(["--from=build /src/rehydrate-bin /usr/local/bin/rehydrate"]);
  });

  test("no ADD, no piping downloads into a shell, a frozen lockfile", () => {
    expect(instructions.some((i) => i.keyword === "ADD")).toBe(false);
    expect(dockerfile).not.toMatch(/curl[^\n|]*\|\s*(ba)?sh/);
    expect(build.body.filter((i) => i.keyword === "RUN").map((i) => i.args)[0]).toContain(
      "--frozen-lockfile",
    );
  });

  test(".dockerignore keeps local state out of the build context", () => {
    const ignored = readFileSync(join(ROOT, ".dockerignore"), "utf8").split("\n");
    for (const entry of [".git", "node_modules", "dist", ".tools"]) expect(ignored).toContain(entry);
  });
});

/** A matcher for .dockerignore's patterns (the forms it uses: names, dirs, `**` globs). */
function dockerIgnored(): (path: string) => boolean {
  const patterns = readFileSync(join(ROOT, ".dockerignore"), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  const globs = patterns.map((p) => new Bun.Glob(p));
  return (path) => patterns.some((p, i) => path === p || path.startsWith(`${p}/`) || globs[i]!.match(path));
}

const hasGit = Bun.spawnSync(["git", "rev-parse", "HEAD"], { cwd: ROOT }).exitCode === 0;

describe.if(hasGit && process.platform === "linux")("Dockerfile build stage, replayed as shell", () => {
  test("its steps build a binary that runs with no shell and no PATH, as in distroless", async () => {
    // The build context as `docker build .` sends it: the working tree's files that git does
    // not ignore, less what .dockerignore leaves out.
    const context = tempDir("docker-context");
    const listed = Bun.spawnSync(["git", "ls-files", "-co", "--exclude-standard", "-z"], { cwd: ROOT });
    expect(listed.exitCode).toBe(0);
    const ignored = dockerIgnored();
    for (const file of listed.stdout.toString().split("\0")) {
      if (file === "" || ignored(file) || !existsSync(join(ROOT, file))) continue;
      mkdirSync(dirname(join(context, file)), { recursive: true });
      cpSync(join(ROOT, file), join(context, file));
    }
    const stageRoot = tempDir("docker-stage");
    const values = { ...globalArgs };
    let workdir = stageRoot;
    const mapPath = (path: string) => (path.startsWith("/") ? join(stageRoot, path) : join(workdir, path));
    // `bun` as the image has it on PATH (the npm package names the binary bun.exe).
    const bunDir = tempDir("docker-bun");
    symlinkSync(process.execPath, join(bunDir, "bun"));
    for (const step of build.body) {
      if (step.keyword === "WORKDIR") {
        workdir = mapPath(step.args);
        mkdirSync(workdir, { recursive: true });
      } else if (step.keyword === "ARG") {
        Object.assign(values, argDefaults([step]));
      } else if (step.keyword === "COPY") {
        const parts = step.args.split(/\s+/);
        const destination = parts.pop()!;
        for (const source of parts)
          cpSync(
            join(context, source),
            source === "." ? mapPath(destination) : join(mapPath(destination), source),
            {
              recursive: true,
            },
          );
      } else if (step.keyword === "RUN") {
        const result = await run(["sh", "-c", step.args], {
          cwd: workdir,
          env: { ...values, PATH: `${bunDir}:/usr/bin:/bin`, HOME: process.env.HOME },
          timeoutMs: 170_000,
        });
        expect({
          line: step.line,
          code: result.code,
          stderr: result.code === 0 ? "" : result.stderr,
        }).toEqual({
          line: step.line,
          code: 0,
          stderr: "",
        });
      } else {
        throw new Error(`Dockerfile line ${step.line}: ${step.keyword} is not replayed by this test`);
      }
    }
    const copied = mapPath("/src/rehydrate-bin");
    expect(existsSync(copied)).toBe(true);
    const version = await run([copied, "--version"], { env: {} });
    expect(version.stdout.trim()).toBe(packageJson.version);
    const help = await run([copied, "--help"], { env: {} });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: rehydrate <command>");
  }, 180_000);
});
