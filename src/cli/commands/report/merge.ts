import { readFileSync, writeFileSync } from "node:fs";
import { Option } from "clipanion";
import { BaseCommand } from "../../base-command.ts";

/** `rehydrate report merge`: one report for a run split into shards. */
export class ReportMergeCommand extends BaseCommand {
  static override paths = [["report", "merge"]];

  static override usage = BaseCommand.Usage({
    category: "Reports",
    description: "sum the reports of a run's shards (--shard i/N) into one report",
    details: `
      Reads the JSON reports (\`--report\`) of the shards of one split run and writes the report of the logical run: counters summed per target, samples pooled, the time span of all shards, and the worst status. It says which shards are missing.

      Exit codes: 0 every shard is in and completed; 1 every shard is in but some failed or stopped; 3 shards are missing (the merged report is still written, with \`shards.missing\`); 2 a file is not a shard report or the shards disagree.
    `,
    examples: [
      ["Merge four shard reports", "$0 report merge reports/shard-*.json --output report.json"],
      ["Print the merged report", "$0 report merge a.json b.json"],
    ],
  });

  reports = Option.Rest({ required: 1, name: "REPORTS" });
  output = Option.String("--output,-o", { description: "Write the merged report here instead of stdout" });
  shards = Option.String("--shards", {
    description: "The shard count to expect (default: the one the reports carry)",
  });
  verbose = Option.Boolean("--verbose", false, { description: "Name each report as it is read" });

  async execute(): Promise<number> {
    const [{ mergeReports }, { renderHumanSummary }] = await Promise.all([
      import("./merge-reports.ts"),
      import("../../../report/human-summary.ts"),
    ]);
    let result: ReturnType<typeof mergeReports>;
    try {
      const parsed = this.reports.map((file) => {
        if (this.verbose) this.err(`reading ${file}`);
        try {
          return JSON.parse(readFileSync(file, "utf8"));
        } catch (error) {
          throw new Error(`${file}: cannot read the report: ${(error as Error).message}`);
        }
      });
      const count = this.shards === undefined ? undefined : Number(this.shards);
      if (count !== undefined && (!Number.isInteger(count) || count < 1))
        throw new Error(`--shards must be a whole number ≥ 1, got ${JSON.stringify(this.shards)}`);
      result = mergeReports(parsed, this.reports, count === undefined ? {} : { count });
    } catch (error) {
      this.err(`rehydrate: ${(error as Error).message}`);
      return 2;
    }
    const text = `${JSON.stringify(result.report, null, 2)}\n`;
    if (this.output) writeFileSync(this.output, text);
    else this.context.stdout.write(text);
    const { shards } = result;
    this.context.stderr.write(renderHumanSummary(result.report));
    this.err(
      `  shards: ${shards.merged.length}/${shards.count} in` +
        (shards.missing.length > 0 ? ` · missing ${shards.missing.join(", ")}` : "") +
        (shards.duplicates.length > 0 ? ` · given twice (latest kept): ${shards.duplicates.join(", ")}` : ""),
    );
    return result.report.exitCode;
  }
}
