/**
 * A validator for the JSON Schema subset `docs/report.schema.json` uses (type, const, enum,
 * minimum, required, properties, additionalProperties, items, format date-time). Small on
 * purpose: no dependency, and every keyword the schema uses is understood (an unknown one
 * fails, so the schema cannot grow a keyword this check silently ignores).
 */
const KNOWN = new Set([
  "$schema",
  "$id",
  "title",
  "description",
  "type",
  "const",
  "enum",
  "minimum",
  "required",
  "properties",
  "additionalProperties",
  "items",
  "format",
]);

/** The problems of `value` against `schema`, as `path: problem` lines (empty when valid). */
export function schemaProblems(schema: Record<string, unknown>, value: unknown, path = "$"): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(schema))
    if (!KNOWN.has(key)) problems.push(`${path}: schema keyword ${key} not understood`);
  const type = schema.type as string | undefined;
  const actual =
    value === null
      ? "null"
      : Array.isArray(value)
        ? "array"
        : Number.isInteger(value)
          ? "integer"
          : typeof value;
  if (type !== undefined && !(type === actual || (type === "number" && actual === "integer")))
    problems.push(`${path}: expected ${type}, got ${actual}`);
  if ("const" in schema && schema.const !== value)
    problems.push(`${path}: expected ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    problems.push(`${path}: not one of ${schema.enum}`);
  if (typeof schema.minimum === "number" && typeof value === "number" && value < schema.minimum)
    problems.push(`${path}: below ${schema.minimum}`);
  if (schema.format === "date-time" && typeof value === "string" && Number.isNaN(Date.parse(value)))
    problems.push(`${path}: not a date-time`);
  if (actual === "object") {
    const object = value as Record<string, unknown>;
    for (const key of (schema.required as string[] | undefined) ?? [])
      if (!(key in object)) problems.push(`${path}: missing ${key}`);
    const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
    for (const [key, child] of Object.entries(object)) {
      const sub = properties[key];
      if (sub) problems.push(...schemaProblems(sub, child, `${path}.${key}`));
      else if (schema.additionalProperties === false) problems.push(`${path}: unexpected field ${key}`);
      else if (typeof schema.additionalProperties === "object")
        problems.push(
          ...schemaProblems(schema.additionalProperties as Record<string, unknown>, child, `${path}.${key}`),
        );
    }
  }
  if (actual === "array" && schema.items)
    for (const [i, item] of (value as unknown[]).entries())
      problems.push(...schemaProblems(schema.items as Record<string, unknown>, item, `${path}[${i}]`));
  return problems;
}
