/** One line for any thrown value; never a stack trace for the user. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
