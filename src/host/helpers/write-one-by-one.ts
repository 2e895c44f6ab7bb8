import type { Envelope, ItemFailure } from "../../sdk/index.ts";

/**
 * Writes a batch one event after another, for targets whose service takes one event per call
 * (Lambda invokes). It stops at the first retryable failure and marks every later event of the
 * batch `NotSent` (retryable), so the engine's retry resends them in order and no later event
 * overtakes the one being retried. Shared by the built-in `lambda` and `lambda-local` targets.
 */
export async function writeOneByOne(
  batch: readonly Envelope[],
  writeOne: (envelope: Envelope, index: number) => Promise<ItemFailure | undefined>,
): Promise<ItemFailure[]> {
  const failures: ItemFailure[] = [];
  for (let index = 0; index < batch.length; index++) {
    const failure = await writeOne(batch[index]!, index);
    if (!failure) continue;
    failures.push(failure);
    if (failure.retryable) {
      for (let later = index + 1; later < batch.length; later++) {
        failures.push({
          index: later,
          retryable: true,
          code: "NotSent",
          message: "not sent: an earlier event of the same batch is being retried",
        });
      }
      break;
    }
  }
  return failures;
}
