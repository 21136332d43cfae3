// Tag concurrency limits and the slots task runs hold under them, shared by every process on one store.
// engine/concurrency.ts does the waiting; every statement on these tables is here.

import type { SqlDatabase } from "./sql.js";

export class TagSlots {
  constructor(private readonly db: SqlDatabase) {}

  /** Every limit with the number of slots held now, by tag. */
  list(): Array<{ tag: string; slots: number; active: number }> {
    return this.db
      .prepare("SELECT l.tag, l.slots, (SELECT count(*) FROM concurrency_slots s WHERE s.tag = l.tag) AS active FROM concurrency_limits l ORDER BY l.tag")
      .all() as Array<{ tag: string; slots: number; active: number }>;
  }

  /** Create or change the limit of a tag. */
  setLimit(tag: string, slots: number, now = Date.now()): void {
    this.db.prepare("INSERT INTO concurrency_limits (tag, slots, created_at) VALUES (?, ?, ?) ON CONFLICT (tag) DO UPDATE SET slots = excluded.slots").run(tag, slots, now);
  }

  /** Remove a tag's limit; returns whether there was one. */
  removeLimit(tag: string): boolean {
    return this.db.prepare("DELETE FROM concurrency_limits WHERE tag = ?").run(tag).changes > 0;
  }

  /** The limits among these tags, by tag. */
  limitsFor(tags: string[]): Map<string, number> {
    const out = new Map<string, number>();
    if (tags.length === 0) return out;
    const rows = this.db.prepare(`SELECT tag, slots FROM concurrency_limits WHERE tag IN (${tags.map(() => "?").join(",")})`).all(...tags) as Array<{ tag: string; slots: number }>;
    for (const r of rows) out.set(r.tag, r.slots);
    return out;
  }

  /** Take a slot on every tag of `limits` for the task run, all or none, in one write transaction; false when one is full. */
  tryAcquire(taskRunId: string, owner: string, limits: Map<string, number>): boolean {
    const count = this.db.prepare("SELECT count(*) AS n FROM concurrency_slots WHERE tag = ?");
    const insert = this.db.prepare("INSERT INTO concurrency_slots (tag, task_run_id, owner, acquired_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING");
    return this.db.transaction(() => {
      for (const [tag, slots] of limits) {
        if (Number((count.get(tag) as { n: number | bigint }).n) >= slots) return false;
      }
      for (const tag of limits.keys()) insert.run(tag, taskRunId, owner, Date.now());
      return true;
    });
  }

  /** Give back every slot the task run holds. */
  release(taskRunId: string): void {
    this.db.prepare("DELETE FROM concurrency_slots WHERE task_run_id = ?").run(taskRunId);
  }
}
