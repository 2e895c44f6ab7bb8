import { createHost } from "../../host/create-host.ts";
import type { Host, HostStdio } from "../index.ts";

/** What a test host is built from; everything has a default. */
export interface TestHostOptions {
  dryRun?: boolean;
  /** Folder relative config paths resolve against. @default process.cwd() */
  baseDir?: string;
  region?: string;
  signal?: AbortSignal;
  stdio?: HostStdio;
  /** Log lines (debug included) are collected here. */
  logs?: string[];
}

/**
 * A real {@link Host}, as the engine gives plugins, for tests: the same helpers, logger, sort
 * and pattern matcher, with log lines collected instead of printed.
 */
export function testHost(options: TestHostOptions = {}): Host {
  const logs = options.logs ?? [];
  return createHost({
    pluginName: "test",
    dryRun: options.dryRun ?? false,
    signal: options.signal ?? new AbortController().signal,
    baseDir: options.baseDir ?? process.cwd(),
    aws: options.region ? { region: options.region } : {},
    stderr: { write: (text: string) => logs.push(text) },
    verbose: true,
    ...(options.stdio && { stdio: options.stdio }),
  });
}
