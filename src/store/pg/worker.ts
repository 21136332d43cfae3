// The worker thread behind a synchronous PostgreSQL connection: it owns one `pg` Client, runs requests in the
// order they arrive, posts each reply on the reply port and wakes the caller blocked in Atomics.wait.

import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import pg from "pg";
import type { ErrorReply, QueryResult, Reply, Request, Statement, WorkerInit } from "./protocol.js";
import { writeTransaction } from "./write-transaction.js";

// Timestamps are ms in BIGINT columns and counts are int8: JS numbers hold them exactly up to 2^53.
pg.types.setTypeParser(20, (v: string) => Number(v));
pg.types.setTypeParser(1700, (v: string) => Number(v));

const init = workerData as WorkerInit & { port: MessagePort };
const signal = new Int32Array(init.signal);
const port = init.port;

let client: pg.Client | null = null;
let broken: ErrorReply | null = null;
/**
 * Posted batches (nobody waits for them) that failed because the server was unreachable: kept, in order, and
 * written before any later request, so a lost connection loses no write and a later read still sees them.
 */
const held: Request[] = [];
/** Channels LISTENed on, again after a reconnect. */
const listening = new Set<string>();
/** Session settings asked for, again after a reconnect. */
const settings = new Map<string, string>();
let queue: Promise<void> = Promise.resolve();

const CONNECTION_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "57P01", "57P02", "57P03", "08000", "08003", "08006", "08001", "08004"]);

function describe(error: unknown): ErrorReply {
  const e = error as { message?: string; code?: string };
  const message = e?.message || String(error);
  const code = e?.code;
  const connection = (code !== undefined && CONNECTION_CODES.has(code)) || /Connection terminated|connection.*(closed|lost|timeout)|not queryable|ECONNREFUSED/i.test(message);
  return { message, code, connection };
}

/** How long a session may sit idle inside a transaction before the server ends it (CELLFLOW_PG_IDLE_TX_MS). */
const IDLE_IN_TRANSACTION_MS = Number(process.env.CELLFLOW_PG_IDLE_TX_MS) || 5000;

/** A connected client: made on first use and again after the server went away (between requests). */
async function connected(): Promise<pg.Client> {
  if (client && !broken) return client;
  if (client) {
    client.removeAllListeners();
    void client.end().catch(() => {});
    client = null;
  }
  const fresh = new pg.Client({
    connectionString: init.url,
    connectionTimeoutMillis: 10_000,
    // A process paused inside a transaction (SIGSTOP, a frozen VM) would hold the write lock, or the reaper's, for
    // every machine: the server ends such a session, and the process reconnects (and is fenced) when it wakes.
    // The store's transactions send their statements back to back, so a live process never idles this long in one.
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS,
  });
  fresh.on("error", (error) => {
    broken = describe(error);
    broken.connection = true;
  });
  try {
    await fresh.connect();
  } catch (error) {
    fresh.removeAllListeners();
    void fresh.end().catch(() => {});
    throw error;
  }
  fresh.on("notification", () => parentPort?.postMessage("notify"));
  for (const channel of listening) await fresh.query(`LISTEN ${channel}`);
  for (const [name, value] of settings) await fresh.query("SELECT set_config($1, $2, false)", [name, value]);
  broken = null;
  client = fresh;
  names.clear();
  return fresh;
}

function bytes(value: unknown): unknown {
  // Buffers arrive as Uint8Array (structured clone); pg sends a Buffer as bytea.
  return value instanceof Uint8Array && !Buffer.isBuffer(value) ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value;
}

/** Statement names per SQL text: a named statement is parsed and planned once per connection. */
const names = new Map<string, string>();
let named = 0;

/** The prepared statement's name for `sql`, or "" for an unnamed one. */
function nameFor(sql: string): string {
  let name = names.get(sql);
  // Generated SQL (IN lists, multi-row inserts) varies in length; only texts seen twice are worth naming.
  if (name === undefined && names.size < 2000) names.set(sql, (name = ""));
  else if (name === "") names.set(sql, (name = `cf${++named}`));
  return name ?? "";
}

async function run(c: pg.Client, s: Statement): Promise<QueryResult> {
  const name = nameFor(s.sql);
  const result = await c.query({ text: s.sql, values: s.params.map(bytes), name: name || undefined });
  return { rows: result.rows ?? [], rowCount: result.rowCount ?? 0 };
}

async function handle(request: Request): Promise<QueryResult> {
  if (request.kind === "close") {
    if (client) await client.end().catch(() => {});
    client = null;
    return { rows: [], rowCount: 0 };
  }
  const c = await connected();
  switch (request.kind) {
    case "listen":
      if (!listening.has(request.channel)) await c.query(`LISTEN ${request.channel}`);
      listening.add(request.channel);
      return { rows: [], rowCount: 0 };
    case "set":
      await c.query("SELECT set_config($1, $2, false)", [request.name, request.value]);
      settings.set(request.name, request.value);
      return { rows: [], rowCount: 0 };
    case "query":
      return run(c, request.statement);
    case "exec": {
      const results = await c.query(request.sql);
      const last = Array.isArray(results) ? results[results.length - 1] : results;
      return { rows: last?.rows ?? [], rowCount: last?.rowCount ?? 0 };
    }
    case "batch":
      // The last statement's rows; the rows all of them changed.
      return writeTransaction(c, request.statements.map((s) => ({ sql: s.sql, params: s.params.map(bytes) })), nameFor);
  }
}

function reply(message: Reply): void {
  port.postMessage(message);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
}

/** Write the held batches first; throws (keeping them) while the server is still unreachable. */
async function drainHeld(): Promise<void> {
  while (held.length > 0) {
    await handle(held[0]);
    held.shift();
  }
}

async function serve(request: Request): Promise<void> {
  if (request.kind === "close" && held.length > 0) {
    // Last chance for writes held over a lost connection; if the server is still gone, say what is lost.
    await drainHeld().catch((error) => process.stderr.write(`cellflow: ${held.length} store write batches were not written: ${describe(error).message}\n`));
  }
  try {
    if (request.kind !== "close") await drainHeld();
    const result = await handle(request);
    if (request.reply) reply({ id: request.id, ok: true, result });
  } catch (error) {
    const described = describe(error);
    if (described.connection) broken = described;
    if (request.reply) reply({ id: request.id, ok: false, error: described });
    else if (described.connection) held.push(request);
    // A posted batch the server refused (not a lost connection) cannot succeed by retrying: say so, as the
    // writer does for its own failures, rather than fail an unrelated later call.
    else process.stderr.write(`cellflow: store write failed: ${described.message}\n`);
  }
  if (request.kind === "close") process.exit(0);
}

parentPort!.on("message", (request: Request) => {
  queue = queue.then(() => serve(request));
});
