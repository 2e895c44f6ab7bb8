#!/usr/bin/env bun
/**
 * rehydrate's command-line entry. Only the command classes load here; each command imports
 * the engine, plugins and SDKs it needs inside `execute()`, so `--help` and `--version` start
 * fast.
 */
import { type BaseContext, Builtins, Cli, type Command } from "clipanion";
import { VERSION } from "../version.ts";
import { commands } from "./commands/index.ts";

/** Builds the CLI (exported so tests can run commands with injected streams). */
export function buildCli(): Cli {
  const cli = new Cli({
    binaryLabel: "rehydrate",
    binaryName: "rehydrate",
    binaryVersion: VERSION,
    enableCapture: false,
  });
  cli.register(Builtins.HelpCommand);
  cli.register(Builtins.VersionCommand);
  for (const command of commands) cli.register(command);
  return cli;
}

/**
 * Parses and runs one command line. Unlike clipanion's own `run`, a command line that does not
 * parse (unknown flag, missing value) exits 2, the code for usage errors, not 1, which
 * rehydrate reserves for runs where events failed.
 */
export async function runCommandLine(argv: string[], context: BaseContext): Promise<number> {
  const cli = buildCli();
  let command: Command<BaseContext>;
  try {
    command = cli.process(argv, context);
  } catch (error) {
    context.stderr.write(cli.error(error));
    return 2;
  }
  return cli.run(command, context);
}

if (import.meta.main) {
  const code = await runCommandLine(process.argv.slice(2), Cli.defaultContext);
  // Exit explicitly: SDK clients and pools may keep the event loop alive after a run.
  process.exit(code);
}
