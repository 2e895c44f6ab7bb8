import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { compilePattern } from "../pattern/index.ts";
import {
  type AwsClientSettings,
  type Host,
  type HostStdio,
  type Logger,
  PLUGIN_API_VERSION,
  PluginError,
  type SortOptions,
} from "../sdk/index.ts";
import { retry, sleep } from "../util/backoff.ts";
import { compileJsonPath } from "../util/json-path.ts";
import { VERSION } from "../version.ts";
import { awsClientConfig } from "./helpers/aws-client-config.ts";
import { classifyAwsError } from "./helpers/aws-errors.ts";
import { redactUri } from "./helpers/redact.ts";
import { writeOneByOne } from "./helpers/write-one-by-one.ts";

/** What the run knows that a plugin's host exposes. */
export interface HostOptions {
  /** Plugin name, used to prefix log lines. */
  pluginName: string;
  dryRun: boolean;
  signal: AbortSignal;
  /** Folder that relative paths in config are resolved against. */
  baseDir: string;
  aws: AwsClientSettings;
  /** The run's standard streams. */
  stdio?: HostStdio;
  /** Where log lines go. */
  stderr: { write(text: string): unknown };
  verbose?: boolean;
  /** Shared across the plugins of a run; every temp dir made is removed by `disposeTempDirs`. */
  tempDirs?: string[];
  /** Values of the plugin's secret config fields: never printed, replaced by `***` in its logs. */
  secrets?: readonly string[];
}

/** Builds the {@link Host} a plugin receives in `create()`. */
export function createHost(options: HostOptions): Host {
  const prefix = `[${options.pluginName}] `;
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 3);
  // Every line a plugin logs loses URI passwords and the values of its secret fields.
  const clean = (message: string) => {
    let text = redactUri(message);
    for (const secret of secrets) text = text.split(secret).join("***");
    return text;
  };
  const log: Logger = {
    debug: (message) => {
      if (options.verbose) options.stderr.write(prefix + clean(message) + "\n");
    },
    info: (message) => options.stderr.write(prefix + clean(message) + "\n"),
    warn: (message) => options.stderr.write(prefix + "warning: " + clean(message) + "\n"),
  };
  const tempDirs = options.tempDirs ?? [];
  const host: Host = {
    api: PLUGIN_API_VERSION,
    version: VERSION,
    dryRun: options.dryRun,
    signal: options.signal,
    log,
    stdio: options.stdio ?? { stdin: process.stdin, stdout: process.stdout },
    aws: options.aws,
    resolvePath: (path) => (isAbsolute(path) ? path : resolve(options.baseDir, path)),
    jsonPath: compileJsonPath,
    retry: (fn, retryOptions) => retry(fn, retryOptions, options.signal),
    sleep: (ms) => sleep(ms, options.signal),
    sort: <T>(items: AsyncIterable<T>, sortOptions: SortOptions<T>) =>
      externalSort(items, sortOptions, tempDirs),
    matcher: (pattern) => {
      try {
        const compiled = compilePattern(pattern as object);
        return (event) => compiled.matches(event);
      } catch (error) {
        throw new PluginError(error instanceof Error ? error.message : String(error));
      }
    },
    tempDir: async () => {
      const dir = await mkdtemp(join(tmpdir(), "rehydrate-"));
      tempDirs.push(dir);
      return dir;
    },
    helpers: {
      awsClientConfig: (service, clientOptions) => awsClientConfig(host, service, clientOptions),
      classifyAwsError,
      writeOneByOne,
      redactUri,
    },
    error: (message, where) => new PluginError(message, where),
    outputClosed: (message) => {
      const error = new PluginError(message);
      error.name = "OutputClosedError";
      return error;
    },
  };
  return host;
}

/** Removes the temp dirs handed out by hosts of a run. */
export async function disposeTempDirs(tempDirs: string[]): Promise<void> {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/**
 * The engine's sort in a temp dir of the run, made on the first `next()`. The sort's own
 * iterator is handed each call directly: a `yield*` wrapper cost a second generator step (and
 * promise) per item.
 */
function externalSort<T>(
  items: AsyncIterable<T>,
  options: SortOptions<T>,
  tempDirs: string[],
): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      let sorted: AsyncIterator<T> | undefined;
      let starting: Promise<AsyncIterator<T>> | undefined;
      let finished = false;
      const start = async (): Promise<AsyncIterator<T>> => {
        const { externalSort: sort } = await import("../engine/external-sort.ts");
        const dir = await mkdtemp(join(tmpdir(), "rehydrate-sort-"));
        tempDirs.push(dir);
        sorted = sort(items, { ...options, dir })[Symbol.asyncIterator]();
        return sorted;
      };
      return {
        next: () => {
          if (sorted) return sorted.next();
          if (finished) return Promise.resolve({ done: true, value: undefined });
          starting ??= start();
          return starting.then((iterator) => iterator.next());
        },
        return: async (value?: unknown) => {
          finished = true;
          if (sorted?.return) return sorted.return(value);
          return { done: true, value: value as T };
        },
      };
    },
  };
}
