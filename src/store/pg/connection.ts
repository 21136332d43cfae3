// A synchronous PostgreSQL connection with the shape of better-sqlite3 (prepare → get/all/run, exec,
// transaction), so one synchronous store serves both backends. A worker thread owns the `pg` client; a call
// posts its request and blocks in Atomics.wait until the worker has posted the reply (the synckit idea).

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { MessagePort, Worker } from "node:worker_threads";
import { CellflowError } from "../../core/errors.js";
import { StoreConnectionLost } from "../store-errors.js";
import { toPgPlaceholders } from "./placeholders.js";
import { checkDatabaseUrl, redactUrl } from "./url.js";
import type { SqlBatchGroup, SqlDatabase, SqlStatement } from "../sql.js";
import { BEGIN_WRITE, type ErrorReply, type QueryResult, type Reply, type Request, type Statement, type WorkerInit } from "./protocol.js";

/** node:worker_threads, loaded when a connection opens: a SQLite store's command line never loads it (~3 ms). */
let threadsModule: typeof import("node:worker_threads") | undefined;
const threads = () => (threadsModule ??= process.getBuiltinModule("node:worker_threads"));

/** How long one call may wait for the worker before the connection is declared lost. */
const CALL_TIMEOUT_MS = 120_000;
/** The first call also waits for the worker thread to start and connect (10 s of it is pg's connect timeout). */
const START_TIMEOUT_MS = 30_000;
/** Rows per trip when a listing is iterated. */
const CURSOR_PAGE = 2000;

/** An error PostgreSQL reported for a statement (not a lost connection): carries SQLSTATE as `code`. */
export class PgStatementError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = "PgStatementError";
    this.code = code;
  }
}

/** PostgreSQL takes at most 65,535 parameters per statement; chunks stay well below. */
const MAX_PARAMS = 30_000;
const MAX_ROWS = 1000;

/**
 * `INSERT … VALUES (?, ?) …` for n rows as statements of up to MAX_ROWS rows each: `VALUES ($1, $2), ($3, $4) …`.
 * Other statements, and an upsert whose rows repeat a key (one statement may not update a row twice), run row by row.
 */
function multiRow(group: SqlBatchGroup): Statement[] {
  // The rows are built as they are read (the writer's rows come from live records): read them once, here. The seq
  // column's value comes from a trigger here (migration 6, in commit order under the write lock): the slot a row
  // holds for it (SqlBatchGroup.seqOf) keeps the placeholder the writer put there, which the trigger overrides.
  const rows = Array.from(group.rows);
  if (rows.length === 0) return [];
  const sql = toPgPlaceholders(group.sql);
  const match = /\bVALUES\s*\(([^()]*)\)/i.exec(sql);
  const updates = /DO\s+UPDATE/i.test(sql);
  const oneByOne = () => rows.map((row) => ({ sql, params: positional(row) }));
  if (!match || !/^\s*INSERT\b/i.test(sql) || rows.length === 1) return oneByOne();
  if (updates && new Set(rows.map((r) => r[0])).size !== rows.length) return oneByOne();
  const head = sql.slice(0, match.index);
  const tail = sql.slice(match.index + match[0].length);
  // Parameters outside the VALUES tuple would need renumbering per chunk: not worth it for the writer's SQL.
  if (/\$\d/.test(head + tail)) return oneByOne();
  const width = rows[0].length;
  const per = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMS / Math.max(1, width))));
  const out: Statement[] = [];
  for (let start = 0; start < rows.length; start += per) {
    const tuples: string[] = [];
    const params: unknown[] = [];
    for (const row of rows.slice(start, start + per)) {
      const base = params.length;
      tuples.push(`(${row.map((_, i) => `$${base + i + 1}`).join(", ")})`);
      params.push(...positional(row));
    }
    out.push({ sql: `${head}VALUES ${tuples.join(", ")}${tail}`, params });
  }
  return out;
}

/**
 * Rows as arrays in SELECT order, as better-sqlite3's raw() gives them: a row object keeps its columns in the
 * order the server sent them (the queries using raw() name distinct columns).
 */
