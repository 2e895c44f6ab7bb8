/** Help and shell conventions: placeholders, groups, defaults, width, colour, help/completion commands. */
import { describe, expect, test } from "bun:test";
import { PassThrough } from "node:stream";
import { OPTION_META } from "../../src/cli/help/option-meta.ts";
import { helpOptions } from "../../src/cli/help/render.ts";
import { useColor } from "../../src/cli/help/terminal.ts";
import { buildCli, runCommandLine } from "../../src/cli/main.ts";
import { runCli } from "../support/cli.ts";

const ESC = "\u001b[";
const commandPaths = buildCli()
  .definitions()
  .map((d) => d.path.replace(/^rehydrate ?/, ""))
  .filter((p) => p !== "" && p !== "-v" && p !== "--version");

/** Runs the CLI with a stdout that says it is a terminal of `columns` columns. */
async function runOnTty(argv: string[], env: Record<string, string | undefined>, columns = 80) {
  const stdout = Object.assign(new PassThrough(), { isTTY: true, columns });
  const stderr = Object.assign(new PassThrough(), { isTTY: true, columns });
  let out = "";
  stdout.on("data", (c) => {
    out += c;
  });
  const code = await runCommandLine(argv, { stdin: new PassThrough(), stdout, stderr, env, colorDepth: 8 });
  return { code, stdout: out };
}

