import { PipelineCommand } from "../pipeline-command.ts";

/** `rehydrate validate`: everything `run` checks, without reading an event. */
export class ValidateCommand extends PipelineCommand {
  static override paths = [["validate"]];

  static override usage = PipelineCommand.Usage({
    category: "Hydrate",
    description: "check a pipeline without reading events",
    details: `
      Loads the pipeline file and flags, validates every plugin's config and every pattern, then runs each target's read-only \`check\` (the table exists and matches the mapping, the bus or function exists). No event is read and nothing is written.

      Exit codes: 0 valid; 1 a target check failed; 2 usage or configuration error.
    `,
    examples: [
      ["Check a pipeline file", "$0 validate pipeline.yaml"],
      [
        "Check flags alone",
        `$0 validate --from events.ndjson --to sqlite:out.db#orders --pattern '{"source":["shop"]}'`,
      ],
    ],
  });

  async execute(): Promise<number> {
    const [{ resolveRun }, { checkTargets }] = await Promise.all([
      import("../../config/resolve-run.ts"),
      import("../../engine/check-targets.ts"),
    ]);
    let plan: Awaited<ReturnType<typeof resolveRun>>;
    try {
      const spec = await this.loadSpec();
      plan = resolveRun(spec, await this.loadPlugins(spec), { progress: false });
    } catch (error) {
      return this.configErrorExit(error);
    }
    this.out(`source ${plan.source.name}: ${plan.source.registered.plugin.name} config ok`);
    this.out(
      `patterns: ${plan.patternCount === 0 ? "none (every event matches)" : `${plan.patternCount} valid`}`,
    );
    const results = await checkTargets(plan, this.context.stderr);
    let ok = true;
    for (const { name, result } of results) {
      ok &&= result.ok;
      this.out(`target ${name}: ${result.ok ? "ok" : "FAILED"}`);
      for (const detail of result.details) this.out(`  ${detail}`);
    }
    return ok ? 0 : 1;
  }
}
