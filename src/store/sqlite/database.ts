// The SQLite side of SqlDatabase: better-sqlite3 itself, statements passed through untouched (no cost on the
// hot path), transactions IMMEDIATE so a read-then-write inside one holds the write lock from its start.

import type Database from "better-sqlite3";
import type { SqlBatchGroup, SqlDatabase, SqlStatement } from "../sql.js";

export class SqliteDatabase implements SqlDatabase {
  readonly dialect = "sqlite" as const;
  /** The batch's statements, prepared once: the writer sends the same few on every flush. */
  private readonly batchStatements = new Map<string, Database.Statement>();

  constructor(readonly raw: Database.Database) {}

  prepare(sql: string): SqlStatement {
    return this.raw.prepare(sql);
  }

  exec(sql: string): void {
    this.raw.exec(sql);
  }

  transaction<T>(fn: () => T): T {
    return this.raw.transaction(fn).immediate();
  }

  runBatch(groups: readonly SqlBatchGroup[]): void {
    this.raw
      .transaction(() => {
        for (const group of groups) {
          let stmt = this.batchStatements.get(group.sql);
          for (const row of group.rows) {
            if (!stmt) {
              stmt = this.raw.prepare(group.sql);
              this.batchStatements.set(group.sql, stmt);
            }
            stmt.run(row);
          }
        }
      })
      .immediate();
  }

  close(): void {
    this.raw.close();
  }
}
