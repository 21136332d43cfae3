// Limits on how many task runs go at once: a per-flow semaphore, and tag limits shared by every process on the store.

import type { Store } from "../store/store.js";
import { HEARTBEAT_MS, ownerId } from "../store/owner.js";
import { releaseDeadSlots } from "../store/crash.js";
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
    return this.store.db
      .prepare("SELECT l.tag, l.slots, (SELECT count(*) FROM concurrency_slots s WHERE s.tag = l.tag) AS active FROM concurrency_limits l ORDER BY l.tag")
      .all() as Array<{ tag: string; slots: number; active: number }>;
  }

  set(tag: string, slots: number): void {
    if (!tag.trim()) throw new CellflowError("USAGE", "a tag limit needs a tag name", "e.g. cellflow limits set db 2");
    if (!Number.isInteger(slots) || slots < 0) throw new CellflowError("USAGE", `limit for tag '${tag}' must be a whole number ≥ 0, got ${slots}`, "e.g. cellflow limits set db 2");
    this.store.db.prepare("INSERT INTO concurrency_limits (tag, slots, created_at) VALUES (?, ?, ?) ON CONFLICT(tag) DO UPDATE SET slots = excluded.slots").run(tag, slots, Date.now());
  }

  remove(tag: string): boolean {
    return this.store.db.prepare("DELETE FROM concurrency_limits WHERE tag = ?").run(tag).changes > 0;
  }

  /** The limits that apply to these tags (none → empty map, and nothing to acquire). */
  limitsFor(tags: string[]): Map<string, number> {
    const out = new Map<string, number>();
    if (tags.length === 0) return out;
    const rows = this.store.db.prepare(`SELECT tag, slots FROM concurrency_limits WHERE tag IN (${tags.map(() => "?").join(",")})`).all(...tags) as Array<{ tag: string; slots: number }>;
    for (const r of rows) out.set(r.tag, r.slots);
    return out;
  }

  /** Wait for a slot on every limited tag (all at once, in one transaction), polling until granted or aborted. */
  async acquire(taskRunId: string, limits: Map<string, number>, signal: AbortSignal): Promise<() => void> {
    if (limits.size === 0) return () => {};
    const db = this.store.db;
    const owner = ownerId();
    const count = db.prepare("SELECT count(*) AS n FROM concurrency_slots WHERE tag = ?");
    const insert = db.prepare("INSERT OR IGNORE INTO concurrency_slots (tag, task_run_id, owner, acquired_at) VALUES (?, ?, ?, ?)");
    const tryAcquire = () => db.transaction(() => {
      for (const [tag, slots] of limits) {
        if ((count.get(tag) as { n: number }).n >= slots) return false;
      }
      for (const tag of limits.keys()) insert.run(tag, taskRunId, owner, Date.now());
      return true;
    });
    let delay = 5;
    let lastReap = Date.now();
    while (!tryAcquire()) {
      if (signal.aborted) throw signal.reason;
      await sleep(delay, signal);
      delay = Math.min(delay * 2, 100);
      // A holder that was killed never releases its slot: reap dead owners' slots once per heartbeat while waiting.
      if (Date.now() - lastReap >= HEARTBEAT_MS) {
        lastReap = Date.now();
        releaseDeadSlots(this.store);
      }
    }
    return () => {
      db.prepare("DELETE FROM concurrency_slots WHERE task_run_id = ?").run(taskRunId);
    };
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
