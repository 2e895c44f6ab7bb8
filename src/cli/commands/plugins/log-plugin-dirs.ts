/** `--verbose` of the `plugins` commands: which folders runtime plugins are looked for in. */
export async function logPluginDirectories(
  pluginDir: string | undefined,
  stderr: { write(text: string): unknown },
): Promise<void> {
  const { pluginDirectories } = await import("../../../host/registry.ts");
  for (const { dir, required, via } of pluginDirectories(pluginDir, process.env))
    stderr.write(`plugin folder ${dir} (${via}${required ? ", must exist" : ", if it exists"})\n`);
}
