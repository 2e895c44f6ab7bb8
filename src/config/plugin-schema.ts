import type { ConfigField, Plugin } from "../sdk/index.ts";
import { pipelineSchema } from "./schema.ts";

type JsonSchema = Record<string, unknown>;

/** One config field as JSON Schema, nested fields included. */
export function fieldSchema(field: ConfigField): JsonSchema {
  const base: JsonSchema = { description: field.description };
  if (field.default !== undefined) base.default = field.default;
  if (field.example !== undefined) base.examples = [field.example];
  switch (field.type) {
    case "string":
      return { ...base, type: "string", ...(field.enum && { enum: [...field.enum] }) };
    case "number":
    case "integer":
      return { ...base, type: field.type, ...(field.minimum !== undefined && { minimum: field.minimum }) };
    case "boolean":
      return { ...base, type: "boolean" };
    case "string[]":
      return { ...base, type: "array", items: { type: "string" } };
    case "array":
      return { ...base, type: "array", ...(field.items && { items: fieldSchema(field.items) }) };
    case "object":
      if (field.fields)
        return {
          ...base,
          type: "object",
          additionalProperties: false,
          properties: Object.fromEntries(Object.entries(field.fields).map(([k, f]) => [k, fieldSchema(f)])),
          ...requiredOf(field.fields),
        };
      return {
        ...base,
        type: "object",
        ...(field.values ? { additionalProperties: fieldSchema(field.values) } : {}),
      };
    case "json":
      return base;
  }
}

function requiredOf(fields: Record<string, ConfigField>): { required?: string[] } {
  const required = Object.entries(fields)
    .filter(([, f]) => f.required)
    .map(([k]) => k);
  return required.length > 0 ? { required } : {};
}

/**
 * The pipeline schema with every given plugin's options described, so an editor refuses
 * `colums:` under a `sqlite:` target: each source or target object is matched to its plugin by
 * its `uri` scheme or `plugin` name; objects naming another plugin (a runtime one) stay open.
 * Required fields are not demanded here: a URI may supply them (`sqlite:out.db#t`).
 */
export function pipelineSchemaWithPlugins(plugins: readonly Plugin[]): JsonSchema {
  const schema = structuredClone(pipelineSchema) as unknown as { properties: Record<string, JsonSchema> };
  const endpointFor = (kind: "source" | "target") => {
    const ofKind = plugins.filter((p) => p.kind === kind);
    const names = ofKind.map((p) => p.name);
    const common = {
      uri: { type: "string", description: "The plugin URI." },
      plugin: { type: "string", description: "The plugin name, when no URI is given." },
      name: { type: "string", description: "A name for this endpoint in the report." },
      ...(kind === "target" && {
        pattern: {
          description: "This target's own EventBridge pattern (its route): only matching events reach it.",
        },
      }),
    };
    const branches = ofKind.map((p) => ({
      title: p.name,
      type: "object",
      anyOf: [
        { required: ["uri"], properties: { uri: { pattern: `^${p.name}:` } } },
        { required: ["plugin"], properties: { plugin: { const: p.name } } },
      ],
      properties: {
        ...common,
        ...Object.fromEntries(Object.entries(p.config.fields).map(([k, f]) => [k, fieldSchema(f)])),
      },
      additionalProperties: false,
    }));
    const builtin = `^(${names.join("|")}):`;
    const other = {
      title: "another plugin (a runtime plugin, or a bare file path)",
      type: "object",
      properties: {
        ...common,
        uri: { type: "string", not: { pattern: builtin } },
        plugin: { type: "string", not: { enum: names } },
      },
      additionalProperties: true,
    };
    const description = (schema.properties[kind === "source" ? "source" : "targets"] as JsonSchema)
      .description;
    return { description, oneOf: [{ type: "string" }, { anyOf: [...branches, other] }] };
  };
  schema.properties.source = endpointFor("source");
  const targets = schema.properties.targets as JsonSchema & { items: JsonSchema };
  targets.items = endpointFor("target");
  return schema as unknown as JsonSchema;
}
