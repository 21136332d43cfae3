// One client for a user's own database, SQLite file or PostgreSQL URL (what a `sql` block's `connect()` returns,
// as Prefect's SqlAlchemyConnector is for its users): `?` placeholders, async calls, batched inserts, one close().

import path from "node:path";
import { createRequire } from "node:module";
import Database from "better-sqlite3";
import type { Pool, PoolClient } from "pg";
import { CellflowError } from "../core/errors.js";
import { toPgPlaceholders } from "../store/pg/placeholders.js";
import { maskUrl } from "./mask.js";

export type SqlRow = Record<string, unknown>;

/**
 * A connection to a user's database. Every call takes `?` placeholders on both dialects.
 * @example
 * const db = connectSql("postgres://127.0.0.1/warehouse");
 * await db.execute("create table if not exists t (x int)");
 * await db.insertRows("t", [{ x: 1 }, { x: 2 }]);
 * const rows = await db.query<{ n: number }>("select count(*)::int as n from t");
 * await db.close();
 */
export interface SqlClient {
  readonly dialect: "sqlite" | "postgres";
  /** Rows a statement returns. */
  query<T = SqlRow>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Run a statement; resolves to the number of rows it changed. */
  execute(sql: string, params?: unknown[]): Promise<number>;
  /** Run one statement per parameter list, all in one transaction; resolves to the rows changed in all. */
  executeMany(sql: string, paramLists: unknown[][]): Promise<number>;
  /** Insert objects as rows (columns from the first object), batched into multi-row inserts in one transaction. */
  insertRows(table: string, rows: SqlRow[]): Promise<number>;
  close(): Promise<void>;
}

/** A double-quoted identifier: `"col"`, with inner quotes doubled; a schema-qualified table keeps its dot. */
export function quoteIdent(name: string): string {
  return name
    .split(".")
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join(".");
}

/** Open `url`: a postgres:// or postgresql:// URL, or a SQLite file path (relative to the current directory) or ":memory:". */
export function connectSql(url: string, label = `database ${maskUrl(url)}`): SqlClient {
  return /^postgres(ql)?:\/\//i.test(url) ? new PostgresClient(url, label) : new SqliteClient(url, label);
}

/** Rows per multi-row INSERT: PostgreSQL takes at most 65,535 parameters per statement, SQLite 32,766. */
function rowsPerInsert(columns: number): number {
  return Math.max(1, Math.min(1000, Math.floor(30_000 / Math.max(1, columns))));
}

function insertSql(table: string, columns: string[], rows: number): string {
  const one = `(${columns.map(() => "?").join(", ")})`;
  return `INSERT INTO ${quoteIdent(table)} (${columns.map(quoteIdent).join(", ")}) VALUES ${Array.from({ length: rows }, () => one).join(", ")}`;
}

function chunks(rows: SqlRow[], columns: string[]): Array<{ count: number; params: unknown[] }> {
  const size = rowsPerInsert(columns.length);
  const out: Array<{ count: number; params: unknown[] }> = [];
  for (let i = 0; i < rows.length; i += size) {
    const slice = rows.slice(i, i + size);
    out.push({ count: slice.length, params: slice.flatMap((row) => columns.map((c) => row[c] ?? null)) });
  }
  return out;
}

class SqliteClient implements SqlClient {
  readonly dialect = "sqlite" as const;
  private readonly db: Database.Database;

  constructor(url: string, private readonly label: string) {
    const file = url === ":memory:" ? ":memory:" : path.resolve(url);
    try {
      this.db = new Database(file);
    } catch (error) {
      throw new CellflowError("BLOCK", `${label} could not open ${file}: ${(error as Error).message}`, "check the path and that its folder exists", { cause: error });
    }
  }

