#!/usr/bin/env bun
/**
 * rehydrate's command-line entry. Only the command classes load here; each command imports
 * the engine, plugins and SDKs it needs inside `execute()`, so `--help` and `--version` start
 * fast.
 */
import { Builtins, Cli } from "clipanion";
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

if (import.meta.main) {
  const cli = buildCli();
  const code = await cli.run(process.argv.slice(2), Cli.defaultContext);
  // Exit explicitly: SDK clients and pools may keep the event loop alive after a run.
  process.exit(code);
}
