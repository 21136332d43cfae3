// The SQLite side of SqlDatabase: better-sqlite3 itself, statements passed through untouched (no cost on the
// hot path), transactions IMMEDIATE so a read-then-write inside one holds the write lock from its start.

import type Database from "better-sqlite3";
import type { SqlBatchGroup, SqlDatabase, SqlStatement } from "../sql.js";

function lastSeq(db: Database.Database, table: string): number {
  return (db.prepare(`SELECT MAX(seq) AS n FROM ${table}`).get() as { n: number | null }).n ?? 0;
}

export class SqliteDatabase implements SqlDatabase {
  readonly dialect = "sqlite" as const;
  /** The batch's statements, prepared once: the writer sends the same few on every flush. */
  private readonly batchStatements = new Map<string, Database.Statement>();

  constructor(readonly raw: Database.Database) {}

  prepare(sql: string): SqlStatement {
    // better-sqlite3's raw() toggles the statement in place and returns it: the same shape SqlStatement asks for.
    return this.raw.prepare(sql) as unknown as SqlStatement;
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
          // The transaction holds the write lock, so one past the newest seq, read once, is in commit order.
          let seq = -1;
          for (const row of group.rows) {
            if (!stmt) {
              stmt = this.raw.prepare(group.sql);
              this.batchStatements.set(group.sql, stmt);
            }
            if (group.seqOf) {
              if (seq < 0) seq = lastSeq(this.raw, group.seqOf);
              row[row.length - 1] = ++seq;
            }
            // Spread, not the array: better-sqlite3 reads an array's elements one V8 API call each (~400 instructions).
            stmt.run(...row);
          }
        }
      })
      .immediate();
  }

  close(): void {
    this.raw.close();
  }
}
