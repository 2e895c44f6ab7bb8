/**
 * What clipanion does not know about an option and help needs: the placeholder of its value
 * (`--from <uri>`, not `--from #0`), the group it is listed under, its default, and for a
 * boolean that defaults to true, the `--no-` form users actually type.
 *
 * Keyed by the long flag. A flag missing here still renders (group "Other", placeholder from
 * its name), and `test/cli/help.test.ts` fails so the entry gets written.
 *
 * @module
 */

/** Help groups, in the order they are printed. */
export const OPTION_GROUPS = [
  "Source",
  "Filter",
  "Targets",
  "Ordering and retries",
  "Output",
  "AWS",
  "Plugins",
  "Other",
] as const;

/** One of {@link OPTION_GROUPS}. */
export type OptionGroup = (typeof OPTION_GROUPS)[number];

/** Help facts about one option. */
export interface OptionMeta {
  group: OptionGroup;
  /** The value's placeholder; absent for boolean flags. */
  placeholder?: string;
  /** The default as users would write it, shown as `(default: …)`. */
  default?: string;
  /** Listed as `--no-<name>`: a boolean that is on unless turned off. */
  negated?: boolean;
}

/** Help facts by long flag. */
export const OPTION_META: Record<string, OptionMeta> = {
  "--from": { group: "Source", placeholder: "<uri>" },
  "--skip-invalid": { group: "Source" },
  "--limit": { group: "Source", placeholder: "<n>" },
  "--pattern": { group: "Filter", placeholder: "<json|@file>" },
  "--rule": { group: "Filter", placeholder: "<name|arn>" },
  "--bus": { group: "Filter", placeholder: "<name|arn>", default: "default" },
  "--template": { group: "Filter", placeholder: "<file#LogicalId>" },
  "--rules": { group: "Filter", placeholder: "<bus:name|file>" },
  "--since": { group: "Filter", placeholder: "<iso-time>" },
  "--until": { group: "Filter", placeholder: "<iso-time>" },
  "--prefilter": { group: "Filter", negated: true },
  "--event": { group: "Filter", placeholder: "<json|@file>" },
  "--events": { group: "Filter", placeholder: "<file|->" },
  "--to": { group: "Targets", placeholder: "<uri>" },
  "--set": { group: "Targets", placeholder: "<[n.]key=value>" },
  "--dry-run": { group: "Targets" },
  "--order-key": { group: "Ordering and retries", placeholder: "<json-path>" },
  "--order": { group: "Ordering and retries", placeholder: "<key|global|json-path>" },
  "--concurrency": { group: "Ordering and retries", placeholder: "<n>" },
  "--max-attempts": { group: "Ordering and retries", placeholder: "<n>", default: "8" },
  "--report": { group: "Output", placeholder: "<file|->" },
  "--report-format": { group: "Output", placeholder: "<json|md>", default: "json" },
  "--failed": { group: "Output", placeholder: "<file>" },
  "--output": { group: "Output", placeholder: "<file>", default: "stdout" },
  "--shards": { group: "Source", placeholder: "<n>" },
  "--checkpoint": { group: "Source", placeholder: "<file|dynamodb://table/id>" },
  "--resume": { group: "Source" },
  "--restart": { group: "Source" },
  "--force": { group: "Source" },
  "--checkpoint-interval": { group: "Source", placeholder: "<seconds>", default: "5" },
  "--shard": { group: "Source", placeholder: "<i/N|auto>" },
  "--shard-count": { group: "Source", placeholder: "<n>" },
  "--shard-mode": { group: "Source", placeholder: "<split|key-aligned|key-hash>" },
  "--progress": { group: "Output", placeholder: "<auto|bar|plain|off>", default: "auto" },
  "--progress-interval": { group: "Output", placeholder: "<seconds>", default: "15" },
  "--quiet": { group: "Output" },
  "--json": { group: "Output" },
  "--verbose": { group: "Output" },
  "--region": { group: "AWS", placeholder: "<region>", default: "$AWS_REGION or $AWS_DEFAULT_REGION" },
  "--profile": { group: "AWS", placeholder: "<profile>", default: "$AWS_PROFILE" },
  "--endpoint-url": { group: "AWS", placeholder: "<url>" },
  "--plugin-dir": { group: "Plugins", placeholder: "<dir>" },
  "--kind": { group: "Plugins", placeholder: "<source|target>" },
  "--dir": { group: "Plugins", placeholder: "<dir>", default: "./rehydrate-plugins" },
};

/** The placeholder for a flag with no entry: `--order-key` → `<order-key>`. */
export function fallbackPlaceholder(longFlag: string): string {
  return `<${longFlag.replace(/^--/, "")}>`;
}
