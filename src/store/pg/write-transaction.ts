// A write transaction in one round trip to PostgreSQL (used by the connection's worker thread): the write lock and
// every statement go out together (extended protocol: Parse when new, Bind, Execute each) with one Sync at the end,
// which commits them as one implicit transaction, or rolls them all back at the first error.
//
// Why: as BEGIN, one round trip per statement and COMMIT, a batch held the store's write lock (protocol.ts) while
// its process answered each reply: every other process's writer waited on a lock whose holder sat idle in its
// transaction. A `pg.Submittable`, as pg-cursor is: node-postgres sends it when the connection is free and hands it
// the replies until ReadyForQuery.

import { createRequire } from "node:module";
import pg from "pg";
import { WRITE_LOCK, type QueryResult, type Statement } from "./protocol.js";

/** node-postgres's own conversion of values for the wire (numbers to text, objects to JSON, Buffers as bytea). */
const { prepareValue } = createRequire(import.meta.url)("pg/lib/utils.js") as { prepareValue: (value: unknown) => unknown };

const LOCK_SQL = `SELECT pg_advisory_xact_lock(${WRITE_LOCK})`;

/** The parts of node-postgres's connection and result this uses beyond their published types. */
interface WireConnection {
  stream: { cork?: () => void; uncork?: () => void };
  parse(config: { text: string; name: string; types: unknown[] }): void;
  bind(config: { statement: string; portal: string; values: unknown[] }): void;
  describe(config: { type: "P"; name: string }): void;
  execute(config: { portal: string; rows: number }): void;
  sync(): void;
  sendCopyFail(message: string): void;
  /** Statement names parsed on this connection (node-postgres's own record, so its queries reuse them too). */
  parsedStatements: Record<string, string>;
}
interface RowParser {
  addFields(fields: unknown[]): void;
  parseRow(fields: unknown[]): Record<string, unknown>;
}

/** A CommandComplete tag: "UPDATE 3", "SELECT 1", or "INSERT 0 5" (an OID before the count). */
const TAG = /^[A-Za-z]+(?: (\d+))?(?: (\d+))?/;

/**
 * Statements (with `name(sql)` naming the ones worth a prepared statement, "" for the others) run as one transaction
 * under the write lock: resolves to the last statement's rows and the rows all of them changed.
 */
export async function writeTransaction(client: pg.Client, statements: readonly Statement[], name: (sql: string) => string): Promise<QueryResult> {
  let settle!: { resolve: (result: QueryResult) => void; reject: (error: unknown) => void };
  const done = new Promise<QueryResult>((resolve, reject) => (settle = { resolve, reject }));
  const tx = new WriteTransaction(statements, name, settle.resolve, settle.reject);
  client.query(tx);
  try {
    return await done;
  } catch (error) {
    // The server skipped what followed the error, maybe a Parse of ours: ask which of its names exist (a connection
    // that failed is replaced, and its names with it).
    if (tx.parsed.size > 0) await knownStatements(client, tx.parsed).catch(() => {});
    throw error;
  }
}

/** Record in node-postgres's connection which of these statement names the server holds. */
async function knownStatements(client: pg.Client, names: Map<string, string>): Promise<void> {
  const { rows } = await client.query<{ name: string }>("SELECT name FROM pg_prepared_statements WHERE name = ANY($1)", [[...names.keys()]]);
  const connection = (client as unknown as { connection: WireConnection }).connection;
  for (const { name } of rows) connection.parsedStatements[name] = names.get(name)!;
}

class WriteTransaction implements pg.Submittable {
  /** The statement whose replies arrive now: 0 is the lock, then the caller's. */
  private index = 0;
  private changes = 0;
  private readonly last: RowParser & { rows: Array<Record<string, unknown>> };
  /** Names this transaction parsed, with their SQL: forgotten when it fails (the server may have skipped their Parse). */
  readonly parsed = new Map<string, string>();
  private connection: WireConnection | null = null;
  private settled = false;

  constructor(
    private readonly statements: readonly Statement[],
    private readonly name: (sql: string) => string,
    private readonly resolve: (result: QueryResult) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.last = Object.assign(new pg.Result("object" as string, undefined as never) as unknown as RowParser, { rows: [] });
  }

  /** Everything written at once; null, or an error for a value that cannot be sent (nothing was written then). */
  submit(connection: pg.Connection): void;
  submit(raw: unknown): Error | null {
    const connection = raw as WireConnection;
    this.connection = connection;
    let values: unknown[][];
    try {
      values = this.statements.map((s) => s.params.map(prepareValue));
    } catch (error) {
      return error as Error;
    }
    connection.stream.cork?.();
    try {
      this.send(LOCK_SQL, [], false);
      this.statements.forEach((s, i) => this.send(s.sql, values[i], i === this.statements.length - 1));
      connection.sync();
    } finally {
      connection.stream.uncork?.();
    }
    return null;
  }

  private send(sql: string, values: unknown[], describe: boolean): void {
    const c = this.connection!;
    const name = this.name(sql);
    if (!name || c.parsedStatements[name] === undefined) {
      c.parse({ text: sql, name, types: [] });
      if (name) {
        c.parsedStatements[name] = sql;
        this.parsed.set(name, sql);
      }
    }
    c.bind({ statement: name, portal: "", values });
    if (describe) c.describe({ type: "P", name: "" });
    c.execute({ portal: "", rows: 0 });
  }

  handleRowDescription(message: { fields: unknown[] }): void {
    if (this.index === this.statements.length) this.last.addFields(message.fields);
  }

  handleDataRow(message: { fields: unknown[] }): void {
    if (this.index === this.statements.length) this.last.rows.push(this.last.parseRow(message.fields));
  }

  handleCommandComplete(message: { text: string }): void {
    if (this.index > 0) {
      const tag = TAG.exec(message.text);
      this.changes += Number(tag?.[2] ?? tag?.[1] ?? 0);
    }
    this.index++;
  }

  handleEmptyQuery(): void {
    this.index++;
  }

  handlePortalSuspended(): void {}

  handleCopyInResponse(connection: WireConnection): void {
    connection.sendCopyFail("a write transaction copies nothing");
  }

  handleCopyData(): void {}

  /** node-postgres calls this for the server's error (then skips to the Sync) and for a lost connection. */
  handleError(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    for (const name of this.parsed.keys()) delete this.connection?.parsedStatements[name];
    this.reject(error);
  }

  handleReadyForQuery(): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve({ rows: this.last.rows, rowCount: this.changes });
  }
}
