/**
 * Reading one sorted stream (the whole index, or one slice) of a Point in Time with
 * `search_after`, by the correctness rules a peer got wrong at least once:
 *
 * - only an empty page ends the read (a short page does not);
 * - `_shards.failed > 0` is never a silent gap: the page is retried, then the read fails;
 * - a failed page is retried alone, with the same `search_after` (never from the start);
 * - a lost PIT (expired, node restarted) is reopened and the read continues from the last
 *   sort values, which are values of real fields (never `_shard_doc`), valid in any PIT.
 *
 * @module
 */
import type { Host } from "../../src/sdk/index.ts";
import { PluginError } from "../../src/sdk/index.ts";
import {
  errorReason,
  jsonOf,
  type OsHttp,
  type OsResponse,
  OsTransportError,
  retryableStatus,
} from "./connection.ts";
import { indexPath } from "./index-admin.ts";
import { splitSearch } from "./raw-json.ts";
import { compareSortTuples, parseSortValues, type SortValue } from "./sort-values.ts";

/** One hit, with its raw texts. */
export interface Hit {
  index: string;
  id: string;
  /** `_source` exactly as the server sent it. */
  source: string;
  /** `_source` parsed. */
  value: unknown;
  /** The raw `sort` array text: the position to continue after. */
  sortRaw: string;
  sort: SortValue[];
}

interface ShardsInfo {
  total?: number;
  failed?: number;
  failures?: Array<{ index?: string; shard?: number; reason?: { type?: string; reason?: string } }>;
}

/** A Point in Time shared by every slice of a read; reopened once when it is lost. */
export class PitSession {
  private id: string | undefined;
  private opening: Promise<string> | undefined;
  /** PIT ids opened by this session and not yet deleted. */
  private readonly open = new Set<string>();
  /** How many times the PIT was reopened (for tests and the log). */
  reopened = 0;
  /**
   * Set by {@link close}: a page still in flight (a prefetch) must not reopen the PIT it finds
   * gone, or that new PIT would outlive the read.
   */
  closed = false;

  constructor(
    private readonly http: OsHttp,
    private readonly host: Host,
    private readonly index: string,
    private readonly keepAlive: string,
    private readonly signal: AbortSignal,
  ) {}

  /** The current PIT id, opening the PIT on first use. */
  async current(): Promise<string> {
    if (this.closed) throw new PitClosedError();
    if (this.id !== undefined) return this.id;
    this.opening ??= this.create().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  /** The server sent a new id for the PIT (ids may change between pages). */
  update(previous: string, next: string | undefined): void {
    if (next && this.id === previous && next !== previous) {
      this.open.delete(previous);
      this.open.add(next);
      this.id = next;
    }
  }

  /** The PIT `lost` is gone: open a new one (once, however many slices noticed). */
  async renew(lost: string): Promise<string> {
    if (this.closed) throw new PitClosedError();
    if (this.id === lost) {
      this.id = undefined;
      this.open.delete(lost);
      this.reopened++;
      this.host.log.warn(
        `the Point in Time on "${this.index}" was lost (expired or the cluster restarted): reopened, continuing from the last sort values`,
      );
    }
    return this.current();
  }

  private async create(): Promise<string> {
    const response = await this.http.request({
      method: "POST",
      path: `${indexPath(this.index)}/_search/point_in_time`,
      // Partial PITs would read some shards only: a silent gap.
      querystring: { keep_alive: this.keepAlive, allow_partial_pit_creation: false },
      signal: this.signal,
    });
    if (response.status !== 200) {
      throw new PluginError(
        `cannot open a Point in Time on "${this.index}": ${errorReason(response)}`,
        "index",
      );
    }
    const body = jsonOf<{ pit_id: string; _shards?: ShardsInfo }>(response, "point_in_time");
    if ((body._shards?.failed ?? 0) > 0) {
      throw new PluginError(
        `the Point in Time on "${this.index}" misses ${body._shards?.failed} shard(s)`,
        "index",
      );
    }
    if (this.closed) {
      // Closed while this PIT was being opened: delete it at once.
      await this.deletePits([body.pit_id]);
      throw new PitClosedError();
    }
    this.open.add(body.pit_id);
    this.id = body.pit_id;
    return body.pit_id;
  }

  /** Deletes every PIT this session opened. Never throws: a PIT also expires on its own. */
  async close(): Promise<void> {
    this.closed = true;
    const ids = [...this.open];
    this.open.clear();
    this.id = undefined;
    await this.deletePits(ids);
  }

  private async deletePits(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    try {
      await this.http.request({ method: "DELETE", path: "/_search/point_in_time", body: { pit_id: ids } });
    } catch (error) {
      this.host.log.debug(`could not delete the Point in Time: ${(error as Error).message}`);
    }
  }
}

/** The read ended (the session was closed) while a page was still being fetched. */
export class PitClosedError extends Error {
  constructor() {
    super("the Point in Time session is closed");
    this.name = "PitClosedError";
  }
}

/** What one stream reads. */
export interface StreamSpec {
  sort: unknown[];
  query: unknown;
  pageSize: number;
  keepAlive: string;
  slice?: { id: number; max: number };
  pageAttempts: number;
  /** Names for the "not total" error. */
  sortFields: string[];
}

/** Reads pages of one stream until an empty page. */
export class StreamReader {
  private after: string | undefined;
  private previous: Hit | undefined;
  done = false;

