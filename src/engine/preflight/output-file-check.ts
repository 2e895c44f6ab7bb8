import { accessSync, constants, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

/**
 * Why the run could not write `path` (the report or the failed-events file), found before the
 * first event is read: a folder, a missing folder, no permission. Undefined when it can.
 */
export function outputFileProblem(path: string, what: string): string | undefined {
  const absolute = resolve(path);
  let info: ReturnType<typeof statSync> | undefined;
  try {
    info = statSync(absolute);
  } catch {
    info = undefined;
  }
  if (info?.isDirectory()) return `${what} ${path} is a folder, not a file`;
  if (info) {
    try {
      accessSync(absolute, constants.W_OK);
    } catch {
      return `${what} ${path} exists and is not writable`;
    }
    return undefined;
  }
  const folder = dirname(absolute);
  let folderInfo: ReturnType<typeof statSync> | undefined;
  try {
    folderInfo = statSync(folder);
  } catch {
    return `${what} ${path}: folder ${folder} does not exist`;
  }
  if (!folderInfo.isDirectory()) return `${what} ${path}: ${folder} is not a folder`;
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    return `${what} ${path}: folder ${folder} is not writable`;
  }
  return undefined;
}
