/**
 * What reading a bus's (or a template's) rules produces: pipeline target specs carrying their
 * rule's pattern (routes), and what cannot be replayed.
 *
 * @module
 */

/**
 * One route: a target spec exactly as a user writes it under `targets:` in a pipeline file
 * (`uri`, `name`, plugin options), plus the `pattern` of the rule it came from. The engine takes
 * these as they are.
 */
export interface RouteTargetSpec {
  uri: string;
  name: string;
  /** The rule's event pattern (parsed JSON). */
  pattern: unknown;
  [option: string]: unknown;
}

/** A rule target rehydrate does not call, listed in the dry run and the report. */
export interface NotReplayedTarget {
  /** The rule's name. */
  rule: string;
  /** The target's `Id` within the rule. */
  targetId: string;
  /** The target's ARN (or, in a template, what names it). */
  arn: string;
  /** Why it is not replayed, and how to replay it (`rules.map`). */
  reason: string;
}

/** A rule that produces no route at all (disabled, scheduled, unreadable pattern). */
export interface SkippedRule {
  rule: string;
  reason: string;
}

/** Routes from a set of rules, with what was left out. */
export interface RouteSet {
  targets: RouteTargetSpec[];
  notReplayed: NotReplayedTarget[];
  skippedRules: SkippedRule[];
}

/**
 * `rules.map`: a rule target (by ARN, by `Id`, by `<rule>/<Id>`, or in a template by the target
 * resource's logical id) → the plugin target to send its events to instead: a URI, a target spec
 * object (`{uri, ...options}`), or `null` to leave it out.
 */
export type RuleTargetMap = Record<string, string | Record<string, unknown> | null>;
