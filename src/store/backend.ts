// What a store backend supplies beside its SQL: the checks and upkeep that depend on where the data lives
// (a SQLite file, a PostgreSQL server). Everything else the store does is SQL on `db`, shared by both.

import type { SqlDatabase } from "./sql.js";

export interface StoreBackend {
  readonly db: SqlDatabase;
  /** Where the data lives, for messages: the database file, or the server URL without its password. */
  readonly location: string;
  /** Throw a one-line STORE error unless the database is sound and takes a write (called once per opened store). */
  checkReadyForRun(home: string): void;
  /** Give freed space back (SQLite: checkpoint, then VACUUM when asked); returns the store's size in bytes. */
  compact(vacuum: boolean): number;
  /**
   * Call `listener` when another connection (or this one) commits a change to runs or logs; returns a remover.
   * Only backends that are told of commits have it (PostgreSQL's LISTEN/NOTIFY); others are polled.
   */
  onChange?(listener: () => void): () => void;
  /** Commits return before the server flushed them to disk (PostgreSQL's synchronous_commit off), for this session. */
  asyncCommits?(): void;
  /** Call `listener` at each notification on `channel` (PostgreSQL's LISTEN); returns a remover. */
  onNotify?(channel: string, listener: () => void): () => void;
  /** The backend's own consistency check: "ok" or the problems found. */
  integrityCheck(): string;
  /** A number that moves when another connection commits (a cheap "did anything change" probe). */
  dataVersion(): number;
  /** Trade the writer's large page cache for a small one (a long read-only listing). */
  useSmallCache(): void;
  /** The query plan of a statement, one line per step: for benchmarks and tests that check an index serves it. */
  explainQueryPlan(sql: string, params: unknown[]): string[];
  close(): void;
}
