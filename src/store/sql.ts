// The SQL surface every store module is written against: the synchronous subset of better-sqlite3 the store
// uses, so one store implementation serves SQLite (better-sqlite3 itself) and PostgreSQL (a blocking client).
//
// The SQL is the subset both dialects share: `?` placeholders, `INSERT … ON CONFLICT (…) DO UPDATE SET
// x = excluded.x` / `DO NOTHING`, `RETURNING`, `coalesce`, `||`, `substr`/`length`, camelCase aliases in double
// quotes. Flow and task runs are ordered by `rowid` (insertion order): SQLite's own, a declared identity column on
// PostgreSQL. Statements that must differ live under the backend's folder (src/store/sqlite/).

/**
 * A prepared statement. Parameters are positional `?` only (the PostgreSQL backend numbers them), never named.
 * Values are strings, numbers, Buffers or null; rows come back as plain objects keyed by column name, integers
 * (counts, sums, times in ms, rowids) as JS numbers on both backends.
 */
export interface SqlStatement {
  /** The first row, or undefined when there is none. */
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  /** The same statement with rows as arrays of column values in SELECT order (no key per column). */
  raw(): SqlStatement;
  /** How many rows an INSERT/UPDATE/DELETE changed. New ids come back through `RETURNING` and `get`, not a rowid. */
  run(...params: unknown[]): { changes: number };
  /** Rows one at a time, for listings that must not hold them all. */
  iterate(...params: unknown[]): IterableIterator<unknown>;
}

/** One statement run for many parameter rows, as `SqlDatabase.runBatch` takes it. */
export interface SqlBatchGroup {
  sql: string;
  /** Iterated once, inside the transaction. */
  rows: Iterable<unknown[]>;
  /**
   * Each row's last parameter is a slot for the next value of this table's change sequence (its `seq` column), which
   * the backend fills in row order and in commit order across processes: readers resume from it.
   */
  seqOf?: "task_runs";
}

export interface SqlDatabase {
  readonly dialect: "sqlite" | "pg";
  prepare(sql: string): SqlStatement;
  /** Run one or more statements without parameters (DDL, temp tables). */
  exec(sql: string): void;
  /**
   * Run `fn` in one write transaction and return its value; a throw rolls it back. SQLite takes the write lock
   * at BEGIN (IMMEDIATE), so a read-then-write inside cannot lose a race; nested calls are savepoints.
   */
  transaction<T>(fn: () => T): T;
  /**
   * The hot path's write: every group's statement for each of its rows, in order, in one transaction. Results are
   * not returned, so a backend may send the whole batch at once (multi-row statements, one round trip). Unless
   * `durable` (someone reports the commit), a backend may also return before it commits: PostgreSQL posts it to
   * its one connection, which keeps order, so every later call of this process sees it.
   */
  runBatch(groups: readonly SqlBatchGroup[], options?: { durable?: boolean }): void;
  close(): void;
}
