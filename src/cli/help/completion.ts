/**
 * Shell completion scripts, generated from the registered commands so they never drift from
 * the CLI: command words, each command's flags, fixed values (`--progress`, `--kind`,
 * `completion`), and file names for flags that take a path or URI.
 *
 * @module
 */
import type { CommandList } from "./render.ts";
import { helpOptions } from "./render.ts";

/** The shells `rehydrate completion` knows. */
export const COMPLETION_SHELLS = ["bash", "zsh", "fish"] as const;

/** One of {@link COMPLETION_SHELLS}. */
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/** Flags whose values are a fixed list. */
const FIXED_VALUES: Record<string, string[]> = {
  "--progress": ["auto", "bar", "plain", "off"],
  "--report-format": ["json", "md"],
  "--kind": ["source", "target"],
};

interface CommandFacts {
  /** `plugins describe` */
  path: string;
  flags: string[];
  valueFlags: string[];
}

function commandFacts(cli: CommandList): CommandFacts[] {
  return cli.definitions().map((d) => {
    const options = helpOptions(d);
    const flags = options.flatMap((o) => (o.label.includes("--no-") ? [`--no-${o.long.slice(2)}`] : o.names));
    return {
      path: d.path.replace(/^rehydrate ?/, ""),
      flags: [...flags, "--help"],
      valueFlags: options.filter((o) => o.takesValue).flatMap((o) => o.names),
    };
  });
}

/** Every word sequence that leads to a command, mapped to the words that may follow it. */
function nextWords(commands: CommandFacts[]): Map<string, Set<string>> {
  const next = new Map<string, Set<string>>();
  for (const { path } of commands) {
    const words = path.split(" ").filter((w) => w !== "");
    for (let i = 0; i < words.length; i++) {
      const prefix = words.slice(0, i).join(" ");
      if (!next.has(prefix)) next.set(prefix, new Set());
      next.get(prefix)!.add(words[i]!);
    }
  }
  return next;
}

const shellWords = (words: Iterable<string>) => [...words].join(" ");

/** The completion script for `shell`. */
export function completionScript(shell: CompletionShell, cli: CommandList): string {
  const commands = commandFacts(cli).filter((c) => c.path !== "");
  const next = nextWords(commands);
  if (shell === "fish") return fishScript(commands, next);
  const bash = bashFunction(commands, next);
  if (shell === "bash")
    return `# rehydrate completion for bash: eval "$(rehydrate completion bash)"\n${bash}complete -o default -F _rehydrate rehydrate\n`;
  return `#compdef rehydrate\n# rehydrate completion for zsh: eval "$(rehydrate completion zsh)" (uses bash completion emulation)\n(( $+functions[compdef] )) || { autoload -U +X compinit && compinit; }\nautoload -U +X bashcompinit && bashcompinit\n${bash}complete -o default -F _rehydrate rehydrate\n`;
}

function bashFunction(commands: CommandFacts[], next: Map<string, Set<string>>): string {
  const prefixes = [...next.keys(), ...commands.map((c) => c.path)];
  const pathCases = [...next.entries()]
    .map(([prefix, words]) => `    "${prefix}") words="${shellWords(words)}" ;;`)
    .join("\n");
  const flagCases = commands
    .map((c) => `    "${c.path}") flags="${shellWords(c.flags)}"; valued="${shellWords(c.valueFlags)}" ;;`)
    .join("\n");
  const fixedCases = Object.entries(FIXED_VALUES)
    .map(
      ([flag, values]) => `    ${flag}) COMPREPLY=($(compgen -W "${values.join(" ")}" -- "$cur")); return ;;`,
    )
    .join("\n");
  return `_rehydrate() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local known=" ${[...new Set(prefixes)].map((p) => p.replace(/ /g, "_")).join(" ")} "
  local path="" i w candidate
  # The command path: leading words that extend a known command, skipping flags.
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    candidate="\${path:+$path }$w"
    if [[ "$known" == *" \${candidate// /_} "* ]]; then path="$candidate"; else break; fi
  done
  case "$prev" in
${fixedCases}
  esac
  if [[ "$path" == "completion" ]]; then COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur")); return; fi
  if [[ "$path" == "help" ]]; then COMPREPLY=($(compgen -W "${shellWords(next.get("") ?? [])}" -- "$cur")); return; fi
  local words="" flags="" valued=""
  case "$path" in
${pathCases}
  esac
  case "$path" in
${flagCases}
  esac
  # A flag's value: file names (URIs often start with a path).
  if [[ " $valued " == *" $prev "* ]]; then COMPREPLY=($(compgen -f -- "$cur")); return; fi
  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$flags" -- "$cur")); return; fi
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
`;
}

function fishScript(commands: CommandFacts[], next: Map<string, Set<string>>): string {
  const prefixes = [...new Set([...next.keys(), ...commands.map((c) => c.path)])].filter((p) => p !== "");
  const lines = [
    "# rehydrate completion for fish: rehydrate completion fish | source",
    "function __rehydrate_path",
    "    set -l words (commandline -opc)",
    "    set -e words[1]",
    "    set -l path",
    "    for w in $words",
    "        if string match -q -- '-*' $w",
    "            continue",
    "        end",
    "        if contains -- (string join ' ' $path $w) " + prefixes.map((p) => `'${p}'`).join(" "),
    "            set path $path $w",
    "        else",
    "            break",
    "        end",
    "    end",
    // A prefix so the output is one non-empty word even at the top level (an empty command
    // substitution would leave `test` without an operand).
    "    set -l joined (string join ' ' $path)",
    '    echo "path:$joined"',
    "end",
    "complete -c rehydrate -f",
  ];
  for (const [prefix, words] of next) {
    lines.push(
      `complete -c rehydrate -n 'test (__rehydrate_path) = "path:${prefix}"' -a '${shellWords(words)}'`,
    );
  }
  lines.push(`complete -c rehydrate -n 'test (__rehydrate_path) = "path:completion"' -a 'bash zsh fish'`);
  lines.push(
    `complete -c rehydrate -n 'test (__rehydrate_path) = "path:help"' -a '${shellWords(next.get("") ?? [])}'`,
  );
  for (const c of commands) {
    const condition = `-n 'test (__rehydrate_path) = "path:${c.path}"'`;
    for (const flag of c.flags) {
      if (!flag.startsWith("--")) continue;
      const fixed = FIXED_VALUES[flag];
      const value = c.valueFlags.includes(flag) ? (fixed ? ` -x -a '${fixed.join(" ")}'` : " -r -F") : "";
      lines.push(`complete -c rehydrate ${condition} -l ${flag.slice(2)}${value}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
