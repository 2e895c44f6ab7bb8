import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { builtinPlugins } from "../../plugins/index.ts";
import { loadRegistry, pluginDirectories } from "../../src/host/registry.ts";

const fixtures = join(import.meta.dir, "..", "fixtures");
const dir = (name: string) => [{ dir: join(fixtures, name), required: true, via: "--plugin-dir" }];

describe("plugin registry", () => {
  test("built-ins and a runtime plugin, with their origins", async () => {
    const registry = await loadRegistry(builtinPlugins, dir("plugins-ok"));
    expect(registry.target("sqlite")?.origin).toBe("built-in");
    expect(registry.source("file")?.origin).toBe("built-in");
    expect(registry.target("upper")?.origin).toBe(join(fixtures, "plugins-ok", "upper-target.ts"));
  });

  test("a plugin for another API version is refused, naming the file", async () => {
    const error = await loadRegistry(builtinPlugins, dir("plugins-bad-api")).catch((e) => e);
    expect(error.message).toContain(join(fixtures, "plugins-bad-api", "old.js"));
    expect(error.message).toContain(`"api" is 99, but this rehydrate loads plugin API 1 and 2`);
  });

  test("a clash with a built-in name is an error naming both", async () => {
    const error = await loadRegistry(builtinPlugins, dir("plugins-clash")).catch((e) => e);
    expect(error.message).toContain("sqlite.js");
    expect(error.message).toContain(`target plugin "sqlite" is already defined by built-in`);
  });

  test("an explicit plugin dir that does not exist is an error; the default one may be missing", async () => {
    const missing = join(fixtures, "nope");
    const error = await loadRegistry([], [{ dir: missing, required: true, via: "--plugin-dir" }]).catch(
      (e) => e,
    );
    expect(error.message).toContain("plugin directory does not exist");
    const registry = await loadRegistry([], [{ dir: missing, required: false, via: "default" }]);
    expect(registry.all()).toHaveLength(0);
  });

  test("plugin directories come from the flag, the environment and the home folder, in that order", () => {
    const dirs = pluginDirectories("/a", { REHYDRATE_PLUGIN_DIR: "/b", HOME: "/home/u" }).map((d) => d.dir);
    expect(dirs).toEqual(["/a", "/b", "/home/u/.config/rehydrate/plugins"]);
  });
});