function arrayRows(statement: SqlStatement): SqlStatement {
  const asArray = (row: unknown) => (row === undefined ? undefined : Object.values(row as Record<string, unknown>));
  return {
    get: (...params) => asArray(statement.get(...params)),
    all: (...params) => statement.all(...params).map(asArray),
    run: (...params) => statement.run(...params),
    iterate: function* (...params) {
      for (const row of statement.iterate(...params)) yield asArray(row);
    },
    raw: () => arrayRows(statement),
  };
}

/** The compiled worker: beside this file when compiled, in dist/ when a test runner executes the .ts. */
function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith(".js")) return path.join(path.dirname(here), "worker.js");
  const compiled = path.resolve(path.dirname(here), "..", "..", "..", "dist", "src", "store", "pg", "worker.js");
  if (!fs.existsSync(compiled)) throw new Error(`${compiled} is missing: build first (npm run build)`);
  return compiled;
}

/** Positional values: better-sqlite3 takes them spread or as one array. */
function positional(params: unknown[]): unknown[] {
  const values = params.length === 1 && Array.isArray(params[0]) ? (params[0] as unknown[]) : params;
  return values.map((v) => (typeof v === "boolean" ? (v ? 1 : 0) : v));
}

/** Rows come back with Buffers turned into Uint8Arrays by the structured clone; give Buffers back. */
function revive(rows: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  for (const row of rows) {
    for (const key in row) {
      const v = row[key];
      if (v instanceof Uint8Array && !Buffer.isBuffer(v)) row[key] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    }
  }
  return rows;
}

/**
 * Writes outside a transaction that skip the write lock: heartbeats, of a worker (its row in the worker table) and of
 * a process's flow runs (the heartbeat column, which no trigger numbers). Neither changes a change number, so no
 * trigger takes the lock behind them, and the rows they wait for are never held by a writer that waits for theirs:
 * other processes change a live process's flow runs one statement at a time, the reaper only dead ones'. A heartbeat
 * queued behind every writer of runs blocked its process (a 10,000-task fan-out's task workers, under load: 7.7 s of
 * 25), and a late heartbeat is a dead worker to the reaper.
 */
