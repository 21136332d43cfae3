// The SQLite backend: one file (WAL) under CELLFLOW_HOME, opened with the PRAGMAs measured for batched writes,
// migrated, and the file-level upkeep (quick_check before a run, checkpoint/VACUUM, integrity_check).

import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import type { StoreBackend } from "../backend.js";
import { storeError } from "../store-errors.js";
import { DB_FILE_NAME, prepareStoreFiles } from "./create.js";
import { SqliteDatabase } from "./database.js";
import { checkReadyForRun } from "./health.js";
import { migrate } from "./migrations.js";

/** How much WAL is written between automatic checkpoints. */
const WAL_CHECKPOINT_BYTES = 4000 * 4096;

export class SqliteBackend implements StoreBackend {
  readonly db: SqliteDatabase;
  readonly location: string;

  /** Open (creating when missing) and migrate `home/cellflow.db`; a failure is one STORE error. */
  constructor(home: string) {
    this.location = path.join(home, DB_FILE_NAME);
    prepareStoreFiles(home);
    let raw: Database.Database;
    try {
      raw = new Database(this.location);
    } catch (error) {
      throw storeError(error, "open", this.location, home);
    }
    try {
      raw.pragma("busy_timeout = 10000");
      raw.pragma("journal_mode = WAL");
      raw.pragma("synchronous = NORMAL");
      // Measured here: checkpoints dominate batched writes; a larger WAL between them halves the cost per task
      // run. The page cache is 8 MB: a 100,000-task run wrote no slower than with 32 MB, and the 24 MB saved
      // are a sixth of the `cellflow run` memory target. The checkpoint comes every 16 MB of WAL whatever the page
      // size (4000 pages of 4 KiB, 1000 of a new store's 16 KiB: see STORE_PAGE_SIZE).
      raw.pragma(`wal_autocheckpoint = ${Math.round(WAL_CHECKPOINT_BYTES / (raw.pragma("page_size", { simple: true }) as number))}`);
      raw.pragma("cache_size = -8192");
      raw.pragma("foreign_keys = ON");
      migrate(raw);
    } catch (error) {
      raw.close();
      throw storeError(error, "open", this.location, home);
    }
    this.db = new SqliteDatabase(raw);
  }

  checkReadyForRun(home: string): void {
    checkReadyForRun(this.db.raw, this.location, home);
  }

  /** Checkpoint the WAL (TRUNCATE), then VACUUM when asked, so freed pages leave the file. */
  compact(vacuum: boolean): number {
    const raw = this.db.raw;
    raw.pragma("wal_checkpoint(TRUNCATE)");
    if (vacuum) {
      raw.exec("VACUUM");
      raw.pragma("wal_checkpoint(TRUNCATE)");
    }
    return fs.statSync(this.location).size;
  }

  integrityCheck(): string {
    return (this.db.raw.pragma("integrity_check") as Array<{ integrity_check: string }>).map((r) => r.integrity_check).join("; ");
  }

  /** SQLite's data_version: moves when another connection commits. */
  dataVersion(): number {
    return this.db.raw.pragma("data_version", { simple: true }) as number;
  }

  useSmallCache(): void {
    this.db.raw.pragma("cache_size = -2048");
  }

  explainQueryPlan(sql: string, params: unknown[]): string[] {
    return (this.db.raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail);
  }

  close(): void {
    this.db.close();
  }
}
