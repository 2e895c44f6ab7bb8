import { realpathSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

/** Where a file used by the run comes from, for messages. */
export interface RunFile {
  /** `--from`, `target file:out.ndjson`, `--report`, `--failed`. */
  role: string;
  path: string;
}

/**
 * The identity of a file path after resolving links: the device and inode of an existing file
 * (so two hard links are the same file), else the real path of its folder plus its name.
 */
function identity(path: string): string {
  const absolute = resolve(path);
  try {
    const info = statSync(absolute);
    if (info.isFile()) return `inode:${info.dev}:${info.ino}`;
  } catch {
    // Not there yet: it will be created in its folder.
  }
  try {
    return `path:${realpathSync(absolute)}`;
  } catch {
    try {
      return `path:${join(realpathSync(dirname(absolute)), basename(absolute))}`;
    } catch {
      return `path:${absolute}`;
    }
  }
}

/**
 * Finds two files of the run that are the same file: an output that would overwrite an input,
 * or two outputs that would overwrite each other. Character devices (`/dev/null`, `/dev/stdout`)
 * are shared freely. Returns the first clash as a sentence, or undefined.
 */
export function findPathClash(files: readonly RunFile[]): string | undefined {
  const seen = new Map<string, RunFile>();
  for (const file of files) {
    if (isSharedDevice(file.path)) continue;
    const id = identity(file.path);
    const earlier = seen.get(id);
    if (earlier) {
      const same =
        resolve(earlier.path) === resolve(file.path) ? file.path : `${earlier.path} and ${file.path}`;
      return `${earlier.role} and ${file.role} are the same file (${same}): one would overwrite the other; give them different paths`;
    }
    seen.set(id, file);
  }
  return undefined;
}

function isSharedDevice(path: string): boolean {
  try {
    const info = statSync(path);
    return info.isCharacterDevice() || info.isFIFO() || info.isSocket();
  } catch {
    return false;
  }
}