const UNLOCKED_WRITES = /^\s*((INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+cellflow_workers\b|UPDATE\s+flow_runs\s+SET\s+heartbeat\s*=\s*\$1\s+WHERE\b)/i;

export class PgConnection implements SqlDatabase {
  readonly dialect = "pg" as const;
  readonly url: string;
  /** The URL as messages show it (password hidden). */
  readonly shownUrl: string;
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly signal: Int32Array;
  private nextId = 1;
  private depth = 0;
  private closed = false;
  private workerError: Error | null = null;
  private readonly listeners = new Set<() => void>();
  private readonly listened = new Set<string>();

  /** Start the worker and connect (the first round trip proves the server, the database and the credentials). */
  constructor(url: string) {
    checkDatabaseUrl(url);
    this.url = url;
    this.shownUrl = redactUrl(url);
    const shared = new SharedArrayBuffer(4);
    this.signal = new Int32Array(shared);
    const { MessageChannel, Worker } = threads();
    const channel = new MessageChannel();
    this.port = channel.port1;
    const init: WorkerInit & { port: MessagePort } = { url, signal: shared, port: channel.port2 };
    // Not --input-type (a `node -e` script's flag), which a worker refuses before running a line.
    const execArgv = process.execArgv.filter((arg) => !arg.startsWith("--input-type"));
    this.worker = new Worker(workerFile(), { workerData: init, transferList: [channel.port2], execArgv });
    this.worker.on("message", () => {
      for (const listener of this.listeners) listener();
    });
    // Heard only while this thread is idle; the next call then fails at once instead of waiting out its timeout.
    this.worker.on("error", (error) => (this.workerError = error));
    // The worker must not keep a finished CLI alive; close() ends it properly.
    this.worker.unref();
    this.port.unref();
    try {
      // A worker that fails to start never answers, and this thread, blocked, cannot hear its error event.
      this.call({ id: 0, kind: "query", statement: { sql: "SELECT 1", params: [] }, reply: true }, START_TIMEOUT_MS);
    } catch (error) {
      this.terminate();
      throw error;
    }
  }

  /** Set a setting of this connection's session, now and after every reconnect (e.g. synchronous_commit). */
  setSession(name: string, value: string): void {
    this.call({ id: this.nextId++, kind: "set", name, value, reply: true });
  }

  /**
   * Call `listener` at each NOTIFY on `channel` (LISTEN is sent with the first listener); returns a remover.
   * While a listener is registered the worker keeps the process alive, as a timer would.
   */
  onNotify(channel: string, listener: () => void): () => void {
    if (!this.listened.has(channel)) {
      this.call({ id: this.nextId++, kind: "listen", channel, reply: true });
      this.listened.add(channel);
    }
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.worker.ref();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.worker.unref();
    };
  }

  prepare(sql: string): SqlStatement {
    const text = toPgPlaceholders(sql);
    // A write outside a transaction takes the write lock first too (in the same trip), so it never waits for it
    // while holding a row lock a batch wants: the order is always write lock, then rows.
    const write = /^\s*(INSERT|UPDATE|DELETE)\b/i.test(text);
    const locked = write && !UNLOCKED_WRITES.test(text);
    const query = (params: unknown[]) => {
      const statement = { sql: text, params: positional(params) };
      if (this.depth > 0) return this.query(statement);
      if (!write) return this.read(statement);
      if (!locked) return this.query(statement);
      const result = this.call({ id: this.nextId++, kind: "batch", statements: [statement], reply: true });
      revive(result.rows);
      return result;
    };
    const statement: SqlStatement = {
      get: (...params) => query(params).rows[0],
      all: (...params) => query(params).rows,
      run: (...params) => ({ changes: query(params).rowCount }),
      iterate: (...params) => (write ? query(params).rows[Symbol.iterator]() : this.cursor(text, positional(params))),
      raw: () => arrayRows(statement),
    };
    return statement;
  }

  /**
   * A query's rows a page at a time (a listing of 100,000 task runs must not hold them all): a WITH HOLD cursor,
   * which the server keeps outside any transaction, so the writer's batches may run between two pages.
   */
  private *cursor(sql: string, params: unknown[]): Generator<unknown> {
    const name = `cellflow_cursor_${this.nextId++}`;
    this.query({ sql: `DECLARE ${name} NO SCROLL CURSOR WITH HOLD FOR ${sql}`, params });
    try {
      for (;;) {
        const page = this.query({ sql: `FETCH ${CURSOR_PAGE} FROM ${name}`, params: [] }).rows;
        yield* page;
        if (page.length < CURSOR_PAGE) return;
      }
    } finally {
      if (!this.closed) this.exec(`CLOSE ${name}`);
    }
  }

  /** One statement with positional values, blocking until its result is in. */
  /**
   * A read outside a transaction, asked once more on a fresh connection when the server dropped the one it went
   * out on (a read changes nothing, so asking twice is safe; a write might have committed, so it is not retried).
   */
  private read(statement: Statement): QueryResult {
    try {
      return this.query(statement);
    } catch (error) {
      if (!(error instanceof StoreConnectionLost) || this.closed) throw error;
      return this.query(statement);
    }
  }

  query(statement: Statement): QueryResult {
    const result = this.call({ id: this.nextId++, kind: "query", statement, reply: true });
    revive(result.rows);
    return result;
  }

  /** SQL text without parameters (several statements allowed). */
  exec(sql: string): void {
    this.call({ id: this.nextId++, kind: "exec", sql, reply: true });
  }

  /**
   * The writer's batch: each group's statement for each of its rows, in one write transaction and one trip to
   * the worker; an INSERT's rows become multi-row statements. It is posted and this returns at once (the engine
   * goes on while PostgreSQL writes): the one connection runs requests in order, so any later call from this
   * process, read or write, sees it; a batch the server could not take for a lost connection is kept and
   * written before the next request. `durable` returns only once it is committed.
   */
  runBatch(groups: readonly SqlBatchGroup[], options: { durable?: boolean } = {}): void {
    const statements: Statement[] = [];
    for (const group of groups) statements.push(...multiRow(group));
    if (statements.length === 0) return;
    if (this.depth > 0) {
      // Inside a transaction already: the statements join it.
      for (const s of statements) this.query(s);
      return;
    }
    const request: Request = { id: this.nextId++, kind: "batch", statements, reply: options.durable === true };
    if (!request.reply) {
      this.assertOpen();
      this.worker.postMessage(request);
      return;
    }
    this.call(request);
  }

  /**
   * Run `fn` in a write transaction and return its value: BEGIN and the write lock (as SQLite's IMMEDIATE), COMMIT,
   * ROLLBACK when it throws; SAVEPOINTs when nested.
   */
  transaction<T>(fn: () => T): T {
    const savepoint = this.depth > 0 ? `cellflow_sp${this.depth}` : null;
    this.exec(savepoint ? `SAVEPOINT ${savepoint}` : BEGIN_WRITE);
    this.depth++;
    try {
      const result = fn();
      this.depth--;
      this.exec(savepoint ? `RELEASE SAVEPOINT ${savepoint}` : "COMMIT");
      return result;
    } catch (error) {
      this.depth--;
      try {
        this.exec(savepoint ? `ROLLBACK TO SAVEPOINT ${savepoint}; RELEASE SAVEPOINT ${savepoint}` : "ROLLBACK");
      } catch {
        // The connection itself failed: the server rolls the transaction back; the first error is the story.
      }
      throw error;
    }
  }

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  get open(): boolean {
    return !this.closed;
  }

  close(): void {
    if (this.closed) return;
    try {
      this.call({ id: this.nextId++, kind: "close", reply: true });
    } catch {
      // Closing a connection whose server is gone is not an error.
    }
    this.terminate();
  }

  private terminate(): void {
    this.closed = true;
    this.listeners.clear();
    this.port.close();
    void this.worker.terminate();
  }

  private assertOpen(): void {
    if (this.closed) throw new CellflowError("STORE", `the PostgreSQL store ${this.shownUrl} is closed`, "open the store again");
  }

  /** Post a request and block until its reply is in (or the worker stops answering). */
  private call(request: Request, timeoutMs = CALL_TIMEOUT_MS): QueryResult {
    this.assertOpen();
    if (this.workerError) throw this.failure({ message: `its connection thread failed: ${this.workerError.message}`, connection: true });
    Atomics.store(this.signal, 0, 0);
    this.worker.postMessage(request);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const received = threads().receiveMessageOnPort(this.port);
      if (received) {
        const reply = received.message as Reply;
        if (reply.id !== request.id) continue; // a reply to a call that timed out earlier
        if (reply.ok) return reply.result;
        throw this.failure(reply.error);
      }
      const waited = Atomics.wait(this.signal, 0, 0, 1000);
      // Reset before reading the port: the worker posts first and signals after, so nothing is missed.
      Atomics.store(this.signal, 0, 0);
      if (waited === "timed-out" && Date.now() > deadline) {
        throw this.failure({ message: `no answer within ${timeoutMs / 1000}s`, connection: true });
      }
    }
  }

  /** A lost or refused connection is one line naming the URL and the fix; a statement's error keeps its code. */
  private failure(error: ErrorReply): Error {
    if (error.code === "3D000") {
      const name = new URL(this.url).pathname.replace(/^\//, "");
      return new CellflowError("STORE", `the PostgreSQL database '${name}' of ${this.shownUrl} does not exist`, `create it (createdb ${name}), or fix CELLFLOW_DATABASE_URL`);
    }
    if (error.code === "28P01" || error.code === "28000") {
      return new CellflowError("STORE", `PostgreSQL refused the login to ${this.shownUrl}: ${error.message}`, "fix the user or password in CELLFLOW_DATABASE_URL");
    }
    if (error.connection) {
      return new StoreConnectionLost(
        "STORE",
        `cannot reach the PostgreSQL store ${this.shownUrl}: ${error.message}`,
        "start the server or fix CELLFLOW_DATABASE_URL (unset it to use the embedded SQLite store)",
      );
    }
    return new PgStatementError(error.message, error.code);
  }
}
