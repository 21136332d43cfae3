// Messages between a synchronous PostgreSQL connection (the caller's thread) and the worker thread that owns
// the `pg` client. Shared by connection.ts and worker.ts.

/**
 * The advisory lock every write transaction takes first and holds to its commit: writers are serialized as
 * SQLite's IMMEDIATE transactions are, so the `seq` change sequence commits in order (see migrations.ts), and
 * taking it before any row lock means two writers never deadlock over it.
 */
export const WRITE_LOCK = "7161285233512034560";
export const BEGIN_WRITE = `BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK})`;

/** One statement and its positional values (already in `$n` form). */
export interface Statement {
  sql: string;
  params: unknown[];
}

export type Request =
  /** A statement; `rows` asks for its rows back. */
  | { id: number; kind: "query"; statement: Statement; reply: boolean }
  /** Several statements in one write transaction (a writer's batch): one trip; the last one's rows come back. */
  | { id: number; kind: "batch"; statements: Statement[]; reply: boolean }
  /** SQL text with no parameters, possibly several statements (simple query protocol). */
  | { id: number; kind: "exec"; sql: string; reply: boolean }
  /** LISTEN on a channel: from then on (and after a reconnect) each notification is posted as "notify". */
  | { id: number; kind: "listen"; channel: string; reply: boolean }
  /** A session setting (set_config), kept: applied again after a reconnect. */
  | { id: number; kind: "set"; name: string; value: string; reply: boolean }
  | { id: number; kind: "close"; reply: boolean };

export interface QueryResult {
  rows: Array<Record<string, unknown>>;
  rowCount: number;
}

export interface ErrorReply {
  message: string;
  /** PostgreSQL's SQLSTATE or Node's errno code. */
  code?: string;
  /** Whether the connection to the server failed (as opposed to the statement). */
  connection: boolean;
}

export type Reply = { id: number; ok: true; result: QueryResult } | { id: number; ok: false; error: ErrorReply };

/** What the worker is started with. */
export interface WorkerInit {
  url: string;
  /** Int32Array over it: slot 0 is set to 1 and notified when a reply has been posted. */
  signal: SharedArrayBuffer;
}
