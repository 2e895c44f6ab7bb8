/**
 * The `opensearch` target: `_bulk` requests bounded by bytes and items, last-write-wins per
 * document id inside a batch, an optional version guard (`external_gte`: a 409 is an event
 * older than the stored document, counted skipped), deletes or tombstones on a pattern, per-item
 * 429/5xx returned to the engine as retryable failures (the engine backs off; there is no fixed
 * wait here), and the index housekeeping (create, bulk-load settings, refresh, alias swap).
 *
 * @module
 */
import type {
  BatchPolicy,
  CheckResult,
  Envelope,
  EventBridgeEvent,
  Host,
  ItemFailure,
  PlannedAction,
  Target,
  WriteContext,
  WriteResult,
} from "../../src/sdk/index.ts";
import {
  type BulkAction,
  type CollapsedAction,
  chunkRequests,
  collapseActions,
  compileActions,
} from "./bulk-actions.ts";
import {
  connect,
  errorReason,
  jsonOf,
  type OsHttp,
  OsTransportError,
  retryableStatus,
} from "./connection.ts";
import {
  createIndex,
  indexExists,
  indexPath,
  putLoadSettings,
  type RecordedSettings,
  recordLoadSettings,
  refreshIndex,
  swapAlias,
} from "./index-admin.ts";
import type { OpenSearchTargetConfig } from "./target-config.ts";

/** One item of a `_bulk` answer. */
interface BulkItemResult {
  status: number;
  error?: { type?: string; reason?: string; caused_by?: { reason?: string } };
}

/** The `opensearch` target (see docs/targets/opensearch.md). */
export class OpenSearchTarget implements Target {
  readonly policy: BatchPolicy;
  readonly sameKey = "collapse" as const;
  private http: OsHttp | undefined;
  private readonly actions: ReturnType<typeof compileActions>;
  /** The first write creates the index and applies bulk-load settings; dry runs never get here. */
  private prepared: Promise<void> | undefined;
  private recorded: RecordedSettings | undefined;
  private wrote = false;
  /** Non-retryable item failures or thrown writes: then the alias is not moved. */
  private hadFailures = false;

  constructor(
    private readonly config: OpenSearchTargetConfig,
    private readonly host: Host,
    http?: OsHttp,
  ) {
    this.http = http;
    this.actions = compileActions(config, host);
    // The engine's bytes are the events' serialised size; the request is re-cut below anyway.
    this.policy = { maxItems: config.maxItems, maxBytes: config.maxBytes, maxInFlight: config.maxInFlight };
  }

  rowKey(event: EventBridgeEvent): string | undefined {
    return this.actions.rowKey(event);
  }

  async open(): Promise<void> {
    this.http ??= await connect(this.config, this.host);
  }

  async check(): Promise<CheckResult> {
    await this.open();
    const http = this.http!;
    const details: string[] = [];
    const root = await http.request({ method: "GET", path: "/" }).catch((error: Error) => error);
    if (root instanceof Error || root.status !== 200) {
      const why = root instanceof Error ? root.message : `HTTP ${root.status}: ${errorReason(root)}`;
      return { ok: false, details: [`cluster ${http.displayUrl} does not answer: ${why}`] };
    }
    const version = jsonOf<{ version?: { number?: string; distribution?: string } }>(
      root,
      "cluster info",
    ).version;
    details.push(
      `cluster ${http.displayUrl} answers (${version?.distribution ?? "opensearch"} ${version?.number ?? "unknown version"})`,
    );
    const index = this.config.index;
    if (!(await indexExists(http, index))) {
      if (!this.config.createIndex) {
        return {
          ok: false,
          details: [...details, `index "${index}" does not exist and createIndex is false`],
        };
      }
      details.push(
        `index "${index}" does not exist: it will be created on the first write${this.config.mappings ? " with the given mappings" : ""}`,
      );
      return { ok: true, details };
    }
    const mapping = await http.request({ method: "GET", path: `${indexPath(index)}/_mapping` });
    if (mapping.status !== 200)
      return { ok: false, details: [...details, `cannot read the mapping of "${index}"`] };
    const indices = jsonOf<Record<string, { mappings?: MappingNode }>>(mapping, "mapping");
    const names = Object.keys(indices);
    if (names.length !== 1) {
      return {
        ok: false,
        details: [
          ...details,
          `"${index}" names ${names.length} indices (${names.join(", ")}): write to one index`,
        ],
      };
    }
    details.push(`index "${names[0]}" exists`);
    const problems = this.mappingProblems(indices[names[0]!]!.mappings ?? {});
    details.push(...problems);
    if (problems.length === 0) details.push("the mapping accepts the documents' fields");
    return { ok: problems.length === 0, details };
  }

