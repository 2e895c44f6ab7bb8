#!/usr/bin/env bun
/**
 * rehydrate's command-line entry. Only the command classes load here; each command imports
 * the engine, plugins and SDKs it needs inside `execute()`, so `--help` and `--version` start
 * fast.
 */
import { type BaseContext, Builtins, Cli, type Command } from "clipanion";
import { VERSION } from "../version.ts";
import { commands } from "./commands/index.ts";
import { useColor } from "./help/terminal.ts";

/** Builds the CLI (exported so tests can run commands with injected streams). */
export function buildCli(): Cli {
  const cli = new Cli({
    binaryLabel: "rehydrate",
    binaryName: "rehydrate",
    binaryVersion: VERSION,
    enableCapture: false,
  });
  cli.register(Builtins.VersionCommand);
  for (const command of commands) cli.register(command);
  return cli;
}

/**
 * AWS CLI conventions the SDK for JavaScript does not follow by itself: `AWS_DEFAULT_REGION`
 * (the AWS CLI's fallback) is used when `AWS_REGION` is unset.
 */
export function applyAwsConventions(env: Record<string, string | undefined>): void {
  if (!env.AWS_REGION && env.AWS_DEFAULT_REGION) env.AWS_REGION = env.AWS_DEFAULT_REGION;
}

/** Options whose value may be a negative number, which the parser would take for a flag. */
const NUMERIC_OPTIONS = new Set(["--limit", "--concurrency", "--max-attempts"]);

/**
 * `--limit -1` would reach clipanion as the flag `-1` ("Not enough arguments"); joined as
 * `--limit=-1`, the command itself says what is wrong with the value.
 */
function joinNegativeValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    if (NUMERIC_OPTIONS.has(arg) && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** Whether `argv` asks for help (`-h`/`--help` before any `--`, or nothing at all). */
function asksForHelp(argv: string[]): boolean {
  if (argv.length === 0) return true;
  const end = argv.indexOf("--");
  return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === "-h" || a === "--help");
}

/**
 * Parses and runs one command line. Unlike clipanion's own `run`, a command line that does not
 * parse (unknown flag, missing value) exits 2, the code for usage errors, not 1, which
 * rehydrate reserves for runs where events failed; its message is one line with a
 * suggestion, not the whole synopsis. Help is rehydrate's own (see `help/render.ts`).
 */
export async function runCommandLine(given: string[], context: BaseContext): Promise<number> {
  const argv = joinNegativeValues(given);
  applyAwsConventions(process.env);
  const cli = buildCli();
  // clipanion colours its own messages by `colorDepth`; follow NO_COLOR/FORCE_COLOR and the TTY.
  const colored = useColor(context.stderr as { isTTY?: boolean }, context.env);
  const withColor: BaseContext = { ...context, colorDepth: colored ? Math.max(context.colorDepth, 8) : 1 };
  if (asksForHelp(argv)) {
    const { matchCommand, writeHelp } = await import("./help/show.ts");
    const { words, group } = matchCommand(cli, argv);
    return writeHelp(cli, words.length > 0 ? words : group, withColor);
  }
  let command: Command<BaseContext>;
  try {
    command = cli.process(argv, withColor);
  } catch (error) {
    const { parseErrorMessage } = await import("./help/show.ts");
    context.stderr.write(`${parseErrorMessage(cli, argv, error as Error)}\n`);
    return 2;
  }
  // clipanion would print a thrown error with the synopsis (or a stack) on stdout and exit 1;
  // stdout may be the data stream (`--to stdout:`), so errors go to stderr, on one line.
  let thrownExit: number | undefined;
  command.catch = async (error: unknown) => {
    thrownExit = reportThrown(error, context);
  };
  const code = await cli.run(command, withColor);
  return thrownExit ?? code;
}

/** Messages of errors a user can act on; anything else is a bug and keeps its stack. */
const USER_ERRORS = ["UsageError", "ConfigError", "PluginError", "PatternSourceError"];

function reportThrown(error: unknown, context: BaseContext): number {
  if (error instanceof Error && USER_ERRORS.includes(error.name)) {
    context.stderr.write(`rehydrate: ${error.message}\n`);
    return 2;
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  context.stderr.write(`rehydrate: internal error (please report it): ${message}\n`);
  return 1;
}

if (import.meta.main) {
  const code = await runCommandLine(process.argv.slice(2), Cli.defaultContext);
  // Exit explicitly: SDK clients and pools may keep the event loop alive after a run.
  process.exit(code);
}
