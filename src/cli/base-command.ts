import { Command } from "clipanion";

/**
 * Streams a command writes to. Tests pass their own, so commands run in-process without
 * spawning (clipanion's `BaseContext`).
 */
export type { BaseContext as CliContext } from "clipanion";

/**
 * Common base of rehydrate's commands: `execute` returns the exit code, and errors the user
 * can act on are thrown as `UsageError` (exit 2, one line, no stack). Unknown errors go through
 * `formatError` in `main.ts`.
 */
export abstract class BaseCommand extends Command {
  /** Writes one line to the command's stdout. */
  protected out(line: string): void {
    this.context.stdout.write(line + "\n");
  }

  /** Writes one line to the command's stderr. */
  protected err(line: string): void {
    this.context.stderr.write(line + "\n");
  }
}