  /** What the mapping refuses: strict mappings missing mapped fields, a tombstone field not boolean. */
  private mappingProblems(mappings: MappingNode): string[] {
    const problems: string[] = [];
    const properties = mappings.properties ?? {};
    if (this.config.deleteWhen !== undefined && this.config.version !== undefined) {
      const type = properties[this.config.tombstoneField]?.type;
      if (type !== undefined && type !== "boolean") {
        problems.push(
          `tombstoneField: "${this.config.tombstoneField}" is mapped as ${type}, tombstones write a boolean`,
        );
      }
    }
    if (String(mappings.dynamic) === "strict" && this.config.fields) {
      const missing = Object.keys(this.config.fields).filter((name) => !(name in properties));
      if (missing.length > 0) problems.push(`fields: the mapping is strict and lacks ${missing.join(", ")}`);
    }
    return problems;
  }

  async plan(batch: readonly Envelope[]): Promise<PlannedAction[]> {
    return batch.map((envelope, index) => {
      const action = this.actions.toAction(envelope);
      if ("code" in action)
        return { index, action: "skip", destination: this.config.index, preview: action.message };
      const destination = `${this.config.index}/${action.id}${action.version ? ` (version ${action.version})` : ""}`;
      const planned: PlannedAction = { index, action: action.kind, destination };
      if (action.document !== undefined) planned.preview = safeParse(action.document);
      return planned;
    });
  }

  async write(batch: readonly Envelope[], context?: WriteContext): Promise<WriteResult> {
    await this.open();
    try {
      this.prepared ??= this.prepare().catch((error) => {
        this.prepared = undefined;
        throw error;
      });
      await this.prepared;
    } catch (error) {
      this.hadFailures = true;
      throw error;
    }
    const failures: ItemFailure[] = [];
    const skipped: number[] = [];
    const valid: Array<{ index: number; action: BulkAction }> = [];
    batch.forEach((envelope, index) => {
      const action = this.actions.toAction(envelope);
      if ("code" in action)
        failures.push({ index, retryable: false, code: action.code, message: action.message });
      else valid.push({ index, action });
    });
    const collapsed = collapseActions(valid);
    const signal = context?.signal;
    for (const chunk of chunkRequests(
      this.config.index,
      collapsed,
      this.config.maxItems,
      this.config.maxBytes,
    )) {
      await this.sendChunk(chunk.body, chunk.actions, failures, skipped, signal);
    }
    if (failures.some((failure) => !failure.retryable)) this.hadFailures = true;
    this.wrote = true;
    failures.sort((a, b) => a.index - b.index);
    skipped.sort((a, b) => a - b);
    return skipped.length > 0 ? { failures, skipped } : { failures };
  }

  /** Sends one `_bulk` request and files each action's outcome under every index it stands for. */
  private async sendChunk(
    body: string,
    actions: readonly CollapsedAction[],
    failures: ItemFailure[],
    skipped: number[],
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const failAll = (failure: Omit<ItemFailure, "index">) => {
      for (const collapsed of actions)
        for (const index of collapsed.indexes) failures.push({ ...failure, index });
    };
    if (signal?.aborted) {
      failAll({ retryable: true, code: "Aborted", message: "the write was cancelled before it was sent" });
      return;
    }
    let response: Awaited<ReturnType<OsHttp["request"]>>;
    try {
      response = await this.http!.request({ method: "POST", path: "/_bulk", body, ndjson: true, signal });
    } catch (error) {
      if (error instanceof OsTransportError) {
        failAll({
          retryable: true,
          code: error.aborted ? "Aborted" : "TransportError",
          message: error.message,
        });
        return;
      }
      throw error;
    }
    if (response.status !== 200) {
      const reason = errorReason(response);
      if (retryableStatus(response.status)) {
        failAll({
          retryable: true,
          throttled: response.status === 429,
          code: response.status === 429 ? "TooManyRequests" : `HTTP${response.status}`,
          message: `_bulk answered HTTP ${response.status}: ${reason}`,
          ...retryAfter(response.headers["retry-after"]),
        });
        return;
      }
      if (response.status === 413 || response.status === 400) {
        failAll({
          retryable: false,
          code: `HTTP${response.status}`,
          message: `_bulk refused the request: ${reason}`,
        });
        return;
      }
      // 401, 403, 404 on the whole request: the target cannot work as configured.
      throw new Error(
        `${this.http!.displayUrl}: _bulk into "${this.config.index}" answered HTTP ${response.status}: ${reason}`,
      );
    }
    const answer = jsonOf<{ items: Array<Record<string, BulkItemResult>> }>(response, "_bulk");
    answer.items.forEach((item, position) => {
      const collapsed = actions[position]!;
      const result = Object.values(item)[0]!;
      const outcome = this.classify(collapsed.action, result);
      if (outcome === "ok") return;
      for (const index of collapsed.indexes) {
        if (outcome === "skipped") skipped.push(index);
        else failures.push({ ...outcome, index });
      }
    });
  }

