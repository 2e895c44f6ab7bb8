import { PLUGIN_API_VERSION, type Plugin, SUPPORTED_PLUGIN_API_VERSIONS } from "../sdk/index.ts";

const NAME = /^[a-z][a-z0-9-]*$/;

/**
 * Checks that `candidate` is a plugin object rehydrate can use, returning the problems found
 * (empty when it is fine). Runtime plugins are someone else's code: check everything the
 * engine relies on before calling into it.
 */
export function pluginShapeProblems(candidate: unknown): string[] {
  if (candidate === null || typeof candidate !== "object") return ["is not an object"];
  const p = candidate as Record<string, unknown>;
  const problems: string[] = [];
  if (p.kind !== "source" && p.kind !== "target")
    problems.push(`"kind" must be "source" or "target", got ${JSON.stringify(p.kind)}`);
  if (typeof p.name !== "string" || !NAME.test(p.name))
    problems.push(
      `"name" must be lowercase letters, digits and dashes, starting with a letter, got ${JSON.stringify(p.name)}`,
    );
  if (typeof p.api !== "number" || !SUPPORTED_PLUGIN_API_VERSIONS.includes(p.api))
    problems.push(
      `"api" is ${JSON.stringify(p.api)}, but this rehydrate loads plugin API ${SUPPORTED_PLUGIN_API_VERSIONS.join(" and ")} (current: ${PLUGIN_API_VERSION}); set api: ${PLUGIN_API_VERSION} and see docs/plugins.md for what changed`,
    );
  if (typeof p.summary !== "string") problems.push(`"summary" must be a string`);
  const config = p.config as Record<string, unknown> | undefined;
  if (
    config === null ||
    typeof config !== "object" ||
    typeof config.fields !== "object" ||
    config.fields === null
  )
    problems.push(`"config.fields" must be an object describing the plugin's options`);
  if (typeof p.create !== "function") problems.push(`"create" must be a function`);
  return problems;
}

/** Narrowing helper used after {@link pluginShapeProblems} returned nothing. */
export function asPlugin(candidate: unknown): Plugin {
  return candidate as Plugin;
}