describe("help pages", () => {
  test("every command's help: real placeholders, no #0, lines within 80 columns, no escapes in a pipe", async () => {
    for (const path of commandPaths) {
      const { code, stdout } = await runCli([...path.split(" "), "--help"]);
      expect(code).toBe(0);
      expect(stdout).toContain(`Usage: rehydrate ${path}`);
      expect(stdout).not.toContain("#0");
      expect(stdout).not.toContain(ESC);
      const long = stdout.split("\n").filter((line) => line.length > 80);
      expect({ path, long }).toEqual({ path, long: [] });
    }
  });

  test("every option has help facts (group, placeholder), so none falls into Other with a guessed placeholder", () => {
    const missing: string[] = [];
    for (const definition of buildCli().definitions())
      for (const option of helpOptions(definition))
        if (!OPTION_META[option.long] && option.long !== "--help" && option.long !== "--version")
          missing.push(`${definition.path} ${option.long}`);
    expect(missing).toEqual([]);
  });

  test("run --help: groups in order, placeholders, defaults, --no-prefilter, short flags", async () => {
    const { stdout } = await runCli(["run", "--help"]);
    const groups = ["Source:", "Filter:", "Targets:", "Ordering and retries:", "Output:", "AWS:", "Plugins:"];
    const at = groups.map((g) => stdout.indexOf(`\n${g}\n`));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(stdout).toContain("-f, --from <uri>");
    expect(stdout).toContain("-t, --to <uri>");
    expect(stdout).toContain("-p, --pattern <json|@file>");
    expect(stdout).toContain("--concurrency <n>");
    expect(stdout).toMatch(/--max-attempts <n>\s+Most attempts[\s\S]{0,240}\(default: 8\)/);
    expect(stdout).toContain("--no-prefilter");
    expect(stdout).not.toMatch(/^\s+--prefilter\b/m);
    expect(stdout).toContain("-n, --dry-run");
    expect(stdout).toContain("-q, --quiet");
    expect(stdout).toContain("--progress <auto|bar|plain|off>");
    expect(stdout).toContain("--report <file|->");
    expect(stdout).toContain("--endpoint-url <url>");
    expect(stdout).toContain("--set <[n.]key=value>");
  });

  test("a default is shown once, even when the description states it too", async () => {
    for (const path of commandPaths) {
      const { stdout } = await runCli([...path.split(" "), "--help"]);
      expect({ path, twice: /\(default[^)]*\)\s*\(default/.test(stdout.replace(/\s+/g, " ")) }).toEqual({
        path,
        twice: false,
      });
    }
  });

  test("wraps to a wider terminal, and to COLUMNS in a pipe", async () => {
    const wide = await runOnTty(["run", "--help"], { TERM: "xterm" }, 100);
    expect(
      Math.max(...wide.stdout.split("\n").map((l) => l.replace(/\u001b\[\d+m/g, "").length)),
    ).toBeGreaterThan(80);
    const narrow = await runCli(["run", "--help"]);
    expect(Math.max(...narrow.stdout.split("\n").map((l) => l.length))).toBeLessThanOrEqual(80);
  });

  test("colour only on a terminal, never with NO_COLOR, and with FORCE_COLOR even in a pipe", async () => {
    expect((await runOnTty(["run", "--help"], { TERM: "xterm" })).stdout).toContain(ESC);
    expect((await runOnTty(["run", "--help"], { TERM: "xterm", NO_COLOR: "1" })).stdout).not.toContain(ESC);
    expect(useColor({ isTTY: false }, { FORCE_COLOR: "1" })).toBe(true);
    expect(useColor({ isTTY: false }, {})).toBe(false);
    expect(useColor({ isTTY: true }, { TERM: "dumb" })).toBe(false);
    expect(useColor({ isTTY: true }, { FORCE_COLOR: "0" })).toBe(true);
  });

  test("`help <command>` is the same page as `<command> --help`; `help` and no arguments list commands", async () => {
    expect((await runCli(["help", "plugins", "describe"])).stdout).toBe(
      (await runCli(["plugins", "describe", "--help"])).stdout,
    );
    const overview = await runCli([]);
    expect(overview.code).toBe(0);
    for (const path of ["run", "validate", "plugins describe", "pattern test", "completion"])
      expect(overview.stdout).toContain(`  ${path} `);
    expect((await runCli(["help"])).stdout).toBe(overview.stdout);
    expect((await runCli(["--help"])).stdout).toBe(overview.stdout);
  });

  test("--help wins wherever it is, and help after -- is an argument", async () => {
    const { code, stdout } = await runCli(["run", "--from", "x", "--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("Usage: rehydrate run");
  });

  test("--verbose is accepted by every command", async () => {
    for (const path of commandPaths.filter((p) => p !== "help" && p !== "completion")) {
      const { stdout } = await runCli([...path.split(" "), "--help"]);
      expect({ path, verbose: stdout.includes("--verbose") }).toEqual({ path, verbose: true });
    }
  });
});

describe("command lines that do not parse", () => {
  test("an unknown flag: one line, a suggestion and a pointer to --help, exit 2", async () => {
    const { code, stdout, stderr } = await runCli(["run", "--form", "events.ndjson", "--to", "stdout:"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      "rehydrate: unknown option --form for rehydrate run (did you mean --from?); see rehydrate run --help\n",
    );
  });

  test("a mistyped command and subcommand are suggested", async () => {
    expect((await runCli(["rn"])).stderr).toContain('unknown command "rn" (did you mean "run"?)');
    expect((await runCli(["plugins", "descibe", "sqlite"])).stderr).toContain(
      '(did you mean "plugins describe"?)',
    );
    expect((await runCli(["help", "valdate"])).stderr).toContain('(did you mean "validate"?)');
    const group = await runCli(["plugins"]);
    expect(group.code).toBe(2);
    expect(group.stderr).toContain('"plugins" needs a subcommand: list, describe');
  });

  test("a flag without its value names the placeholder; a switch given a value says so", async () => {
    expect((await runCli(["run", "--from"])).stderr).toBe(
      "rehydrate: --from needs a value (--from <uri>); see rehydrate run --help\n",
    );
    expect((await runCli(["run", "--prefilter=false"])).stderr).toContain(
      "--prefilter is a switch and takes no value (use --prefilter or --no-prefilter)",
    );
  });

  test("errors thrown by a command are one line on stderr with exit 2, not a synopsis on stdout", async () => {
    const { code, stdout, stderr } = await runCli(["completion", "bsh"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe('rehydrate: unknown shell "bsh" (did you mean "bash"?): give bash, zsh or fish\n');
  });
});

describe("rehydrate completion", () => {
  test("bash: completes commands, subcommands, flags and fixed values in a real bash", async () => {
    const { stdout: script } = await runCli(["completion", "bash"]);
    const complete = (words: string[]) => {
      const program = `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _rehydrate; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const result = Bun.spawnSync(["bash", "--norc", "--noprofile", "-c", program]);
      expect(result.stderr.toString()).toBe("");
      return result.stdout.toString().trim().split("\n");
    };
    expect(complete(["rehydrate", "ru"])).toEqual(["run"]);
    expect(complete(["rehydrate", "r"])).toEqual(["run", "report"].filter((w) => script.includes(` ${w} `)));
    expect(complete(["rehydrate", "plugins", "d"])).toEqual(["describe"]);
    expect(complete(["rehydrate", "run", "--fr"])).toEqual(["--from"]);
    expect(complete(["rehydrate", "run", "--no-p"])).toEqual(["--no-prefilter"]);
    expect(complete(["rehydrate", "run", "--progress", ""])).toEqual(["auto", "bar", "plain", "off"]);
    expect(complete(["rehydrate", "pattern", "validate", "--ev"])).toEqual([""]);
    expect(complete(["rehydrate", "pattern", "test", "--ev"])).toEqual(["--event", "--events"]);
    expect(complete(["rehydrate", "completion", ""])).toEqual(["bash", "zsh", "fish"]);
  });

  test("zsh and fish scripts name every command and flag of run", async () => {
    const zsh = (await runCli(["completion", "zsh"])).stdout;
    expect(zsh).toStartWith("#compdef rehydrate");
    expect(zsh).toContain("bashcompinit");
    const fish = (await runCli(["completion", "fish"])).stdout;
    expect(fish).toMatch(
      /-n 'test \(__rehydrate_path\) = "path:"' -a 'run validate plugins pattern [a-z ]*help completion'/,
    );
    expect(fish).toContain(`-n 'test (__rehydrate_path) = "path:run"' -l from -r -F`);
    expect(fish).toContain(`-l progress -x -a 'auto bar plain off'`);
    // The zsh script is bash-compatible shell apart from its zsh-only set-up lines.
    expect(
      Bun.spawnSync(["bash", "-n", "-c", zsh.replace(/^.*(compinit|bashcompinit).*$/gm, "")]).exitCode,
    ).toBe(0);
  });

  test.if(Bun.which("fish") !== null)(
    "fish: completes commands, subcommands, flags and values in a real fish",
    async () => {
      const script = (await runCli(["completion", "fish"])).stdout;
      const complete = (line: string) => {
        const result = Bun.spawnSync([
          "fish",
          "--no-config",
          "-c",
          `${script}\ncomplete -C ${JSON.stringify(line)}`,
        ]);
        expect(result.stderr.toString()).toBe("");
        return result.stdout
          .toString()
          .trim()
          .split("\n")
          .map((l) => l.split("\t")[0]);
      };
      expect(complete("rehydrate ru")).toEqual(["run"]);
      expect(complete("rehydrate plugins d")).toEqual(["describe"]);
      expect(complete("rehydrate run --fr")).toEqual(["--from"]);
      expect(complete("rehydrate run --progress ")).toEqual(["auto", "bar", "off", "plain"]);
      expect(complete("rehydrate pattern test --ev")).toEqual(["--event", "--events"]);
      expect(complete("rehydrate completion ")).toEqual(["bash", "fish", "zsh"]);
    },
  );

  test.if(Bun.which("zsh") !== null)(
    "zsh: the script loads in a plain zsh and registers the completion",
    async () => {
      const script = (await runCli(["completion", "zsh"])).stdout;
      const result = Bun.spawnSync(["zsh", "-f", "-c", `${script}\nprint -r -- \${_comps[rehydrate]}`]);
      expect(result.stderr.toString()).toBe("");
      expect(result.stdout.toString().trim()).toBe("_bash_complete -o default -F _rehydrate");
    },
  );
});