  private classify(
    action: BulkAction,
    result: BulkItemResult,
  ): "ok" | "skipped" | Omit<ItemFailure, "index"> {
    const status = result.status;
    if (status >= 200 && status < 300) return "ok";
    // Deleting what is not there leaves what one-by-one deletes leave.
    if (status === 404 && action.kind === "delete") return "ok";
    // external_gte: the stored document is as new or newer. Settled, on purpose.
    if (status === 409 && action.version !== undefined) return "skipped";
    const reason = `${result.error?.type ?? "error"}: ${result.error?.reason ?? ""}${result.error?.caused_by?.reason ? ` (${result.error.caused_by.reason})` : ""}`;
    const message = `${this.config.index}/${action.id}: HTTP ${status} ${reason}`;
    if (status === 429) return { retryable: true, throttled: true, code: "TooManyRequests", message };
    if (status >= 500) return { retryable: true, code: result.error?.type ?? `HTTP${status}`, message };
    return { retryable: false, code: result.error?.type ?? `HTTP${status}`, message };
  }

  /** Creates the index on request and switches to bulk-load settings, once, before the first write. */
  private async prepare(): Promise<void> {
    const http = this.http!;
    const index = this.config.index;
    if (this.config.createIndex && !(await indexExists(http, index))) {
      const created = await createIndex(http, index, {
        ...(this.config.mappings ? { mappings: this.config.mappings } : {}),
        ...(this.config.settings ? { settings: this.config.settings } : {}),
      });
      if (created) this.host.log.info(`created index "${index}"`);
    }
    if (this.config.bulkLoad) {
      this.recorded = await recordLoadSettings(http, index);
      await putLoadSettings(http, index, { refreshInterval: "-1", replicas: 0 });
      this.host.log.info(
        `bulk-load mode on "${index}": refresh_interval -1, number_of_replicas 0 (were ${this.recorded.refreshInterval ?? "default"}, ${this.recorded.replicas ?? "default"})`,
      );
    }
  }

  /** A refresh of the whole index: what was written becomes searchable. Writes are durable already (translog). */
  async flush(): Promise<void> {
    if (!this.wrote || !this.config.refresh || !this.http) return;
    await refreshIndex(this.http, this.config.index);
  }

  async close(): Promise<void> {
    const http = this.http;
    if (!http) return;
    try {
      if (this.recorded) {
        // Restored in close, which runs also after errors and Ctrl-C.
        const recorded = this.recorded;
        this.recorded = undefined;
        await putLoadSettings(http, this.config.index, {
          refreshInterval: recorded.refreshInterval,
          replicas: recorded.replicas,
        });
        this.host.log.info(`restored refresh_interval and number_of_replicas of "${this.config.index}"`);
        if (this.config.refresh && this.wrote) await refreshIndex(http, this.config.index);
      }
      if (this.config.alias && this.wrote) {
        if (this.hadFailures || this.host.signal.aborted) {
          this.host.log.warn(
            `alias "${this.config.alias}" not moved to "${this.config.index}": the run ${this.host.signal.aborted ? "was stopped" : "had failed events"}`,
          );
        } else {
          const from = await swapAlias(http, this.config.alias, this.config.index);
          this.host.log.info(
            `alias "${this.config.alias}" now points to "${this.config.index}"${from.length ? ` (was ${from.join(", ")})` : ""}`,
          );
        }
      }
    } finally {
      await http.close();
      this.http = undefined;
    }
  }
}

interface MappingNode {
  dynamic?: unknown;
  properties?: Record<string, { type?: string; properties?: unknown }>;
}

function retryAfter(header: string | string[] | undefined): { retryAfterMs?: number } {
  const value = Array.isArray(header) ? header[0] : header;
  const seconds = value === undefined ? Number.NaN : Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? { retryAfterMs: seconds * 1000 } : {};
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
