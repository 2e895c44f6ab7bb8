import { createReadStream } from "node:fs";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { Command, Option } from "clipanion";
import { PatternSourceCommand } from "./pattern-command.ts";

/** `rehydrate pattern test`: does an event (or each event of a file) match a pattern? */
export class PatternTestCommand extends PatternSourceCommand {
  static override paths = [["pattern", "test"]];

  static override usage = Command.Usage({
    category: "Patterns",
    description: "test events against an EventBridge event pattern, offline",
    details: `
      Matches with Amazon EventBridge's semantics (the same engine as \`run --pattern\`). With \`--event\`, prints \`{"Result": true}\` or \`{"Result": false}\` like \`aws events test-event-pattern\`. With \`--events\`, reads NDJSON (a file, or \`-\` for stdin) and prints \`true\` or \`false\` per event, in input order; blank lines are skipped.

      The pattern comes from \`--pattern\` (JSON or @file), a deployed rule (\`--rule\`, optionally \`--bus\`, \`--region\`, \`--profile\`; AWS_ENDPOINT_URL is honoured) or a CloudFormation/SAM template (\`--template file#LogicalId\`).

      Exit codes: 0 done (whatever the results); 2 invalid pattern (AWS's message on stderr), unreadable input or a malformed event line (reported as file:line).
    `,
    examples: [
      [
        "Test one event",
        `$0 pattern test --pattern '{"source":["shop"]}' --event '{"source":"shop","detail":{}}'`,
      ],
      [
        "Test every event of a file against a pattern file",
        "$0 pattern test --pattern @rule.json --events events.ndjson",
      ],
      [
        "Test stdin against a deployed rule",
        "cat events.ndjson | $0 pattern test --rule orders-to-billing --bus shop --events -",
      ],
      [
        "Use a SAM function's EventBridge event",
        "$0 pattern test --template template.yaml#OrderHandler --events events.ndjson",
      ],
    ],
  });

  event = Option.String("--event", { description: "One event as JSON text or @file" });
  events = Option.String("--events", { description: "NDJSON file of events, or - for stdin" });

  async execute(): Promise<number> {
    if ((this.event === undefined) === (this.events === undefined)) {
      return this.fail("give exactly one of --event or --events");
    }
    const compiled = await this.loadCompiled();
    if (typeof compiled === "number") return compiled;
    if (this.event !== undefined) {
      const { readJsonArgument, PatternSourceError } = await import("../../../pattern/load.ts");
      let event: unknown;
      try {
        event = readJsonArgument(this.event, process.cwd(), "event");
      } catch (error) {
        if (error instanceof PatternSourceError) return this.fail(error.message);
        throw error;
      }
      this.out(`{"Result": ${compiled.matches(event)}}`);
      return 0;
    }
    return this.testLines(this.events!, compiled.matches);
  }

  /** Streams NDJSON, writing results in batches and respecting stdout backpressure. */
  private async testLines(source: string, matches: (event: unknown) => boolean): Promise<number> {
    const name = source === "-" ? "stdin" : source;
    let input: Readable;
    if (source === "-") {
      input = this.context.stdin;
    } else {
      input = createReadStream(resolve(process.cwd(), source));
    }
    const opened = await new Promise<Error | undefined>((done) => {
      if (source === "-") return done(undefined);
      input.once("error", done);
      input.once("readable", () => done(undefined));
    });
    if (opened) return this.fail(`cannot read ${name}: ${opened.message}`);
    const stdout = this.context.stdout;
    const flush = async (chunk: string) => {
      if (chunk !== "" && !stdout.write(chunk)) {
        await new Promise<void>((done) => stdout.once("drain", () => done()));
      }
    };
    const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    let pending = "";
    let lineNumber = 0;
    try {
      for await (const line of lines) {
        lineNumber++;
        if (line.trim() === "") continue;
        let event: unknown;
        try {
          event = JSON.parse(line);
        } catch (error) {
          await flush(pending);
          return this.fail(`${name}:${lineNumber}: not valid JSON: ${(error as Error).message}`);
        }
        pending += matches(event) ? "true\n" : "false\n";
        if (pending.length >= 65536) {
          await flush(pending);
          pending = "";
        }
      }
    } catch (error) {
      await flush(pending);
      return this.fail(`cannot read ${name}: ${(error as Error).message}`);
    } finally {
      lines.close();
    }
    await flush(pending);
    return 0;
  }
}
