/**
 * A configuration or usage problem found before any I/O: the CLI prints it on one line and
 * exits 2. `where` names the file, key or flag at fault.
 */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly where?: string,
  ) {
    super(where ? `${where}: ${message}` : message);
    this.name = "ConfigError";
  }
}
