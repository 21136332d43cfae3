// When the control worker sends SIGINT (kernel/interrupt.ts), with the signal replaced by a counter: at once when no
// synchronous cell part runs, only after a grace period inside one (Node's SIGINT watchdog is not up at its very
// start, and a signal then kills the kernel), never when idle; a signal sent inside a part that then ended without
// being interrupted (Node drops it while stopping its watchdog) is delivered by the main thread itself.

import { describe, expect, it } from "vitest";
import { interruptMainThread, interruptState, setBusy, syncRunWatcher } from "../../kernel/interrupt.js";

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe("kernel interrupts", () => {
  it("an idle kernel is not signalled; a busy one awaiting (no synchronous part running) is signalled at once", () => {
    const state = interruptState();
    let signals = 0;
    interruptMainThread(state, () => signals++);
    expect(signals).toBe(0);
    setBusy(state, true);
    interruptMainThread(state, () => signals++);
    expect(signals).toBe(1);
  });

  it("inside a synchronous part the signal waits for the grace period, then goes, and the part counts it as sent", async () => {
    const state = interruptState();
    setBusy(state, true);
    let delivered = 0;
    const watcher = syncRunWatcher(state, () => delivered++);
    watcher.enter();
    let signals = 0;
    interruptMainThread(state, () => signals++, 40);
    expect(signals).toBe(0);
    await sleep(150);
    expect(signals).toBe(1);
    // The part ended without being interrupted: Node dropped the signal, so the main thread delivers it.
    watcher.exit(false);
    expect(delivered).toBe(1);
  });

  it("a part interrupted by the signal, or one that no signal was sent in, delivers nothing", async () => {
    const state = interruptState();
    setBusy(state, true);
    let delivered = 0;
    const watcher = syncRunWatcher(state, () => delivered++);
    watcher.enter();
    interruptMainThread(state, () => {}, 10);
    await sleep(100);
    watcher.exit(true);
    watcher.enter();
    watcher.exit(false);
    expect(delivered).toBe(0);
  });

  it("a part that ends during the grace period gets the signal as soon as it has ended, not counted as sent in it", async () => {
    const state = interruptState();
    setBusy(state, true);
    let delivered = 0;
    const watcher = syncRunWatcher(state, () => delivered++);
    watcher.enter();
    let signals = 0;
    interruptMainThread(state, () => signals++, 60_000);
    await sleep(20);
    expect(signals).toBe(0);
    watcher.exit(false);
    await sleep(50);
    expect(signals).toBe(1);
    expect(delivered).toBe(0);
  });

  it("a request that ends during the grace period drops the interrupt", async () => {
    const state = interruptState();
    setBusy(state, true);
    syncRunWatcher(state, () => {}).enter();
    let signals = 0;
    interruptMainThread(state, () => signals++, 10);
    setBusy(state, false);
    await sleep(100);
    expect(signals).toBe(0);
  });
});
