import { ConfigError } from "../util/config-error.ts";

const PATTERN = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${env:NAME}` (and `${env:NAME:-default}`) in every string of a parsed pipeline
 * file. A variable that is unset and has no default is an error naming it and the file, so a
 * typo never turns into an empty table name.
 */
export function substituteEnv(
  value: unknown,
  env: Record<string, string | undefined>,
  file: string,
): unknown {
  if (typeof value === "string") {
    return value.replace(PATTERN, (_match, name: string, fallback: string | undefined) => {
      const found = env[name];
      if (found !== undefined) return found;
      if (fallback !== undefined) return fallback;
      throw new ConfigError(`environment variable ${name} is not set (used as \${env:${name}})`, file);
    });
  }
  if (Array.isArray(value)) return value.map((item) => substituteEnv(item, env, file));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = substituteEnv(item, env, file);
    return out;
  }
  return value;
}
