/**
 * Removing credentials from what is shown: URIs, endpoints and messages that may carry a
 * `user:password@` part. Used for target names in reports and summaries, debug logs and
 * `validate` output.
 *
 * @module
 */

/**
 * Replaces the userinfo of every URI or endpoint in `text` with `…@`: `postgres://app:pw@db/x`
 * → `postgres://…@db/x`, and also endpoints written without a scheme (`user:pass@host:5432`).
 * A `@` with no `:` before it in the same word (an e-mail address, `name@host`) is left alone
 * unless it follows `//`, where anything before `@` is userinfo.
 */
export function redactUri(text: string): string {
  return text
    .replace(/(\/\/)[^/@\s?#]*@/g, "$1…@")
    .replace(/(^|[\s"'=(,])([^\s/@:"'=(,]+):[^\s/@"']*@/g, "$1…@");
}
