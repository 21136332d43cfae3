// Batched, coalescing writes: the engine hands records over on the hot path and they reach the database in one
// transaction per batch (SqlDatabase.runBatch). A run that changes state three times between flushes is written once.

import type { FlowRunRow, LogRow, TaskRunRow } from "./rows.js";
import type { SqlBatchGroup, SqlDatabase } from "./sql.js";
import { ATTEMPT_FENCE, KEEP_CANCEL_REQUEST } from "./run-state.js";

const FLOW_COLUMNS = [
  "id", "flow_name", "name", "state_type", "state_name", "state_message", "state_ts", "history", "parameters",
  "attempt", "start_time", "end_time", "created_at", "entrypoint", "parent_task_run_id", "deployment_id", "tags",
  "error", "result_ref", "owner", "heartbeat",
] as const;

const TASK_COLUMNS = [
  "id", "flow_run_id", "flow_attempt", "task_name", "dynamic_key", "state_type", "state_name", "state_message",
  "state_ts", "history", "inputs", "upstream", "cache_key", "cache_expires", "cache_reason", "cached_from",
  "source_hash", "result_ref", "run_count", "start_time", "end_time", "tags", "subflow_run_id", "error",
] as const;

function upsertSql(table: string, columns: readonly string[], guard = ""): string {
  const updates = columns.filter((c) => c !== "id").map((c) => `${c}=excluded.${c}`).join(", ");
  return `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})
          ON CONFLICT (id) DO UPDATE SET ${updates}${guard}`;
}

const FLOW_UPSERT = upsertSql("flow_runs", FLOW_COLUMNS, ` WHERE ${KEEP_CANCEL_REQUEST}`);
/**
 * On PostgreSQL, where workers on other machines may reap a run and start its next attempt, a row is written
 * only for the attempt the run is at and never over a Crashed verdict: a paused worker that wakes up cannot
 * overwrite a newer attempt (its task rows are fenced the same way by a trigger, migration 7).
 */
const FLOW_UPSERT_FENCED = upsertSql("flow_runs", FLOW_COLUMNS, ` WHERE (${KEEP_CANCEL_REQUEST}) AND ${ATTEMPT_FENCE}`);
const TASK_UPSERT = upsertSql("task_runs", TASK_COLUMNS);
const LOG_INSERT = "INSERT INTO logs (flow_run_id, task_run_id, level, message, ts) VALUES (?, ?, ?, ?, ?)";
const RESULT_INSERT = "INSERT INTO results (ref, bytes) VALUES (?, ?) ON CONFLICT (ref) DO NOTHING";

/** Positional values in column order: binding by position is several times cheaper than by name. */
function valuesOf<R extends object>(row: R, columns: readonly (keyof R & string)[]): unknown[] {
  const out = new Array(columns.length);
  for (let i = 0; i < columns.length; i++) out[i] = row[columns[i]];
  return out;
}

/** One batch's statements: results before the task runs that reference them, logs last. Rows are built as consumed. */
function batchOf(flowUpsert: string, results: Map<string, Buffer>, flows: Iterable<() => FlowRunRow>, tasks: Iterable<() => TaskRunRow>, logs: LogRow[]): SqlBatchGroup[] {
  return [
    { sql: RESULT_INSERT, rows: results.entries() },
    { sql: flowUpsert, rows: mapRows(flows, (row) => valuesOf(row(), FLOW_COLUMNS)) },
    { sql: TASK_UPSERT, rows: mapRows(tasks, (row) => valuesOf(row(), TASK_COLUMNS)) },
    { sql: LOG_INSERT, rows: mapRows(logs, (l) => [l.flow_run_id, l.task_run_id, l.level, l.message, l.ts]) },
  ];
}

function* mapRows<T>(items: Iterable<T>, toRow: (item: T) => unknown[]): Generator<unknown[]> {
  for (const item of items) yield toRow(item);
}

/** Flush at once when this many records wait: a tight loop of awaited tasks never yields to the timer. */
const MAX_PENDING = 2000;

export class BatchWriter {
  // Rows are built at flush time from the live records, so a run that changes state many times between
  // flushes costs one row conversion and one write.
  private flows = new Map<string, () => FlowRunRow>();
  private tasks = new Map<string, () => TaskRunRow>();
  private logs: LogRow[] = [];
  private results = new Map<string, Buffer>();
  private timer: NodeJS.Timeout | null = null;
  private readonly commitListeners = new Set<() => void>();
  private readonly commit: () => void;

  constructor(
    private readonly db: SqlDatabase,
    private readonly delayMs = 20,
  ) {
    this.commit = () => {
      const results = this.results;
      const flows = this.flows;
      const tasks = this.tasks;
      const logs = this.logs;
      this.results = new Map();
      this.flows = new Map();
      this.tasks = new Map();
      this.logs = [];
      try {
        // Durable when a listener will report the commit (the console prints a state only once it is on disk).
        this.db.runBatch(batchOf(this.db.dialect === "pg" ? FLOW_UPSERT_FENCED : FLOW_UPSERT, results, flows.values(), tasks.values(), logs), { durable: this.commitListeners.size > 0 });
      } catch (error) {
        // Nothing is lost: the batch goes back in front of what arrived meanwhile, and the next flush retries.
        for (const [k, v] of this.results) results.set(k, v);
        for (const [k, v] of this.flows) flows.set(k, v);
        for (const [k, v] of this.tasks) tasks.set(k, v);
        this.results = results;
        this.flows = flows;
        this.tasks = tasks;
        this.logs = logs.concat(this.logs);
        throw error;
      }
      for (const listener of this.commitListeners) listener();
    };
  }

  /**
   * Call `listener` after every committed batch (the console prints a state change only once it is on disk).
   * Returns a function that removes it.
   */
  onCommit(listener: () => void): () => void {
    this.commitListeners.add(listener);
    return () => void this.commitListeners.delete(listener);
  }

  get pending(): number {
    return this.flows.size + this.tasks.size + this.logs.length + this.results.size;
  }

  flowRun(id: string, row: () => FlowRunRow): void {
    this.flows.set(id, row);
    this.schedule();
  }

  taskRun(id: string, row: () => TaskRunRow): void {
    this.tasks.set(id, row);
    this.schedule();
  }

  log(row: LogRow): void {
    this.logs.push(row);
    this.schedule();
  }

  result(ref: string, bytes: Buffer): void {
    this.results.set(ref, bytes);
    this.schedule();
  }

  /** Pending task row for a run not yet flushed, so reads in this process see their own writes. */
  pendingTaskRow(id: string): TaskRunRow | undefined {
    return this.tasks.get(id)?.();
  }

  pendingResult(ref: string): Buffer | undefined {
    return this.results.get(ref);
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending === 0) return;
    this.commit();
  }

  private schedule(): void {
    if (this.flows.size + this.tasks.size + this.logs.length + this.results.size >= MAX_PENDING) {
      try {
        this.flush();
        return;
      } catch (error) {
        // Leave it to the timer to retry; the batch is kept.
        process.stderr.write(`cellflow: store write failed, retrying: ${(error as Error).message}\n`);
      }
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      try {
        this.flush();
      } catch (error) {
        process.stderr.write(`cellflow: store write failed, retrying: ${(error as Error).message}\n`);
        this.schedule();
      }
    }, this.delayMs);
    this.timer.unref();
  }
}
