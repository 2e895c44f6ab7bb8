/**
 * The file source's `dynamodb-json` mode: a DynamoDB export folder on disk (auto-detected by its
 * `manifest-summary.json`), or files of `{"Item": …}` lines given with `format: dynamodb-json`.
 * The lines are read by the ordinary file source as NDJSON (gzip, positions, invalid lines and
 * all) and each batch is then unmarshalled (see `dynamodb-export.ts`).
 *
 * @module
 */
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import {
  type Host,
  PluginError,
  type Source,
  type SourceBatch,
  type SourceOpenContext,
} from "../../src/sdk/index.ts";
import {
  EXPORT_FILES,
  EXPORT_SUMMARY,
  exportBatches,
  parseExportFiles,
  parseExportSummary,
} from "./dynamodb-export.ts";
import type { StdinFactory } from "./open-input.ts";
import { FileSource, type FileSourceConfig } from "./source.ts";

/**
 * The export folder `paths` points at (the folder itself or its `manifest-summary.json`), as
 * given, or `undefined`. A cheap synchronous check in `create`: whether the source is ordered
 * depends on it.
 */
export function exportFolderOf(
  paths: readonly string[],
  resolvePath: (path: string) => string,
): string | undefined {
  if (paths.length !== 1 || paths[0] === "-") return undefined;
  const given = paths[0]!;
  if (basename(given) === EXPORT_SUMMARY && existsSync(resolvePath(given))) return dirname(given);
  try {
    if (statSync(resolvePath(given)).isDirectory() && existsSync(join(resolvePath(given), EXPORT_SUMMARY)))
      return given;
  } catch {
    // Not there: the file source reports it.
  }
  return undefined;
}

/**
 * The source for `config` when it reads DynamoDB JSON (an export folder, or `format:
 * dynamodb-json`), else `undefined` (an ordinary file source applies).
 */
export function dynamoDbJsonFileSource(
  config: FileSourceConfig,
  host: Host,
  stdin: StdinFactory,
): Source | undefined {
  const folder = exportFolderOf(config.paths, (path) => host.resolvePath(path));
  if (folder === undefined && (config.format as string) !== "dynamodb-json") return undefined;
  return new DynamoDbJsonFileSource(config, host, stdin, folder);
}

/**
 * Reads DynamoDB JSON lines from disk (see the module note). Unordered, like a Scan. Cursors and
 * shards are the file source's (its inputs being the data files, in the manifest's order).
 */
class DynamoDbJsonFileSource implements Source {
  readonly ordered = false;
  readonly resumable: boolean;
  readonly sharding = "split" as const;
  readonly shardingNote = "by data file: the files in order, file j to shard j mod N";
  private inner: Source | undefined;

  constructor(
    private readonly config: FileSourceConfig,
    private readonly host: Host,
    private readonly stdin: StdinFactory,
    private readonly folder: string | undefined,
  ) {
    this.resumable = !config.paths.includes("-");
  }

  async open(ctx: SourceOpenContext): Promise<void> {
    let paths = this.config.paths;
    if (this.folder !== undefined) {
      const summaryPath = join(this.folder, EXPORT_SUMMARY);
      parseExportSummary(await readFile(this.host.resolvePath(summaryPath), "utf8"), summaryPath);
      const filesPath = join(this.folder, EXPORT_FILES);
      const text = await readFile(this.host.resolvePath(filesPath), "utf8").catch(() => {
        throw new PluginError(
          `missing: an export folder holds ${EXPORT_SUMMARY} and ${EXPORT_FILES}`,
          filesPath,
        );
      });
      paths = parseExportFiles(text, filesPath).map((file) => join(this.folder!, file));
      this.host.log.debug(`DynamoDB export ${this.folder}: ${paths.length} data files`);
    }
    this.inner = new FileSource(
      { ...this.config, paths, format: "ndjson", workers: 0 },
      this.host,
      this.stdin,
    );
    // The file source's prefilter tests event text; these lines are not events.
    await this.inner.open?.(innerContext(ctx));
  }

  async *batches(ctx: SourceOpenContext): AsyncGenerator<SourceBatch> {
    if (this.inner === undefined) await this.open(ctx);
    for await (const batch of this.inner!.batches(innerContext(ctx))) {
      for (const part of exportBatches(batch)) yield part;
    }
  }
}

/** The context for the inner file source: no prefilter (the lines are not events), the rest as given. */
function innerContext(ctx: SourceOpenContext): SourceOpenContext {
  return {
    signal: ctx.signal,
    ...(ctx.resumeFrom !== undefined ? { resumeFrom: ctx.resumeFrom } : {}),
    ...(ctx.shard !== undefined ? { shard: ctx.shard } : {}),
  };
}