  constructor(
    private readonly http: OsHttp,
    private readonly host: Host,
    private readonly pit: PitSession,
    private readonly spec: StreamSpec,
    after: string | undefined,
    private readonly signal: AbortSignal,
  ) {
    this.after = after;
  }

  /** The next page; an empty array means the stream is exhausted. */
  async nextPage(): Promise<Hit[]> {
    if (this.done) return [];
    let hits: Hit[];
    try {
      hits = await this.fetchPage();
    } catch (error) {
      // A prefetch that outlived the read: nothing more to read.
      if (error instanceof PitClosedError) return [];
      throw error;
    }
    if (hits.length === 0) {
      this.done = true;
      return hits;
    }
    for (const hit of hits) {
      if (this.previous && compareSortTuples(this.previous.sort, hit.sort) >= 0) {
        throw new PluginError(
          `documents ${this.previous.index}/${this.previous.id} and ${hit.index}/${hit.id} share the sort values ${hit.sortRaw} ` +
            `on (${this.spec.sortFields.join(", ")}): the order is not total; set tiebreakField to a field unique per document`,
          "tiebreakField",
        );
      }
      this.previous = hit;
    }
    this.after = hits[hits.length - 1]!.sortRaw;
    return hits;
  }

  private async fetchPage(): Promise<Hit[]> {
    let attempt = 0;
    let renewals = 0;
    while (true) {
      if (this.signal.aborted || this.pit.closed) return [];
      const pitId = await this.pit.current();
      let failure: string;
      let retryAfterMs: number | undefined;
      try {
        const response = await this.http.request({
          method: "POST",
          path: "/_search",
          body: this.body(pitId),
          signal: this.signal,
        });
        if (response.status === 200) {
          // Documents are parsed once; their texts are the server's bytes (see splitSearch).
          let split: ReturnType<typeof splitSearch>;
          try {
            split = splitSearch(response.text);
          } catch (error) {
            throw new PluginError(
              `the search answered a body that cannot be read: ${(error as Error).message.slice(0, 200)}`,
            );
          }
          const parsed = split.meta as { pit_id?: string; _shards?: ShardsInfo };
          const failed = parsed._shards?.failed ?? 0;
          if (failed === 0) {
            this.pit.update(pitId, parsed.pit_id);
            return split.hits.map((hit) => ({
              index: hit.index,
              id: hit.id,
              source: hit.source,
              value: hit.value,
              sortRaw: hit.sort,
              sort: parseSortValues(hit.sort),
            }));
          }
          const reasons = (parsed._shards?.failures ?? []).map((f) =>
            `${f.index ?? "?"}[${f.shard ?? "?"}]: ${f.reason?.type ?? ""} ${f.reason?.reason ?? ""}`.trim(),
          );
          if (reasons.some((r) => r.includes("search_context_missing"))) {
            if (++renewals > 3)
              throw new PluginError("the Point in Time keeps getting lost (keepAlive too short?)");
            await this.pit.renew(pitId);
            continue;
          }
          failure = `${failed} of ${parsed._shards?.total ?? "?"} shard(s) failed: ${reasons.join("; ")}`;
        } else if (isLostPit(response)) {
          if (++renewals > 3)
            throw new PluginError("the Point in Time keeps getting lost (keepAlive too short?)");
          await this.pit.renew(pitId);
          continue;
        } else if (retryableStatus(response.status)) {
          failure = `HTTP ${response.status}: ${errorReason(response)}`;
          const header = response.headers["retry-after"];
          const seconds = Number(Array.isArray(header) ? header[0] : header);
          if (Number.isFinite(seconds)) retryAfterMs = seconds * 1000;
        } else {
          throw new PluginError(`the search${this.where()} was refused: ${errorReason(response)}`);
        }
      } catch (error) {
        if (!(error instanceof OsTransportError)) throw error;
        if (error.aborted) return [];
        failure = error.message;
      }
      attempt++;
      if (attempt >= this.spec.pageAttempts) {
        throw new PluginError(
          `a page${this.where()} failed ${attempt} times (search_after ${this.after ?? "none"}): ${failure}`,
        );
      }
      // The same page again, after a backoff with full jitter: never the read from the start.
      const delay = retryAfterMs ?? Math.random() * Math.min(20_000, 200 * 2 ** attempt);
      this.host.log.warn(`page${this.where()} failed (${failure}); retrying it in ${Math.round(delay)} ms`);
      await this.host.sleep(delay);
    }
  }

  private where(): string {
    return this.spec.slice ? ` of slice ${this.spec.slice.id}/${this.spec.slice.max}` : "";
  }

  /** The search body; `search_after` spliced in as raw text so longs stay exact. */
  private body(pitId: string): string {
    const body: Record<string, unknown> = {
      size: this.spec.pageSize,
      pit: { id: pitId, keep_alive: this.spec.keepAlive },
      sort: this.spec.sort,
      query: this.spec.query,
      track_total_hits: false,
    };
    if (this.spec.slice) body.slice = this.spec.slice;
    const json = JSON.stringify(body);
    return this.after === undefined ? json : `{"search_after":${this.after},${json.slice(1)}`;
  }
}

function isLostPit(response: OsResponse): boolean {
  return (
    (response.status === 404 || response.status === 400 || response.status === 500) &&
    response.text.includes("search_context_missing_exception")
  );
}
