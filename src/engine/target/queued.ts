import type { RunItem } from "../run-item.ts";

/** An event waiting in one target's lane, with what that target's ordering computed for it. */
export interface QueuedItem {
  readonly item: RunItem;
  /** The ordering key for this target (`""` in a globally ordered lane or when the key is missing). */
  readonly key: string;
}
