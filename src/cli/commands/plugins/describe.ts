import { Option, UsageError } from "clipanion";
import { PluginAwareCommand } from "../../pipeline-command.ts";

/** `rehydrate plugins describe <name>`. */
export class PluginsDescribeCommand extends PluginAwareCommand {
  static override paths = [["plugins", "describe"]];

  static override usage = PluginAwareCommand.Usage({
    category: "Plugins",
    description: "show a plugin's config fields, defaults and examples",
    examples: [
      ["Describe the SQLite target", "$0 plugins describe sqlite"],
      ["Describe only the source named file", "$0 plugins describe file --kind source"],
    ],
  });

  name = Option.String({ name: "NAME" });
  kind = Option.String("--kind", { description: "source or target, when a name is both" });
  json = Option.Boolean("--json", false, {
    description: "Print JSON (name, kind, origin, fields, examples)",
  });
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
    if (this.kind !== undefined && this.kind !== "source" && this.kind !== "target") {
      return this.configErrorExit(
        new UsageError(`--kind must be source or target, got ${JSON.stringify(this.kind)}`),
      );
    }
    const found = [registry.source(this.name), registry.target(this.name)].filter(
      (entry) => entry !== undefined && (this.kind === undefined || entry.plugin.kind === this.kind),
    );
    if (found.length === 0) {
      const { didYouMean } = await import("../../../util/suggest.ts");
      const names = [...new Set([...registry.names("source"), ...registry.names("target")])];
      return this.configErrorExit(
        new UsageError(
          `no plugin named "${this.name}"${didYouMean(this.name, names)} (known: ${names.join(", ")}; see rehydrate plugins list)`,
        ),
      );
    }
    if (this.json) {
      const described = found.map((entry) => {
        const { plugin, origin } = entry!;
        return {
          name: plugin.name,
          kind: plugin.kind,
          summary: plugin.summary,
          origin,
          uri: plugin.config.fromUri ? `${plugin.name}:<...>` : `${plugin.name}:`,
          fields: plugin.config.fields,
          examples: (plugin.config.examples ?? []).map(([what, how]) => ({ what, how })),
        };
      });
      this.out(JSON.stringify(described, null, 2));
      return 0;
    }
    for (const entry of found) {
      const { plugin, origin } = entry!;
      this.out(`${plugin.name} (${plugin.kind}) — ${plugin.summary}`);
      this.out(`  origin: ${origin}`);
      this.out(`  URI: ${plugin.config.fromUri ? `${plugin.name}:<...>` : `${plugin.name}:`}`);
      this.out("  config:");
      for (const [key, field] of Object.entries(plugin.config.fields)) {
        const facts = [field.type, field.required ? "required" : undefined];
        if (field.default !== undefined) facts.push(`default ${JSON.stringify(field.default)}`);
        if (field.enum) facts.push(`one of ${field.enum.join("|")}`);
        this.out(`    ${key} (${facts.filter(Boolean).join(", ")})`);
        this.out(`      ${field.description}`);
        if (field.example !== undefined) this.out(`      example: ${JSON.stringify(field.example)}`);
      }
      if (plugin.config.examples?.length) {
        this.out("  examples:");
        for (const [what, how] of plugin.config.examples) this.out(`    ${what}:\n      ${how}`);
      }
      this.out("");
    }
    return 0;
  }
}
