import { existsSync, readdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Plugin, SourcePlugin, TargetPlugin } from "../sdk/index.ts";
import { ConfigError } from "../util/config-error.ts";
import { asPlugin, pluginShapeProblems } from "./plugin-shape.ts";

/** A plugin and where it came from (`built-in` or the file it was loaded from). */
export interface RegisteredPlugin<P extends Plugin = Plugin> {
  plugin: P;
  origin: string;
}

/** Every plugin available to a run: the built-ins plus runtime plugins from plugin directories. */
export class PluginRegistry {
  private readonly sources = new Map<string, RegisteredPlugin<SourcePlugin<never>>>();
  private readonly targets = new Map<string, RegisteredPlugin<TargetPlugin<never>>>();

  /** Adds a plugin; a second plugin of the same kind and name is an error naming both origins. */
  add(plugin: Plugin, origin: string): void {
    const map = (plugin.kind === "source" ? this.sources : this.targets) as Map<string, RegisteredPlugin>;
    const existing = map.get(plugin.name);
    if (existing) {
      throw new ConfigError(
        `${plugin.kind} plugin "${plugin.name}" is already defined by ${existing.origin}; rename the plugin`,
        origin,
      );
    }
    map.set(plugin.name, { plugin, origin });
  }

  source(name: string): RegisteredPlugin<SourcePlugin<never>> | undefined {
    return this.sources.get(name);
  }

  target(name: string): RegisteredPlugin<TargetPlugin<never>> | undefined {
    return this.targets.get(name);
  }

  /** All plugins, sources first, each group sorted by name. */
  all(): RegisteredPlugin[] {
    const byName = (a: RegisteredPlugin, b: RegisteredPlugin) => a.plugin.name.localeCompare(b.plugin.name);
    return [...[...this.sources.values()].sort(byName), ...[...this.targets.values()].sort(byName)];
  }

  /** Names of plugins of one kind, for "unknown plugin" messages. */
  names(kind: "source" | "target"): string[] {
    return [...(kind === "source" ? this.sources : this.targets).keys()].sort();
  }
}

/** Where runtime plugins are looked for, in order: `--plugin-dir`, `REHYDRATE_PLUGIN_DIR`, `~/.config/rehydrate/plugins`. */
export function pluginDirectories(
  explicit: string | undefined,
  env: Record<string, string | undefined>,
): Array<{ dir: string; required: boolean; via: string }> {
  const dirs: Array<{ dir: string; required: boolean; via: string }> = [];
  if (explicit) dirs.push({ dir: resolve(explicit), required: true, via: "--plugin-dir" });
  if (env.REHYDRATE_PLUGIN_DIR)
    dirs.push({ dir: resolve(env.REHYDRATE_PLUGIN_DIR), required: true, via: "REHYDRATE_PLUGIN_DIR" });
  const home = env.HOME ?? homedir();
  dirs.push({
    dir: join(home, ".config", "rehydrate", "plugins"),
    required: false,
    via: "the default plugin folder",
  });
  return dirs;
}

const PLUGIN_FILE = /\.(ts|js|mjs)$/;

/**
 * Builds the registry: built-ins, then each `*.ts`/`*.js`/`*.mjs` file of the plugin
 * directories (sorted by name), loaded with `import()` (which also works in the compiled
 * binary). A module default-exports a plugin or a list of plugins.
 */
export async function loadRegistry(
  builtins: readonly Plugin[],
  dirs: ReadonlyArray<{ dir: string; required: boolean; via: string }>,
): Promise<PluginRegistry> {
  const registry = new PluginRegistry();
  for (const plugin of builtins) registry.add(plugin, "built-in");
  const seen = new Set<string>();
  for (const { dir, required, via } of dirs) {
    if (seen.has(dir)) continue;
    seen.add(dir);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      if (required)
        throw new ConfigError(`plugin directory does not exist or is not a folder (from ${via})`, dir);
      continue;
    }
    const files = readdirSync(dir)
      .filter((name) => PLUGIN_FILE.test(name) && !name.endsWith(".d.ts") && !/\.test\.(ts|js)$/.test(name))
      .sort();
    for (const name of files) {
      const file = join(dir, name);
      for (const plugin of await importPluginFile(file)) registry.add(plugin, file);
    }
  }
  return registry;
}

async function importPluginFile(file: string): Promise<Plugin[]> {
  let module: Record<string, unknown>;
  try {
    module = await import(pathToFileURL(file).href);
  } catch (error) {
    throw new ConfigError(`cannot load plugin: ${(error as Error).message}`, file);
  }
  const exported = module.default;
  // No default export: a helper module next to the plugins (shared code, rehydrate-sdk.ts), not
  // a plugin. It is skipped; a plugin that forgot its `export default` is not listed.
  if (exported === undefined) return [];
  const candidates = Array.isArray(exported) ? exported : [exported];
  return candidates.map((candidate, i) => {
    const problems = pluginShapeProblems(candidate);
    if (problems.length > 0) {
      const which = Array.isArray(exported) ? ` (export #${i})` : "";
      throw new ConfigError(`not a valid rehydrate plugin${which}: ${problems.join("; ")}`, file);
    }
    return asPlugin(candidate);
  });
}
