/** AWS's `InvalidEventPatternException`: `message` is exactly what AWS returns. */
export class InvalidEventPatternError extends Error {
  override readonly name = "InvalidEventPatternException";
  /**
   * @param hint Ours, not AWS's: a suggestion such as `did you mean "prefix"?`, kept out of
   * `message` so the message stays exactly AWS's. The CLI prints it after the message.
   */
  constructor(
    readonly reason: string,
    readonly hint?: string,
  ) {
    super(`Event pattern is not valid. Reason: ${reason}`);
  }
}

/** Throws an {@link InvalidEventPatternError} with AWS's reason text (and our optional hint). */
export function invalid(reason: string, hint?: string): never {
  throw new InvalidEventPatternError(reason, hint);
}
