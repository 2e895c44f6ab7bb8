/** AWS's `InvalidEventPatternException`: `message` is exactly what AWS returns. */
export class InvalidEventPatternError extends Error {
  override readonly name = "InvalidEventPatternException";
  constructor(readonly reason: string) {
    super(`Event pattern is not valid. Reason: ${reason}`);
  }
}

/** Throws an {@link InvalidEventPatternError} with AWS's reason text. */
export function invalid(reason: string): never {
  throw new InvalidEventPatternError(reason);
}
