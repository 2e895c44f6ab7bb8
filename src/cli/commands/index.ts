import type { CommandClass } from "clipanion";

/**
 * Every command of the CLI. Keep this a static list so `bun build --compile` sees each file.
 * A command file must stay light at import time (see `main.ts`).
 */
export const commands: CommandClass[] = [];
