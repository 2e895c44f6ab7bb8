import { createHost } from "../host/create-host.ts";
import type { CheckResult } from "../sdk/index.ts";
import type { RunPlan } from "./run-plan.ts";
import { errorMessage } from "./runner.ts";

/**
 * Creates each target of a plan as in a dry run and runs its read-only `check`, for
 * `rehydrate validate`. A target that throws counts as a failed check with the error's words.
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
    const target = await plugin.create(endpoint.config as never, host);
    try {
      await target.open?.();
      result = await target.check();
    } catch (error) {
      result = { ok: false, details: [errorMessage(error)] };
    } finally {
      await target.close?.();
    }
    results.push({ name: endpoint.name, result });
  }
  return results;
}
