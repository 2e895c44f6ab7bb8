import { Option } from "clipanion";
import { redactUri } from "../../host/helpers/redact.ts";
import { awsHint, withoutJsClassNames } from "../help/aws-hints.ts";
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
      ["Machine-readable result", "$0 validate pipeline.yaml --json"],
      [
        "Check flags alone",
        `$0 validate --from events.ndjson --to sqlite:out.db#orders --pattern '{"source":["shop"]}'`,
      ],
    ],
  });

  json = Option.Boolean("--json", false, {
    description: "Print the result as JSON on stdout ({ok, source, patterns, targets})",
  });
  set = Option.Array("--set", {
    description:
      "Set a plugin option: key=value for the only target, 0.key=value for targets[0], source.key=value (value as JSON or text)",
  });
  endpointUrl = Option.String("--endpoint-url", {
    description: "Send AWS requests to this endpoint (LocalStack, DynamoDB Local); same as AWS_ENDPOINT_URL",
  });
  verbose = Option.Boolean("--verbose", false, { description: "Log plugin debug messages" });

  async execute(): Promise<number> {
    const [{ resolveRun }, { checkTargets, checkSource }, { applySetOptions }] = await Promise.all([
      import("../../config/resolve-run.ts"),
      import("../../engine/check-targets.ts"),
      import("./set-options.ts"),
    ]);
    let plan: Awaited<ReturnType<typeof resolveRun>>;
    try {
      if (this.endpointUrl !== undefined) process.env.AWS_ENDPOINT_URL = this.endpointUrl;
      const spec = await this.loadSpec();
      if (this.set !== undefined) applySetOptions(spec, this.set);
      plan = resolveRun(spec, await this.loadPlugins(spec), { progress: false, verbose: this.verbose });
    } catch (error) {
      if (this.json && error instanceof Error) {
        this.out(JSON.stringify({ ok: false, error: error.message }));
      }
      return this.configErrorExit(error);
    }
    const sourceCheck = await checkSource(plan, this.context.stderr);
    if (this.json) {
      const results = await checkTargets(plan, this.context.stderr);
      const ok = sourceCheck.ok && results.every((r) => r.result.ok);
      this.out(
        JSON.stringify({
          ok,
          source: {
            name: redactUri(plan.source.name),
            plugin: plan.source.registered.plugin.name,
            ok: sourceCheck.ok,
            details: sourceCheck.details,
          },
          patterns: plan.patternCount,
          targets: results.map(({ name, result }) => ({
            name: redactUri(name),
            ok: result.ok,
            details: result.details,
          })),
        }),
      );
      return ok ? 0 : 1;
    }
    this.out(
      `source ${plan.source.name}: ${plan.source.registered.plugin.name} ${sourceCheck.ok ? "ok" : "FAILED"}`,
    );
    for (const detail of sourceCheck.details) this.out(`  ${detail}`);
    this.out(
      `patterns: ${plan.patternCount === 0 ? "none (every event matches)" : `${plan.patternCount} valid`}`,
    );
    const results = await checkTargets(plan, this.context.stderr);
    let ok = sourceCheck.ok;
    for (const { name, result } of results) {
      ok &&= result.ok;
      this.out(`target ${name}: ${result.ok ? "ok" : "FAILED"}`);
      for (const detail of result.details) this.out(`  ${withoutJsClassNames(detail)}`);
    }
    // One hint for an AWS set-up problem (the same one would repeat for every AWS endpoint).
    const failures = [sourceCheck, ...results.map((r) => r.result)].filter((c) => !c.ok);
    const hint = failures
      .flatMap((c) => c.details)
      .map((detail) => awsHint(detail, this.context.env, plan.aws.profile))
      .find((h) => h !== undefined);
    if (hint) this.err(`hint: ${hint}`);
    return ok ? 0 : 1;
  }
}
