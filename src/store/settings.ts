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
