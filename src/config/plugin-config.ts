import type { ConfigField, ConfigSpec } from "../sdk/index.ts";
import { ConfigError } from "../util/config-error.ts";
import { didYouMean } from "../util/suggest.ts";

/**
 * Validates a plugin's raw config against its {@link ConfigSpec}: unknown keys, types, enums,
 * minimums and required fields, then applies defaults and the plugin's own cross-field checks.
 * `where` names the origin (`pipeline.yaml: targets[0]` or `--to sqlite:...`) in every error.
 */
export function validatePluginConfig(
  pluginName: string,
  spec: ConfigSpec,
  raw: Record<string, unknown>,
  where: string,
): Record<string, unknown> {
  const problems: string[] = [];
  const config: Record<string, unknown> = {};
  const known = Object.keys(spec.fields);
  for (const [key, value] of Object.entries(raw)) {
    const field = spec.fields[key];
    if (!field) {
      problems.push(
        `unknown key "${key}" for ${pluginName}${didYouMean(key, known)} (known keys: ${known.join(", ") || "none"})`,
      );
      continue;
    }
    if (value === undefined) continue;
    const typeProblem = checkType(key, field, value);
    if (typeProblem) problems.push(typeProblem);
    else config[key] = value;
  }
  for (const [key, field] of Object.entries(spec.fields)) {
    if (config[key] !== undefined) continue;
    if (field.default !== undefined) config[key] = structuredClone(field.default);
    else if (field.required)
      problems.push(
        `"${key}" is required for ${pluginName}: ${field.description} (set it in the pipeline file, or on the command line: ${setExample(key, field)})`,
      );
  }
  if (problems.length === 0 && spec.validate) problems.push(...spec.validate(config));
  if (problems.length > 0) throw new ConfigError(problems.join("; "), where);
  return config;
}

function checkType(key: string, field: ConfigField, value: unknown): string | undefined {
  const got = describe(value);
  switch (field.type) {
    case "string":
      if (typeof value !== "string") return `"${key}" must be a string, got ${got}`;
      if (field.enum && !field.enum.includes(value))
        return `"${key}" must be one of ${field.enum.map((v) => JSON.stringify(v)).join(", ")}, got ${JSON.stringify(value)}`;
      return undefined;
    case "number":
    case "integer":
      if (typeof value !== "number" || !Number.isFinite(value))
        return `"${key}" must be a number, got ${got}`;
      if (field.type === "integer" && !Number.isInteger(value))
        return `"${key}" must be an integer, got ${value}`;
      if (field.minimum !== undefined && value < field.minimum)
        return `"${key}" must be at least ${field.minimum}, got ${value}`;
      return undefined;
    case "boolean":
      return typeof value === "boolean" ? undefined : `"${key}" must be true or false, got ${got}`;
    case "string[]":
      return Array.isArray(value) && value.every((v) => typeof v === "string")
        ? undefined
        : `"${key}" must be a list of strings, got ${got}`;
    case "object": {
      if (value === null || typeof value !== "object" || Array.isArray(value))
        return `"${key}" must be an object, got ${got}`;
      return checkMembers(key, field, value as Record<string, unknown>);
    }
    case "array": {
      if (!Array.isArray(value)) return `"${key}" must be a list, got ${got}`;
      if (!field.items) return undefined;
      const problems = value.flatMap((item, i) => checkType(`${key}[${i}]`, field.items!, item) ?? []);
      return problems.length > 0 ? problems.join("; ") : undefined;
    }
    case "json":
      return undefined;
  }
}

/**
 * The members of an object field: a record with known keys (`fields`: unknown keys refused,
 * required ones demanded) or a map whose every value follows `values`. Named by their path
 * (`key.columns.name`), so a typo deep in a mapping is found before any I/O.
 */
function checkMembers(key: string, field: ConfigField, value: Record<string, unknown>): string | undefined {
  const problems: string[] = [];
  if (field.fields) {
    const known = Object.keys(field.fields);
    for (const [name, member] of Object.entries(value)) {
      const spec = field.fields[name];
      if (!spec)
        problems.push(`unknown key "${key}.${name}"${didYouMean(name, known)} (known: ${known.join(", ")})`);
      else if (member !== undefined) {
        const problem = checkType(`${key}.${name}`, spec, member);
        if (problem) problems.push(problem);
      }
    }
    for (const [name, spec] of Object.entries(field.fields))
      if (spec.required && value[name] === undefined)
        problems.push(`"${key}.${name}" is required: ${spec.description}`);
  } else if (field.values) {
    for (const [name, member] of Object.entries(value)) {
      const problem = checkType(`${key}.${name}`, field.values, member);
      if (problem) problems.push(problem);
    }
  }
  return problems.length > 0 ? problems.join("; ") : undefined;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Copies `config` with the values of secret fields replaced, for logs and reports. */
export function redactConfig(spec: ConfigSpec, config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) out[key] = spec.fields[key]?.secret ? "***" : value;
  return out;
}

/** `--set key=<value>`, or with the field's example: `--set key='{"pk":"$.detail.userId"}'`. */
function setExample(key: string, field: ConfigField): string {
  if (field.example === undefined) return `--set ${key}=<value>`;
  const value = typeof field.example === "string" ? field.example : JSON.stringify(field.example);
  return `--set ${key}=${/^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`}`;
}
