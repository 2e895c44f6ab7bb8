import type { ResolvedEndpoint } from "../config/endpoint.ts";
import type { CompiledPattern } from "../pattern/index.ts";
import type { AwsClientSettings, OutputStream, SourcePlugin, TargetPlugin } from "../sdk/index.ts";
import type { ItemRetryPolicy } from "./target-runner.ts";

/** A run, fully resolved and validated before any I/O. */
export interface RunPlan {
  source: ResolvedEndpoint<SourcePlugin<never>>;
  targets: ResolvedEndpoint<TargetPlugin<never>>[];
  /** The ORed patterns; absent means every event matches. */
  pattern?: CompiledPattern;
  patternCount: number;
  /** Envelope mapping config; absent means records must already be EventBridge events. */
  envelope?: Record<string, unknown>;
  /** JSON path of the ordering key in the event. */
  orderKey?: string;
  /** Parallel lanes per target when `orderKey` is set. */
  concurrency: number;
  /** Stop after this many matched events. */
  limit?: number;
  dryRun: boolean;
  skipInvalid: boolean;
  /** Use the pattern's text prefilter when the source offers raw text. @default true */
  prefilter: boolean;
  reportPath?: string;
  failedPath?: string;
  progress: boolean;
  baseDir: string;
  aws: AwsClientSettings;
  verbose?: boolean;
  retry?: ItemRetryPolicy;
  /** Milliseconds in-flight writes get to finish after an interrupt. @default 30000 */
  drainDeadlineMs?: number;
}

/** The streams and signals of the process (or of a test). */
export interface RunIO {
  stdin: AsyncIterable<Uint8Array | string>;
  stdout: OutputStream;
  stderr: { write(text: string): unknown };
  /** Fires on Ctrl-C: stop reading, drain, report. */
  interrupt: AbortSignal;
}
