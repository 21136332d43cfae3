// Store-wide settings (`cellflow config`): one row per key in the store itself, so one command configures every
// process and every machine that uses the store. Every statement on the table is here.

import type { SqlDatabase } from "./sql.js";

export interface SettingRow {
  key: string;
  value: string;
  updatedAt: number;
}

export class SettingsTable {
  constructor(private readonly db: SqlDatabase) {}

  get(key: string): string | undefined {
    return (this.db.prepare("SELECT value FROM cellflow_settings WHERE key = ?").get(key) as { value: string } | undefined)?.value;
  }

  /**
   * A setting that names a block of `type`, with that block's sealed value (undefined when there is no such block),
   * in one round trip: read for every result over the inline limit.
   */
  getWithBlock(key: string, type: string): { value: string; sealed: string | undefined } | undefined {
    const row = this.db
      .prepare("SELECT s.value AS value, b.value AS sealed FROM cellflow_settings s LEFT JOIN blocks b ON b.type = ? AND b.name = s.value WHERE s.key = ?")
      .get(type, key) as { value: string; sealed: string | null } | undefined;
    return row ? { value: row.value, sealed: row.sealed ?? undefined } : undefined;
  }

  set(key: string, value: string, now = Date.now()): void {
    this.db
      .prepare("INSERT INTO cellflow_settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
      .run(key, value, now);
  }

  /** Remove a setting; returns whether it was set. */
  remove(key: string): boolean {
    return this.db.prepare("DELETE FROM cellflow_settings WHERE key = ?").run(key).changes > 0;
  }

  list(): SettingRow[] {
    const rows = this.db.prepare("SELECT key, value, updated_at FROM cellflow_settings ORDER BY key").all() as Array<{ key: string; value: string; updated_at: number }>;
    return rows.map((r) => ({ key: r.key, value: r.value, updatedAt: Number(r.updated_at) }));
  }
}
