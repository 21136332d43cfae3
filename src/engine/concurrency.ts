// Limits on how many task runs go at once: a per-flow semaphore, and tag limits shared by every process on the store.

import type { Store } from "../store/store.js";
import { HEARTBEAT_MS, ownerId } from "../store/owner.js";
import { CellflowError } from "../core/errors.js";

export class Semaphore {
  private active = 0;
  private readonly waiters: Array<() => void> = [];
  constructor(readonly size: number) {}

  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.active < this.size) {
      this.active++;
      return this.releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(grant);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal?.reason);
      };
      const grant = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      this.waiters.push(grant);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    return this.releaser();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next();
      else this.active--;
    };
  }
}

/** Tag concurrency limits, stored in the database so every process on one store respects them. */
export class TagLimits {
  constructor(private readonly store: Store) {}

  list(): Array<{ tag: string; slots: number; active: number }> {
    return this.store.tagSlots.list();
  }

  set(tag: string, slots: number): void {
    if (!tag.trim()) throw new CellflowError("USAGE", "a tag limit needs a tag name", "e.g. cellflow limits set db 2");
    if (!Number.isInteger(slots) || slots < 0) throw new CellflowError("USAGE", `limit for tag '${tag}' must be a whole number ≥ 0, got ${slots}`, "e.g. cellflow limits set db 2");
    this.store.tagSlots.setLimit(tag, slots);
  }

  remove(tag: string): boolean {
    return this.store.tagSlots.removeLimit(tag);
  }

  /** The limits that apply to these tags (none → empty map, and nothing to acquire). */
  limitsFor(tags: string[]): Map<string, number> {
    return this.store.tagSlots.limitsFor(tags);
  }

  /** Wait for a slot on every limited tag (all at once, in one transaction), polling until granted or aborted. */
  async acquire(taskRunId: string, limits: Map<string, number>, signal: AbortSignal): Promise<() => void> {
    if (limits.size === 0) return () => {};
    const slots = this.store.tagSlots;
    const owner = ownerId();
    let delay = 5;
    let lastReap = Date.now();
    while (!slots.tryAcquire(taskRunId, owner, limits)) {
      if (signal.aborted) throw signal.reason;
      await sleep(delay, signal);
      delay = Math.min(delay * 2, 100);
      // A holder that was killed never releases its slot: reap dead owners' slots once per heartbeat while waiting.
      if (Date.now() - lastReap >= HEARTBEAT_MS) {
        lastReap = Date.now();
        this.store.releaseDeadSlots();
      }
    }
    return () => slots.release(taskRunId);
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
