/** Loads the conformance fixtures (see fixtures/README.md). */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface MatchCase {
  id: string;
  pattern: Record<string, unknown>;
  event: unknown;
  match: boolean;
}

export interface InvalidCase {
  id: string;
  pattern: Record<string, unknown>;
  error: string;
  message: string;
}

function readJsonl<T>(name: string): T[] {
  const text = readFileSync(join(import.meta.dir, "fixtures", name), "utf8");
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as T);
}

export const matchCases: MatchCase[] = readJsonl<MatchCase>("eventbridge-patterns.jsonl");
export const invalidCases: InvalidCase[] = readJsonl<InvalidCase>("eventbridge-invalid-patterns.jsonl");
