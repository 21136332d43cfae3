// Progress lines while a run goes, each printed only once the state it reports is committed to the store:
// a task the console shows Completed is on disk, so a kill right after cannot make a rerun execute it again.

import { subscribe } from "../engine/events.js";
import type { Store } from "../store/store.js";
import { progressLine } from "./output.js";

export interface CommittedProgress {
  /** Stop following (lines still waiting for a commit are dropped: they were never on disk). */
  stop(): void;
}

/**
 * Follow the run events of this process, writing one line per state change after the batch holding it commits.
 * The delay is the writer's batching window (about 20 ms); a line waits longer only while the store cannot write.
 */
export function followCommitted(store: Store, write: (text: string) => void): CommittedProgress {
  let queued: string[] = [];
  const drain = () => {
    if (queued.length === 0) return;
    const text = queued.join("");
    queued = [];
    write(text);
  };
  const offCommit = store.writer.onCommit(drain);
  const offEvents = subscribe((event) => {
    const line = progressLine(event);
    if (!line) return;
    queued.push(line + "\n");
    // The record was queued before the event was published: nothing pending means it is already committed.
    if (store.writer.pending === 0) drain();
  });
  return {
    stop: () => {
      offEvents();
      offCommit();
    },
  };
}
