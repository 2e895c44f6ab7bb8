/**
 * Loading a handler function from a module file with `import()`.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { PluginError } from "../../src/sdk/index.ts";

/** A Lambda handler: async (`(event, context) => Promise`) or callback style (3 parameters). */
export type Handler = (
  event: unknown,
  context: unknown,
  callback?: (error?: unknown, result?: unknown) => void,
) => unknown;

/**
 * Imports `path` (absolute; TypeScript or JavaScript) and returns its export `name`. Also looks
 * under `default` so CommonJS modules (`module.exports.handler`) work. Dynamic import of an
 * absolute path also works from a `bun build --compile` binary.
 */
export async function loadHandler(path: string, name: string): Promise<Handler> {
  const where = `lambda-local handler ${path}`;
  if (!existsSync(path)) throw new PluginError("file not found", where);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(path)) as Record<string, unknown>;
  } catch (error) {
    throw new PluginError(`cannot import: ${error instanceof Error ? error.message : String(error)}`, where);
  }
  const fallback = mod.default as Record<string, unknown> | undefined;
  const handler = mod[name] ?? (fallback && typeof fallback === "object" ? fallback[name] : undefined);
  if (typeof handler !== "function") {
    const exported = Object.keys(mod).filter((key) => typeof mod[key] === "function");
    throw new PluginError(
      `has no function export "${name}" (function exports: ${exported.join(", ") || "none"}); ` +
        `name it with <file>#<export>`,
      where,
    );
  }
  return handler as Handler;
}

/**
 * Calls a handler the way the Node.js runtime does: a returned promise settles the invocation;
 * a handler with three parameters may instead call its callback.
 */
export function callHandler(handler: Handler, event: unknown, context: unknown): Promise<unknown> {
  if (handler.length < 3) return Promise.resolve().then(() => handler(event, context));
  return new Promise((resolve, reject) => {
    try {
      const returned = handler(event, context, (error, result) => (error ? reject(error) : resolve(result)));
      if (returned && typeof (returned as PromiseLike<unknown>).then === "function") {
        (returned as PromiseLike<unknown>).then(resolve, reject);
      }
    } catch (error) {
      reject(error);
    }
  });
}
