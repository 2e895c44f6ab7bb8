import type { CommandClass } from "clipanion";
import { CompletionCommand } from "./completion.ts";
import { HelpCommand } from "./help.ts";
import { PatternTestCommand } from "./pattern/test.ts";
import { PatternValidateCommand } from "./pattern/validate.ts";
import { PluginsDescribeCommand } from "./plugins/describe.ts";
import { PluginsInitCommand } from "./plugins/init.ts";
import { PluginsListCommand } from "./plugins/list.ts";
import { ReportMergeCommand } from "./report/merge.ts";
import { RunCommand } from "./run.ts";
import { ValidateCommand } from "./validate.ts";

/**
 * Every command of the CLI. Keep this a static list so `bun build --compile` sees each file.
 * A command file must stay light at import time (see `main.ts`).
 */
export const commands: CommandClass[] = [
  RunCommand,
  ValidateCommand,
  PluginsListCommand,
  PluginsDescribeCommand,
  PluginsInitCommand,
  PatternTestCommand,
  PatternValidateCommand,
  ReportMergeCommand,
  HelpCommand,
  CompletionCommand,
];
