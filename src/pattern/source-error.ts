/**
 * A pattern could not be loaded from where the user pointed (file, template, deployed rule).
 * Commands report it as a usage error (exit 2). `name` is "PatternSourceError".
 */
export class PatternSourceError extends Error {
  override readonly name = "PatternSourceError";
}
