import { Option } from "clipanion";
import { PluginAwareCommand } from "../../pipeline-command.ts";

/** `rehydrate plugins list`. */
export class PluginsListCommand extends PluginAwareCommand {
  static override paths = [["plugins", "list"]];

  static override usage = PluginAwareCommand.Usage({
    category: "Plugins",
    description: "list built-in and runtime plugins",
    details: `
      Lists every source and target plugin with where it comes from: \`built-in\`, or the file it was loaded from. Runtime plugins are \`*.ts\`/\`*.js\` files in \`--plugin-dir\`, \`$REHYDRATE_PLUGIN_DIR\` and \`~/.config/rehydrate/plugins\`.
    `,
    examples: [
      ["List plugins", "$0 plugins list"],
      ["Include a plugin folder", "$0 plugins list --plugin-dir ./my-plugins"],
    ],
  });

  json = Option.Boolean("--json", false, { description: "Print JSON instead of a table" });
  verbose = Option.Boolean("--verbose", false, {
    description: "Also list the folders runtime plugins are loaded from",
  });

  async execute(): Promise<number> {
    if (this.verbose) {
      const { logPluginDirectories } = await import("./log-plugin-dirs.ts");
      await logPluginDirectories(this.pluginDir, this.context.stderr);
    }
    let registry: Awaited<ReturnType<typeof this.loadPlugins>>;
    try {
      registry = await this.loadPlugins({});
    } catch (error) {
      return this.configErrorExit(error);
    }
    const rows = registry.all().map(({ plugin, origin }) => ({
      kind: plugin.kind,
      name: plugin.name,
      summary: plugin.summary,
      origin,
    }));
    if (this.json) {
      this.out(JSON.stringify(rows, null, 2));
      return 0;
    }
    const width = Math.max(...rows.map((r) => r.name.length), 4);
    for (const row of rows)
      this.out(`${row.kind.padEnd(6)}  ${row.name.padEnd(width)}  ${row.summary}  [${row.origin}]`);
    return 0;
  }
}
