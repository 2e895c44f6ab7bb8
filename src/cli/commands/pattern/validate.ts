import { Command } from "clipanion";
import { PatternSourceCommand } from "./pattern-command.ts";

/** `rehydrate pattern validate`: is a pattern valid for EventBridge? */
export class PatternValidateCommand extends PatternSourceCommand {
  static override paths = [["pattern", "validate"]];

  static override usage = Command.Usage({
    category: "Patterns",
    description: "check an EventBridge event pattern the way PutRule would",
    details: `
      Validates the pattern with EventBridge's rules (operators, value types, 4096 characters, at most 1000 \`$or\` combinations, wildcard complexity) and prints \`valid\`. An invalid pattern exits 2 with AWS's message on stderr, e.g. \`Event pattern is not valid. Reason: Empty arrays are not allowed\`.

      The pattern comes from \`--pattern\` (JSON or @file), a deployed rule (\`--rule\`) or a CloudFormation/SAM template (\`--template file#LogicalId\`).
    `,
    examples: [
      [
        "Validate inline JSON",
        `$0 pattern validate --pattern '{"detail":{"amount":[{"numeric":[">",100]}]}}'`,
      ],
      ["Validate a rule of a template", "$0 pattern validate --template template.yaml#OrdersRule"],
    ],
  });

  async execute(): Promise<number> {
    const compiled = await this.loadCompiled();
    if (typeof compiled === "number") return compiled;
    this.out("valid");
    return 0;
  }
}
