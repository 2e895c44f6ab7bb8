import type { PluginRegistry, RegisteredPlugin } from "../host/registry.ts";
import type { Plugin, SourcePlugin, TargetPlugin } from "../sdk/index.ts";
import { ConfigError } from "../util/config-error.ts";
import { didYouMean } from "../util/suggest.ts";
import type { EndpointSpec } from "./pipeline.ts";
import { validatePluginConfig } from "./plugin-config.ts";

/** A source or target with its plugin and validated config, ready to create. */
export interface ResolvedEndpoint<P extends Plugin> {
  registered: RegisteredPlugin<P>;
  config: Record<string, unknown>;
  /** Display name: the `name` given, else the URI, else the plugin name. */
  name: string;
  /** Folder the plugin's relative paths resolve against. */
  baseDir: string;
}

const SCHEME = /^([a-z][a-z0-9-]+):(.*)$/s;

/**
 * Splits a URI into plugin name and rest: `sqlite:out.db#t` → `sqlite`, `out.db#t`. `-` is
 * stdin (as a source) or stdout (as a target); anything without a known scheme is a file path
 * (single letters are not schemes, so `C:\events.json` stays a path).
 */
export function splitUri(
  uri: string,
  kind: "source" | "target",
  registry: PluginRegistry,
): { plugin: string; rest: string } {
  if (uri === "-") return kind === "source" ? { plugin: "file", rest: "-" } : { plugin: "stdout", rest: "" };
  const match = SCHEME.exec(uri);
  if (match) {
    const [, scheme, rest] = match;
    const known = kind === "source" ? registry.source(scheme!) : registry.target(scheme!);
    if (known) return { plugin: scheme!, rest: rest! };
    if (!rest!.startsWith("\\") && !/\.[a-z0-9]+$/i.test(scheme!)) {
      throw new ConfigError(
        `unknown ${kind} "${scheme}"${didYouMean(scheme!, registry.names(kind), "`")} (known ${kind}s: ${registry.names(kind).join(", ")}; runtime plugins load from --plugin-dir)`,
        uri,
      );
    }
  }
  // A bare plugin name (`--to stdout`, `--to sqlite`) is a forgotten colon, not a file to create.
  if (registry.source(uri) || registry.target(uri)) {
    throw new ConfigError(
      `"${uri}" is a plugin name: did you mean \`${uri}:\`? (a file of that name is file:${uri})`,
    );
  }
  return { plugin: "file", rest: uri };
}

/** Resolves an endpoint as written (URI or object) into plugin + validated config. */
export function resolveEndpoint<K extends "source" | "target">(
  spec: EndpointSpec,
  kind: K,
  registry: PluginRegistry,
  where: string,
  baseDir: string,
): ResolvedEndpoint<K extends "source" ? SourcePlugin<never> : TargetPlugin<never>> {
  let pluginName: string;
  let raw: Record<string, unknown> = {};
  let displayName: string;
  if (typeof spec === "string") {
    const { plugin, rest } = splitUri(spec, kind, registry);
    pluginName = plugin;
    raw = uriConfig(registry, kind, plugin, rest, where);
    displayName = spec;
  } else {
    const { uri, plugin, name, ...options } = spec;
    if (uri !== undefined && typeof uri !== "string") throw new ConfigError(`"uri" must be a string`, where);
    if (plugin !== undefined && typeof plugin !== "string")
      throw new ConfigError(`"plugin" must be a string`, where);
    if (uri) {
      const split = splitUri(uri, kind, registry);
      if (plugin && plugin !== split.plugin)
        throw new ConfigError(`"plugin" is ${plugin} but the URI names ${split.plugin}`, where);
      pluginName = split.plugin;
      raw = uriConfig(registry, kind, split.plugin, split.rest, where);
    } else if (plugin) {
      pluginName = plugin;
    } else {
      throw new ConfigError(`give a "uri" (like sqlite:out.db#users) or a "plugin" name`, where);
    }
    raw = { ...raw, ...options };
    displayName = typeof name === "string" ? name : (uri ?? pluginName);
  }
  const registered = kind === "source" ? registry.source(pluginName) : registry.target(pluginName);
  if (!registered) {
    throw new ConfigError(
      `unknown ${kind} plugin "${pluginName}" (known: ${registry.names(kind).join(", ")})`,
      where,
    );
  }
  const config = validatePluginConfig(pluginName, registered.plugin.config, raw, where);
  return { registered, config, name: displayName, baseDir } as ResolvedEndpoint<
    K extends "source" ? SourcePlugin<never> : TargetPlugin<never>
  >;
}

function uriConfig(
  registry: PluginRegistry,
  kind: "source" | "target",
  pluginName: string,
  rest: string,
  where: string,
): Record<string, unknown> {
  const registered = kind === "source" ? registry.source(pluginName) : registry.target(pluginName);
  if (!registered) {
    throw new ConfigError(
      `unknown ${kind} plugin "${pluginName}" (known: ${registry.names(kind).join(", ")})`,
      where,
    );
  }
  const fromUri = registered.plugin.config.fromUri;
  if (!fromUri) {
    if (rest !== "") throw new ConfigError(`${pluginName} takes no value after "${pluginName}:"`, where);
    return {};
  }
  try {
    return fromUri(rest);
  } catch (error) {
    throw new ConfigError((error as Error).message, where);
  }
}
