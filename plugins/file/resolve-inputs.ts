import { realpathSync } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { PluginError } from "../../src/sdk/index.ts";

/** One input of the file source. */
export interface Input {
  /** The name positions use: the path as given (glob matches joined to the glob's folder), `-` for stdin. */
  name: string;
  /** Absolute path to open; absent for stdin. */
  path?: string;
}

const GLOB_CHARS = /[*?[\]{}]/;

/** Compares strings by their UTF-8 bytes, the documented order of glob matches. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Expands the configured paths into the inputs to read, in order: entries in the order given;
 * a glob's matches sorted by path in byte order; a file named twice is read once; `-` is stdin.
 * A missing file, a directory, or a glob that matches nothing is an error naming it.
 */
export async function resolveInputs(
  paths: readonly string[],
  resolvePath: (path: string) => string,
  /** Files a glob must never yield (the run's own outputs), as absolute paths. */
  exclude: readonly string[] = [],
): Promise<Input[]> {
  const excluded = new Set(exclude.map(realPathOf));
  const inputs: Input[] = [];
  const seen = new Set<string>();
  const add = (input: Input) => {
    const key = input.path ?? "-";
    if (seen.has(key)) return;
    seen.add(key);
    inputs.push(input);
  };
  for (const given of paths) {
    if (given === "-") {
      add({ name: "-" });
      continue;
    }
    const absolute = resolvePath(given);
    let info: Awaited<ReturnType<typeof stat>> | undefined;
    try {
      info = await stat(absolute);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ELOOP") throw new PluginError("is a loop of symbolic links", given);
      if (code === "EACCES") throw new PluginError("permission denied", given);
    }
    // A FIFO, `/dev/stdin` or a shell's `<(…)` is read like a file, once, from start to end.
    if (info?.isFile() || info?.isFIFO() || info?.isCharacterDevice() || info?.isSocket()) {
      add({ name: given, path: absolute });
      continue;
    }
    if (info?.isDirectory()) {
      throw new PluginError(`is a directory; give files or a glob such as ${join(given, "*.ndjson")}`, given);
    }
    if (!GLOB_CHARS.test(given)) throw new PluginError("no such file", given);
    const matches = await expandGlob(given, resolvePath);
    if (matches.length === 0) throw new PluginError("the glob matches no file", given);
    for (const match of matches) if (!excluded.has(realPathOf(match.path!))) add(match);
  }
  return inputs;
}

/**
 * Splits a glob into its literal leading folders and the pattern, then scans the folder. On
 * Windows a backslash separates folders too (there it cannot be a glob escape).
 */
async function expandGlob(glob: string, resolvePath: (path: string) => string): Promise<Input[]> {
  const windows = process.platform === "win32";
  const segments = glob.split(windows ? /[\\/]/ : "/");
  const sep = windows && glob.includes("\\") && !glob.includes("/") ? "\\" : "/";
  let literal = 0;
  while (literal < segments.length - 1 && !GLOB_CHARS.test(segments[literal]!)) literal++;
  const baseGiven = segments.slice(0, literal).join(sep);
  const pattern = segments.slice(literal).join("/");
  // An absolute glob (`/data/*.json`) has an empty first segment: its base is the root.
  const absolute = glob.startsWith("/") || (windows && glob.startsWith("\\"));
  const base = baseGiven === "" && absolute ? sep : baseGiven;
  const cwd = resolvePath(base === "" ? "." : windows && /^[a-zA-Z]:$/.test(base) ? base + sep : base);
  const found: string[] = [];
  try {
    for await (const match of new Bun.Glob(pattern).scan({ cwd, onlyFiles: true, dot: false })) {
      found.push(windows ? match.replaceAll("\\", sep) : match);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  found.sort(compareBytes);
  return found.map((match) => ({
    name: base === "" ? match : base === sep ? sep + match : base + sep + match,
    path: join(cwd, match),
  }));
}

/** A path with its links resolved (itself when it does not exist), to compare files. */
function realPathOf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
