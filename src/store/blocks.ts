// Block rows: sealed (encrypted) block values by type and name. blocks/store.ts seals and opens them; every
// statement on the table is here.

import type { SqlDatabase } from "./sql.js";

export interface BlockRowInfo {
  type: string;
  name: string;
  createdAt: number;
  updatedAt: number;
}

export class BlockTable {
  constructor(private readonly db: SqlDatabase) {}

  /** One stored block's sealed value (the oldest), or undefined when there is none. */
  oneSealed(): { type: string; name: string; value: string } | undefined {
    return this.db.prepare("SELECT type, name, value FROM blocks ORDER BY created_at, type, name LIMIT 1").get() as { type: string; name: string; value: string } | undefined;
  }

  /** Save a sealed value, replacing the block of the same type and name (its creation time stays). */
  put(type: string, name: string, sealed: string, now = Date.now()): void {
    this.db
      .prepare("INSERT INTO blocks (type, name, value, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (type, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
      .run(type, name, sealed, now, now);
  }

  /** The sealed value of a block, or undefined. */
  sealedValue(type: string, name: string): string | undefined {
    return (this.db.prepare("SELECT value FROM blocks WHERE type = ? AND name = ?").get(type, name) as { value: string } | undefined)?.value;
  }

  /** The types under which a name is stored. */
  typesNamed(name: string): string[] {
    return (this.db.prepare("SELECT type FROM blocks WHERE name = ?").all(name) as Array<{ type: string }>).map((r) => r.type);
  }

  /** Every block's identity and times (never its value), by type and name. */
  list(): BlockRowInfo[] {
    const rows = this.db.prepare("SELECT type, name, created_at, updated_at FROM blocks ORDER BY type, name").all() as Array<{ type: string; name: string; created_at: number; updated_at: number }>;
    return rows.map((r) => ({ type: r.type, name: r.name, createdAt: r.created_at, updatedAt: r.updated_at }));
  }

  has(type: string, name: string): boolean {
    return this.db.prepare("SELECT 1 FROM blocks WHERE type = ? AND name = ?").get(type, name) !== undefined;
  }

  /** Delete a block; returns whether there was one. */
  remove(type: string, name: string): boolean {
    return this.db.prepare("DELETE FROM blocks WHERE type = ? AND name = ?").run(type, name).changes > 0;
  }
}
