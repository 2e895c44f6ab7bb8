/**
 * rehydrate's own help pages. clipanion's are replaced because they print `--from #0`, list
 * `--prefilter` for a flag users type as `--no-prefilter`, wrap at a fixed 80 columns and use
 * colour escapes even in a pipe. The text itself (descriptions, details, examples) stays in
 * each command's `static usage`, next to its code.
 *
 * @module
 */
import type { Definition } from "clipanion";

/** What help reads from the CLI (clipanion's `Cli` and a command's `this.cli` both have it). */
export interface CommandList {
  definitions(): Definition[];
}

import { fallbackPlaceholder, OPTION_GROUPS, OPTION_META, type OptionGroup } from "./option-meta.ts";
import { type Styler, wrapText } from "./terminal.ts";

/** One option as help shows it. */
export interface HelpOption {
  /** Every name, short first: `["-f", "--from"]`. */
  names: string[];
  /** The long name (or the only one). */
  long: string;
  takesValue: boolean;
  description: string;
  group: OptionGroup;
  /** `-f, --from <uri>` or `--no-prefilter`. */
  label: string;
  default?: string;
}

/** Parses clipanion's `-f,--from #0` definitions into {@link HelpOption}s. */
export function helpOptions(definition: Definition): HelpOption[] {
  return definition.options.map((option) => {
    const [namesPart = "", ...rest] = option.definition.split(" ");
    const names = namesPart.split(",");
    const long = names.find((n) => n.startsWith("--")) ?? names[0]!;
    const takesValue = rest.length > 0;
    const meta = OPTION_META[long];
    const shown = meta?.negated ? `--no-${long.slice(2)}` : long;
    const shorts = meta?.negated ? [] : names.filter((n) => !n.startsWith("--"));
    const placeholder = takesValue ? (meta?.placeholder ?? fallbackPlaceholder(long)) : undefined;
    const label = [...shorts, shown].join(", ") + (placeholder ? ` ${placeholder}` : "");
    return {
      names,
      long,
      takesValue,
      description: (option.description ?? "").trim(),
      group: meta?.group ?? "Other",
      label: shorts.length === 0 && names.length === 1 ? `    ${label}` : label,
      ...(meta?.default !== undefined && { default: meta.default }),
    };
  });
}

/** A clipanion-formatted (80-column, hard-wrapped) text back to paragraphs. */
function paragraphs(text: string | undefined): string[] {
  if (!text) return [];
  return text
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s*\n\s*/g, " ").trim())
    .filter((p) => p !== "");
}

/** `rehydrate run [PIPELINE_FILE]` → `rehydrate run [<pipeline-file>] [options]`. */
function usageLine(definition: Definition): string {
  const line = definition.usage.replace(/\b[A-Z][A-Z_]+\b/g, (word) => word.toLowerCase().replace(/_/g, "-"));
  return `${line.replace(/\[([a-z-]+)\]/g, "[<$1>]")}${definition.options.length ? " [options]" : ""}`;
}

/** Finds the definition of a command path (`["plugins", "describe"]`). */
export function findDefinition(cli: CommandList, path: string[]): Definition | undefined {
  const wanted = ["rehydrate", ...path].join(" ");
  return cli.definitions().find((d) => d.path === wanted);
}

/** The help page of one command, wrapped to `width`. */
export function renderCommandHelp(definition: Definition, width: number, style: Styler): string {
  const out: string[] = [];
  const description = (definition.description ?? "").trim();
  out.push(...wrapText(`${definition.path} — ${description}`, width));
  out.push("", `${style.bold("Usage:")} ${usageLine(definition)}`, "");
  for (const p of paragraphs(definition.details)) out.push(...wrapText(p, width), "");

  const options = helpOptions(definition);
  const labelWidth = Math.min(32, Math.max(0, ...options.map((o) => o.label.length)));
  for (const group of OPTION_GROUPS) {
    const inGroup = options.filter((o) => o.group === group);
    if (inGroup.length === 0) continue;
    out.push(style.bold(`${group}:`));
    for (const option of inGroup) {
      // A description that states its default already keeps its own wording.
      const saysDefault = /\(default[: ]/i.test(option.description);
      const text =
        option.description + (option.default && !saysDefault ? ` (default: ${option.default})` : "");
      const left = `  ${option.label}`;
      const indent = " ".repeat(labelWidth + 4);
      if (left.length > labelWidth + 2) {
        out.push(left, ...wrapText(text, width, indent));
      } else {
        out.push(...wrapText(text, width, indent, left.padEnd(labelWidth + 4)));
      }
    }
    out.push("");
  }
  out.push(style.bold("Common:"), "  -h, --help  Show this help", "");

  if (definition.examples?.length) {
    out.push(style.bold("Examples:"));
    for (const [what, how] of definition.examples) {
      out.push(...wrapText(what.trim(), width, "  ", "  "));
      out.push(...wrapCommand(how.trim(), width), "");
    }
  }
  return `${out.join("\n").replace(/\n+$/, "")}\n`;
}

/**
 * An example command wrapped the way a shell still accepts when pasted: breaks only between
 * words outside quotes, each broken line ending in ` \\`.
 */
export function wrapCommand(command: string, width: number): string[] {
  const words = command.match(/(?:'[^']*'|"(?:\\.|[^"])*"|\S)+/g) ?? [command];
  const lines: string[] = [];
  let line = "    $";
  for (const word of words) {
    if (line.trim() !== "$" && line.trim() !== "" && `${line} ${word} \\`.length > width) {
      lines.push(`${line} \\`);
      line = "       ";
      line += word;
    } else {
      line += ` ${word}`;
    }
  }
  lines.push(line);
  return lines;
}

/** `rehydrate --help`: the commands by category. */
export function renderOverview(cli: CommandList, width: number, style: Styler, version: string): string {
  const out: string[] = [
    `rehydrate ${version} — rebuild a service's state from an event store`,
    "",
    `${style.bold("Usage:")} rehydrate <command> [options]`,
    "",
  ];
  const definitions = cli.definitions().filter((d) => d.category !== undefined);
  const categories = [...new Set(definitions.map((d) => (d.category ?? "").trim()))];
  const nameWidth = Math.max(...definitions.map((d) => d.path.length - "rehydrate ".length));
  for (const category of categories) {
    out.push(style.bold(`${category}:`));
    for (const d of definitions.filter((x) => (x.category ?? "").trim() === category)) {
      const name = d.path.slice("rehydrate ".length);
      out.push(
        ...wrapText(
          (d.description ?? "").trim(),
          width,
          " ".repeat(nameWidth + 4),
          `  ${name.padEnd(nameWidth + 2)}`,
        ),
      );
    }
    out.push("");
  }
  out.push(style.bold("Examples:"));
  for (const example of [
    "rehydrate run pipeline.yaml --dry-run",
    `rehydrate run -f events.ndjson -p '{"source":["shop"]}' -t stdout:`,
    "rehydrate plugins describe sqlite",
  ])
    out.push(...wrapCommand(example, width).map((line) => line.replace(/^ {4}\$ /, "  $ ")));
  out.push("");
  out.push(
    ...wrapText(
      "Run `rehydrate help <command>` (or `rehydrate <command> --help`) for its options. Shell completion: `rehydrate completion bash|zsh|fish`. Documentation: docs/cli.md.",
      width,
    ),
  );
  return `${out.join("\n")}\n`;
}
