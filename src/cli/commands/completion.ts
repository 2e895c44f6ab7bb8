import { Option, UsageError } from "clipanion";
import { BaseCommand } from "../base-command.ts";

/** `rehydrate completion bash|zsh|fish`: prints a completion script. */
export class CompletionCommand extends BaseCommand {
  static override paths = [["completion"]];

  static override usage = BaseCommand.Usage({
    category: "Help",
    description: "print a shell completion script (bash, zsh or fish)",
    details: `
      Completes commands, flags, fixed values (\`--progress\`, \`--kind\`) and file names for flags that take a path or URI. The script is generated from the commands of this binary, so it matches its version.
    `,
    examples: [
      ["bash, for this shell", 'eval "$($0 completion bash)"'],
      ["zsh, for this shell", 'eval "$($0 completion zsh)"'],
      ["fish, installed", "$0 completion fish > ~/.config/fish/completions/rehydrate.fish"],
    ],
  });

  shell = Option.String({ name: "shell" });

  async execute(): Promise<number> {
    const { COMPLETION_SHELLS, completionScript } = await import("../help/completion.ts");
    const shell = this.shell as (typeof COMPLETION_SHELLS)[number];
    if (!COMPLETION_SHELLS.includes(shell)) {
      const { didYouMean } = await import("../../util/suggest.ts");
      throw new UsageError(
        `unknown shell "${this.shell}"${didYouMean(this.shell, COMPLETION_SHELLS)}: give bash, zsh or fish`,
      );
    }
    this.context.stdout.write(completionScript(shell, this.cli));
    return 0;
  }
}
