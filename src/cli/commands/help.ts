import { Option } from "clipanion";
import { BaseCommand } from "../base-command.ts";

/** `rehydrate help [<command>...]`: the same page as `<command> --help`. */
export class HelpCommand extends BaseCommand {
  static override paths = [["help"]];

  static override usage = BaseCommand.Usage({
    category: "Help",
    description: "show the commands, or one command's options",
    examples: [
      ["List the commands", "$0 help"],
      ["Show the options of run", "$0 help run"],
      ["Show a subcommand", "$0 help plugins describe"],
    ],
  });

  command = Option.Rest({ name: "command" });

  async execute(): Promise<number> {
    const { writeHelp } = await import("../help/show.ts");
    return writeHelp(this.cli, this.command, this.context);
  }
}
