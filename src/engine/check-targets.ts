import type { RunPlan } from "../config/run-plan.ts";
import { createHost } from "../host/create-host.ts";
import type { CheckResult } from "../sdk/index.ts";
import { errorMessage } from "../util/error-message.ts";

/**
 * Creates each target of a plan as in a dry run and runs its read-only `check`, for
 * `rehydrate validate`. A target whose `create`, `open` or `check` throws counts as a failed
 * check with the error's words (never a stack trace).
 */
export async function checkTargets(
  plan: RunPlan,
  stderr: { write(text: string): unknown },
): Promise<Array<{ name: string; result: CheckResult }>> {
  const results: Array<{ name: string; result: CheckResult }> = [];
  const signal = new AbortController().signal;
  for (const endpoint of plan.targets) {
    const plugin = endpoint.registered.plugin;
    const host = createHost({
      pluginName: plugin.name,
      dryRun: true,
      signal,
      baseDir: endpoint.baseDir,
      aws: plan.aws,
      stderr,
    });
    let result: CheckResult;
    let target: Awaited<ReturnType<typeof plugin.create>> | undefined;
    try {
      target = await plugin.create(endpoint.config as never, host);
      await target.open?.();
      result = await target.check();
    } catch (error) {
      result = { ok: false, details: [errorMessage(error)] };
    } finally {
      try {
        await target?.close?.();
      } catch (error) {
        stderr.write(`warning: closing target ${endpoint.name} failed: ${errorMessage(error)}\n`);
      }
    }
    results.push({ name: endpoint.name, result });
  }
  return results;
}

/**
 * Opens the source as a run would (files exist, globs match, the table answers) and closes it,
 * for `rehydrate validate`: a missing input fails validation, not the run later.
 */
export async function checkSource(
  plan: RunPlan,
  stderr: { write(text: string): unknown },
): Promise<CheckResult> {
  const plugin = plan.source.registered.plugin;
  const signal = new AbortController().signal;
  const host = createHost({
    pluginName: plugin.name,
    dryRun: true,
    signal,
    baseDir: plan.source.baseDir,
    aws: plan.aws,
    stderr,
  });
  let source: Awaited<ReturnType<typeof plugin.create>> | undefined;
  try {
    source = await plugin.create(plan.source.config as never, host);
    await source.open?.({ signal, pushdown: {} });
    const inputs = source.inputPaths?.() ?? [];
    return { ok: true, details: inputs.length > 0 ? [`${inputs.length} input file(s) found`] : ["opened"] };
  } catch (error) {
    return { ok: false, details: [errorMessage(error)] };
  } finally {
    try {
      await source?.close?.();
    } catch (error) {
      stderr.write(`warning: closing source ${plan.source.name} failed: ${errorMessage(error)}\n`);
    }
  }
}
