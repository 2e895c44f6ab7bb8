/**
 * Where help is printed from: `rehydrate`, `rehydrate --help`, `rehydrate <command> --help`
 * and `rehydrate help <command>` all end here, and so do command lines that do not parse
 * (one line with a suggestion and a pointer to `--help`, not clipanion's whole synopsis).
 *
 * @module
 */
import type { Definition } from "clipanion";
import { closest } from "../../util/suggest.ts";
import { VERSION } from "../../version.ts";
import {
  type CommandList,
  findDefinition,
  helpOptions,
  renderCommandHelp,
  renderOverview,
} from "./render.ts";
import { styler, terminalWidth, useColor } from "./terminal.ts";

/** The streams help writes to. */
export interface HelpContext {
  stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(text: string): unknown };
  env: Record<string, string | undefined>;
}

/** Every command path, as word lists (`["plugins", "describe"]`). */
function commandPaths(cli: CommandList): string[][] {
  return cli
    .definitions()
    .map((d) => d.path.split(" ").slice(1))
    .filter((p) => p.length > 0);
}

/**
 * The longest command path the leading words of `argv` spell (flags skipped), and how many
 * words matched a group (`plugins`) without reaching a command.
 */
export function matchCommand(
  cli: CommandList,
  argv: string[],
): { definition?: Definition; words: string[]; group: string[]; nextWord?: string } {
  const words = argv.filter((a) => !a.startsWith("-"));
  const paths = commandPaths(cli);
  let group: string[] = [];
  let best: string[] | undefined;
  for (let length = 1; length <= words.length; length++) {
    const prefix = words.slice(0, length);
    const extends_ = paths.filter((p) => prefix.every((w, i) => p[i] === w));
    if (extends_.length === 0) break;
    group = prefix;
    if (extends_.some((p) => p.length === length)) best = prefix;
  }
  return {
    definition: best ? findDefinition(cli, best) : undefined,
    words: best ?? [],
    group,
    nextWord: words[group.length],
  };
}

/** Writes help for `path` (the overview when empty) to stdout; exit code 0, or 2 if unknown. */
export function writeHelp(cli: CommandList, path: string[], context: HelpContext): number {
  const width = Math.min(terminalWidth(context.stdout, context.env), 100);
  const style = styler(useColor(context.stdout, context.env));
  if (path.length === 0) {
    context.stdout.write(renderOverview(cli, width, style, VERSION));
    return 0;
  }
  const definition = findDefinition(cli, path);
  if (!definition) {
    context.stderr.write(`${unknownCommandMessage(cli, path)}\n`);
    return 2;
  }
  context.stdout.write(renderCommandHelp(definition, width, style));
  return 0;
}

/** `unknown command "rn" (did you mean "run"?); see rehydrate --help`. */
export function unknownCommandMessage(cli: CommandList, words: string[]): string {
  const typed = words.join(" ");
  const names = commandPaths(cli).map((p) => p.join(" "));
  // Compare like with like: `plugins descibe` against two-word paths, `rn` against the first words.
  const sameLength = names.filter((n) => n.split(" ").length === words.length);
  const groups = [...new Set(commandPaths(cli).map((p) => p.slice(0, words.length).join(" ")))];
  const match = closest(typed, sameLength) ?? closest(typed, groups);
  const hint = match ? ` (did you mean "${match}"?)` : "";
  const known = [...new Set(commandPaths(cli).map((p) => p[0]!))].join(", ");
  return `rehydrate: unknown command "${typed}"${hint}; commands: ${known}; see rehydrate --help`;
}

/**
 * One line for a command line clipanion could not parse: the unknown option or command with
 * a suggestion, or clipanion's own first sentence, and a pointer to the command's `--help`.
 */
export function parseErrorMessage(cli: CommandList, argv: string[], error: Error): string {
  const firstLine = (error.message.split("\n")[0] ?? "").replace(/\.$/, "");
  const { definition, words, group, nextWord } = matchCommand(cli, argv);
  if (!definition) {
    if (group.length > 0 && nextWord === undefined) {
      const subcommands = commandPaths(cli)
        .filter((p) => group.every((w, i) => p[i] === w))
        .map((p) => p.slice(group.length).join(" "));
      return `rehydrate: "${group.join(" ")}" needs a subcommand: ${subcommands.join(", ")}; see rehydrate help ${group.join(" ")} ${subcommands[0]}`;
    }
    return unknownCommandMessage(cli, [...group, nextWord ?? argv[0] ?? ""]);
  }
  const command = `rehydrate ${words.join(" ")}`;
  const seeHelp = `see ${command} --help`;
  const unsupported = /^Unsupported option name \("([^"]+)"\)/.exec(firstLine);
  if (unsupported) {
    const flag = unsupported[1]!.split("=")[0]!;
    const options = helpOptions(definition);
    const names = options.flatMap((o) => [...o.names, `--no-${o.long.slice(2)}`]);
    const match = closest(flag, [...names, "--help"]);
    return `rehydrate: unknown option ${flag} for ${command}${match ? ` (did you mean ${match}?)` : ""}; ${seeHelp}`;
  }
  const withValue = /^Invalid option name \("(--[^="]+)=/.exec(firstLine);
  if (withValue) {
    const option = helpOptions(definition).find((o) => o.names.includes(withValue[1]!));
    if (option && !option.takesValue) {
      const off = option.label.includes("--no-") ? option.label.trim() : `--no-${option.long.slice(2)}`;
      return `rehydrate: ${withValue[1]} is a switch and takes no value (use ${withValue[1]} or ${off}); ${seeHelp}`;
    }
  }
  const needsValue = /^Not enough arguments to option (\S+)/.exec(firstLine);
  if (needsValue) {
    const option = helpOptions(definition).find((o) => o.names.includes(needsValue[1]!));
    const placeholder = option?.label.split(" ").pop() ?? "<value>";
    return `rehydrate: ${needsValue[1]} needs a value (${needsValue[1]} ${placeholder}); ${seeHelp}`;
  }
  if (/^Command not found/.test(firstLine)) {
    const positionals = definition.usage.split(" ").length - 1 - words.length;
    const extra = argv.filter((a) => !a.startsWith("-")).slice(words.length + Math.max(0, positionals));
    return `rehydrate: unexpected argument${extra.length > 1 ? "s" : ""} ${extra.map((e) => `"${e}"`).join(" ")} for ${command}; ${seeHelp}`;
  }
  if (/^Not enough positional arguments/.test(firstLine)) {
    const usage = definition.usage.replace(/^rehydrate /, "");
    return `rehydrate: missing argument: ${command} needs ${usage.slice(words.join(" ").length).trim().toLowerCase()}; ${seeHelp}`;
  }
  return `rehydrate: ${firstLine}; ${seeHelp}`;
}
