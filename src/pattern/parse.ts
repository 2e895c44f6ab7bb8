/**
 * Parses an event pattern (JSON text or a parsed object) into a {@link PatternNode} tree and
 * validates it with AWS's reasons: structure, operators, limits.
 */
import { emptyNode, type PatternNode } from "./ast.ts";
import { invalid } from "./errors.ts";
import { OPERATOR_NAMES, parseMatcher } from "./operators.ts";
import { WILDCARD_COMPLEXITY_LIMIT, type Wildcard, wildcardComplexity } from "./wildcard.ts";

/** `EventPattern` length limit of PutRule/TestEventPattern (characters). */
export const MAX_PATTERN_LENGTH = 4096;
/** Limit on the rule combinations `$or` expands to. */
export const MAX_OR_COMBINATIONS = 1000;

const TOO_COMPLEX =
  "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character";

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses and validates a pattern. Throws `InvalidEventPatternError`. */
export function parsePattern(pattern: unknown): PatternNode {
  let value = pattern;
  if (typeof pattern === "string") {
    checkLength(pattern.length);
    try {
      value = JSON.parse(pattern);
    } catch (error) {
      invalid(`Filter is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
  } else if (isPlainObject(pattern)) {
    checkLength(JSON.stringify(pattern).length);
  }
  if (!isPlainObject(value)) invalid("Filter is not an object");
  const wildcards = new Map<string, Wildcard[]>();
  const root = emptyNode();
  parseObjectInto(root, value, [], wildcards);
  const combinations = countCombinations(root);
  if (combinations > MAX_OR_COMBINATIONS) {
    invalid(
      `The $or expressions of this pattern expand to ${combinations} rule combinations; the limit is ${MAX_OR_COMBINATIONS}`,
    );
  }
  for (const list of wildcards.values()) {
    if (wildcardComplexity(list) > WILDCARD_COMPLEXITY_LIMIT) invalid(TOO_COMPLEX);
  }
  return root;
}

function checkLength(length: number): void {
  if (length > MAX_PATTERN_LENGTH) {
    invalid(`Event pattern is ${length} characters long; the limit is ${MAX_PATTERN_LENGTH}`);
  }
}

/** Whether `$or`'s value makes it an OR (event-ruler: an array of 2+ objects without operator keys). */
function isOrArray(value: unknown): value is Record<string, unknown>[] {
  return (
    Array.isArray(value) &&
    value.length >= 2 &&
    value.every((branch) => isPlainObject(branch) && !Object.keys(branch).some((k) => OPERATOR_NAMES.has(k)))
  );
}

/** The node at `atoms` below `node`, created on the way. */
function descend(node: PatternNode, atoms: readonly string[]): PatternNode {
  let current = node;
  for (const atom of atoms) {
    let next = current.children.get(atom);
    if (!next) {
      next = emptyNode();
      current.children.set(atom, next);
    }
    current = next;
  }
  return current;
}

function parseObjectInto(
  node: PatternNode,
  object: Record<string, unknown>,
  path: readonly string[],
  wildcards: Map<string, Wildcard[]>,
): void {
  for (const [key, value] of Object.entries(object)) {
    if (key === "$or" && isOrArray(value)) {
      node.ors.push(
        value.map((branchObject) => {
          const branch = emptyNode();
          parseObjectInto(branch, branchObject, path, wildcards);
          return branch;
        }),
      );
      continue;
    }
    const atoms = key.split(".");
    const fieldPath = [...path, ...atoms];
    if (Array.isArray(value)) {
      if (value.length === 0) invalid("Empty arrays are not allowed");
      const fieldKey = fieldPath.join(".");
      const sink = (wildcard: Wildcard) => {
        const list = wildcards.get(fieldKey) ?? [];
        list.push(wildcard);
        wildcards.set(fieldKey, list);
      };
      const matchers = value.map((element) => parseMatcher(element, sink));
      // A repeated path (`"a.b"` next to `"a":{"b"}`) replaces the earlier one, like a duplicate key.
      descend(node, atoms).leaves = [{ matchers }];
    } else if (isPlainObject(value)) {
      parseObjectInto(descend(node, atoms), value, fieldPath, wildcards);
    } else {
      invalid(`"${key}" must be an object or an array`);
    }
  }
}

/** The number of plain rules the pattern's `$or`s expand to (what the 1000 limit counts). */
export function countCombinations(node: PatternNode): number {
  let total = 1;
  for (const child of node.children.values()) total *= countCombinations(child);
  for (const group of node.ors) {
    let sum = 0;
    for (const branch of group) sum += countCombinations(branch);
    total *= sum;
  }
  return total;
}