  /** Every call reports a failure as one line naming the database, like the PostgreSQL client. */
  private guard<R>(work: () => R): Promise<R> {
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(new CellflowError("BLOCK", `${this.label}: ${(error as Error).message}`, "check the SQL and the table it names", { cause: error }));
    }
  }

  query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.guard(() => this.db.prepare(sql).all(...params) as T[]);
  }

  execute(sql: string, params: unknown[] = []): Promise<number> {
    return this.guard(() => {
      if (params.length > 0) return this.db.prepare(sql).run(...params).changes;
      // exec() takes several statements at once (a script); prepare() only one.
      const changes = () => (this.db.prepare("SELECT total_changes() AS n").get() as { n: number }).n;
      const before = changes();
      this.db.exec(sql);
      return changes() - before;
    });
  }

  executeMany(sql: string, paramLists: unknown[][]): Promise<number> {
    return this.guard(() => {
      const statement = this.db.prepare(sql);
      return this.db.transaction(() => paramLists.reduce((n, params) => n + statement.run(...params).changes, 0))();
    });
  }

  insertRows(table: string, rows: SqlRow[]): Promise<number> {
    if (rows.length === 0) return Promise.resolve(0);
    const columns = Object.keys(rows[0]!);
    return this.guard(() => this.db.transaction(() => chunks(rows, columns).reduce((n, c) => n + this.db.prepare(insertSql(table, columns, c.count)).run(...c.params).changes, 0))());
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

function parseInt8(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

class PostgresClient implements SqlClient {
  readonly dialect = "postgres" as const;
  private readonly pool: Pool;

  constructor(url: string, private readonly label: string) {
    // `pg` loads only when a PostgreSQL URL is opened; it is CommonJS, so a synchronous require keeps connect() sync.
    const pg = createRequire(import.meta.url)("pg") as typeof import("pg");
    // int8 (count(*), bigint columns) as exact JS numbers, BigInt past 2^53; pg's default is a string.
    const types = { getTypeParser: (oid: number, format?: "text" | "binary") => (oid === 20 ? parseInt8 : pg.types.getTypeParser(oid, format)) };
    this.pool = new pg.Pool({ connectionString: url, max: 4, types: types as never });
    // An idle client that loses its server must not crash the process: the next query reports it.
    this.pool.on("error", () => {});
  }

  private fail(error: unknown): never {
    const message = (error as Error).message || String(error);
    throw new CellflowError("BLOCK", `${this.label}: ${message}`, "check that the PostgreSQL server is running and the URL's host, port, user and database are right", { cause: error });
  }

  private async client(): Promise<PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      return this.fail(error);
    }
  }

  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    try {
      return (await this.pool.query(toPgPlaceholders(sql), params)).rows as T[];
    } catch (error) {
      return this.fail(error);
    }
  }

  async execute(sql: string, params: unknown[] = []): Promise<number> {
    try {
      const result = await this.pool.query(toPgPlaceholders(sql), params);
      // A script of several statements answers with one result per statement.
      return (Array.isArray(result) ? result : [result]).reduce((n, r: { rowCount: number | null }) => n + (r.rowCount ?? 0), 0);
    } catch (error) {
      return this.fail(error);
    }
  }

  private async inTransaction(work: (client: PoolClient) => Promise<number>): Promise<number> {
    const client = await this.client();
    try {
      await client.query("BEGIN");
      const n = await work(client);
      await client.query("COMMIT");
      return n;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      if (error instanceof CellflowError) throw error;
      return this.fail(error);
    } finally {
      client.release();
    }
  }

  async executeMany(sql: string, paramLists: unknown[][]): Promise<number> {
    const text = toPgPlaceholders(sql);
    return this.inTransaction(async (client) => {
      let n = 0;
      for (const params of paramLists) n += (await client.query(text, params)).rowCount ?? 0;
      return n;
    });
  }

  async insertRows(table: string, rows: SqlRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const columns = Object.keys(rows[0]!);
    return this.inTransaction(async (client) => {
      let n = 0;
      for (const c of chunks(rows, columns)) n += (await client.query(toPgPlaceholders(insertSql(table, columns, c.count)), c.params)).rowCount ?? 0;
      return n;
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
