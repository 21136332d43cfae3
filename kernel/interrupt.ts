// Interrupts that neither kill the kernel nor get lost. The control worker interrupts the main thread with SIGINT:
// a cell's synchronous part ends through vm's breakOnSigint, an awaiting cell through the kernel's SIGINT listeners.
// Around each synchronous part Node hands SIGINT over between the two (vm removes the listeners, then starts its
// watchdog; after the run it stops the watchdog, then adds the listeners back), and a signal in between either kills
// the process (default action) or is dropped (watchdog stopping): both were seen with a real client (issue #9).
// So the main thread publishes when a synchronous part runs; the worker signals at once when none does, and
// otherwise only once that part has run for a grace period (the watchdog is up by then); a signal sent during a
// part that then ended without being interrupted was dropped at its end, and the main thread delivers it itself.

import type { SyncRunWatcher } from "../src/cells/sync-run.js";

/** Slots of the Int32Array the main thread and the control worker share. */
const BUSY = 0;
/** The running synchronous part's number, 0 when none runs. */
const SYNC_RUN = 1;
/** SIGINTs the worker sent while a synchronous part ran. */
const SENT_IN_RUN = 2;
const SLOTS = 3;

/** How long a synchronous part must have run before the worker signals it (its watchdog is up well before). */
const GRACE_MS = 30;
const POLL_MS = 2;

export function interruptState(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT));
}

export function setBusy(state: Int32Array, busy: boolean): void {
  Atomics.store(state, BUSY, busy ? 1 : 0);
}

export function isBusy(state: Int32Array): boolean {
  return Atomics.load(state, BUSY) === 1;
}

/** The main thread's side: publishes each synchronous part, and delivers a signal dropped at its end. */
export function syncRunWatcher(state: Int32Array, deliver: () => void): SyncRunWatcher {
  let runs = 0;
  let sentBefore = 0;
  return {
    enter() {
      sentBefore = Atomics.load(state, SENT_IN_RUN);
      runs = runs === 0x7fffffff ? 1 : runs + 1;
      Atomics.store(state, SYNC_RUN, runs);
    },
    exit(interrupted) {
      Atomics.store(state, SYNC_RUN, 0);
      // Read after the store: a signal the worker sends from now on finds the listeners (they are back by now).
      if (!interrupted && Atomics.load(state, SENT_IN_RUN) !== sentBefore) deliver();
    },
  };
}

/**
 * The control worker's side: interrupts the main thread if it is busy, with SIGINT sent when it can neither kill
 * the process nor be dropped unnoticed (see the top of this file). Returns at once; the signal may follow.
 */
export function interruptMainThread(state: Int32Array, signal: () => void = () => process.kill(process.pid, "SIGINT"), graceMs = GRACE_MS): void {
  let run = 0;
  let since = 0;
  const attempt = (): void => {
    if (!isBusy(state)) return;
    const current = Atomics.load(state, SYNC_RUN);
    if (current === 0) return signal();
    if (current !== run) {
      run = current;
      since = performance.now();
    }
    if (performance.now() - since >= graceMs) {
      Atomics.add(state, SENT_IN_RUN, 1);
      return signal();
    }
    setTimeout(attempt, POLL_MS);
  };
  attempt();
}
