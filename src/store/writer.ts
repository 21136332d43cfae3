// Batched, coalescing writes: the engine hands records over on the hot path and they reach the database in one
// transaction per batch (SqlDatabase.runBatch). A run that changes state three times between flushes is written once.

import type { TaskRunRecord } from "../core/records.js";
import { isTerminal } from "../core/states.js";
import { TASK_COLUMNS, taskRunToRow, taskRunValues, type FlowRunRow, type LogRow, type TaskRunExtra, type TaskRunRow } from "./rows.js";
import type { SqlBatchGroup, SqlDatabase } from "./sql.js";
import { ATTEMPT_FENCE, KEEP_CANCEL_REQUEST } from "./run-state.js";

const FLOW_COLUMNS = [
  "id", "flow_name", "name", "state_type", "state_name", "state_message", "state_ts", "history", "parameters",
  "attempt", "start_time", "end_time", "created_at", "entrypoint", "parent_task_run_id", "deployment_id", "tags",
  "error", "result_ref", "owner", "heartbeat", "task_runner",
] as const;

function upsertSql(table: string, columns: readonly string[], guard = "", keep: readonly string[] = []): string {
  const updates = columns.filter((c) => c !== "id" && !keep.includes(c)).map((c) => `${c}=excluded.${c}`).join(", ");
  return `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})
          ON CONFLICT (id) DO UPDATE SET ${updates}${guard}`;
}

const FLOW_UPSERT = upsertSql("flow_runs", FLOW_COLUMNS, ` WHERE ${KEEP_CANCEL_REQUEST}`);
/**
 * On PostgreSQL, where workers on other machines may reap a run and start its next attempt, a row is written
 * only for the attempt the run is at and never over a Crashed verdict: a paused worker that wakes up cannot
 * overwrite a newer attempt (its task rows are fenced the same way by a trigger, PostgreSQL migration 8).
 */
const FLOW_UPSERT_FENCED = upsertSql("flow_runs", FLOW_COLUMNS, ` WHERE (${KEEP_CANCEL_REQUEST}) AND ${ATTEMPT_FENCE}`);
// Task runs take their change `seq` from the batch (SqlBatchGroup.seqOf), one past the newest, in write order: the
// transaction holds the write lock, so sequence order is commit order across processes (a trigger per row re-ran
// an UPDATE of each write).
/**
 * A task run's identity (its flow run, attempt, task name and key, never changed once created) is left out of the
 * update on SQLite: it rewrites every index on a column the SET names, so each later write of a run (a submitted
 * task run is written twice) deleted and inserted its task_runs_flow entry again.
 */
const TASK_UPSERT = upsertSql("task_runs", [...TASK_COLUMNS, "seq"], "", ["flow_run_id", "flow_attempt", "task_name", "dynamic_key"]);
/**
 * On PostgreSQL a task run a flow process dispatched is held by the task worker that claimed it (worker_id): a row
 * is written only by its holder, the flow process while nobody holds it and the worker while it does. A worker the
 * reaper declared dead (the row was taken from it) has its late writes dropped here.
 */
const TASK_COLUMNS_PG = [...TASK_COLUMNS, "worker_id", "max_retries"] as const;
const TASK_UPSERT_FENCED = upsertSql("task_runs", [...TASK_COLUMNS_PG, "seq"], " WHERE task_runs.worker_id IS NOT DISTINCT FROM excluded.worker_id");
/** The jobs of task runs dispatched to task workers (PostgreSQL migration 9), committed with their Pending rows. */
const DISPATCH_TASKS = "SELECT cellflow_dispatch_tasks(?::json) AS n";
const LOG_INSERT = "INSERT INTO logs (flow_run_id, task_run_id, level, message, ts) VALUES (?, ?, ?, ?, ?)";
// Content-addressed: a row already there is kept, unless its bytes differ from these (it is corrupt, and these,
// hashed just now, are the good ones). Many task runs share one result (e.g. undefined): no rewrite then.
const RESULT_UPSERT = "INSERT INTO results (ref, bytes) VALUES (?, ?) ON CONFLICT (ref) DO UPDATE SET bytes = excluded.bytes WHERE results.bytes <> excluded.bytes";

/**
 * Positional values in column order (binding by position is several times cheaper than by name), then `slots` more
 * (0): a task run's row ends in the slot of its change sequence (SqlBatchGroup.seqOf).
 */
function valuesOf<R extends object>(row: R, columns: readonly (keyof R & string)[], slots = 0): unknown[] {
  const out = new Array(columns.length + slots).fill(0);
  for (let i = 0; i < columns.length; i++) out[i] = row[columns[i]];
  return out;
}

/** A task run handed to task workers: its job's payload (the row, written in the same batch, says the rest). */
export interface DispatchJob {
  id: string;
  payload: unknown;
}

/** One batch's statements: results before the task runs that reference them, logs, then dispatched tasks' jobs. */
function batchOf(pg: boolean, results: Map<string, Buffer>, flows: Iterable<() => FlowRunRow>, tasks: Iterable<PendingTask>, logs: LogRow[], jobs: DispatchJob[]): SqlBatchGroup[] {
  const flowRows: unknown[][] = [];
  for (const row of flows) flowRows.push(valuesOf(row(), FLOW_COLUMNS));
  const taskRows: unknown[][] = [];
  // SQLite straight from the record (the hot path); PostgreSQL through the row, for its extra columns.
  for (const task of tasks) taskRows.push(pg ? valuesOf(taskRunToRow(task.record, task.extra), TASK_COLUMNS_PG, 1) : taskRunValues(task.record, task.extra));
  const logRows: unknown[][] = [];
  for (const l of logs) logRows.push([l.flow_run_id, l.task_run_id, l.level, l.message, l.ts]);
  const groups: SqlBatchGroup[] = [
    { sql: RESULT_UPSERT, rows: results.entries() },
    { sql: pg ? FLOW_UPSERT_FENCED : FLOW_UPSERT, rows: flowRows },
    { sql: pg ? TASK_UPSERT_FENCED : TASK_UPSERT, rows: taskRows, seqOf: "task_runs" },
    { sql: LOG_INSERT, rows: logRows },
  ];
  if (jobs.length > 0) groups.push({ sql: DISPATCH_TASKS, rows: [[JSON.stringify(jobs)]] });
  return groups;
}

/**
 * Flush at once when this many records wait: a tight loop of awaited tasks never yields to the timer. Kept small
 * so a batch's records (and the console lines waiting for its commit) die young: at 2,000, a 100,000-task
 * `cellflow run` promoted 122 MB into V8's old space, at 500 56 MB; CPU per task was the same from 250 to 2,000.
 */
const MAX_PENDING = 500;

/**
 * Task runs created in one go (a loop of submit() or map()) that have not ended yet are not written by the flush at
 * MAX_PENDING: each would be written twice, Pending then ended, and the second write (an upsert over the first) costs
 * more than the first. They wait, up to this many, for the timer, an explicit flush, or the ended ones before them.
 */
const MAX_WAITING = 50_000;

/** A task run waiting for the next flush: its live record, read then (one entry per run, updated in place). */
interface PendingTask {
  record: TaskRunRecord;
  extra: TaskRunExtra;
  /** Its state was terminal when last handed over. */
  ended: boolean;
}

export class BatchWriter {
  // Rows are built at flush time from the live records, so a run that changes state many times between
  // flushes costs one row conversion and one write.
  private flows = new Map<string, () => FlowRunRow>();
  private tasks = new Map<string, PendingTask>();
  /** How many of `tasks` have ended. */
  private endedTasks = 0;
  private logs: LogRow[] = [];
  private results = new Map<string, Buffer>();
  private jobs: DispatchJob[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** The next commit waits for the server (flush({ durable: true })). */
  private durableNext = false;
  private readonly commitListeners = new Set<() => void>();
  private readonly commit: (endedOnly: boolean) => void;

  /** Set while writes keep failing (busy, read-only, full disk): when the first failure happened, and how many since. */
  private failing: { since: number; attempts: number } | null = null;

  constructor(
    private readonly db: SqlDatabase,
    private readonly delayMs = 20,
    /** Where the writer says that writes started failing and that they recovered. */
    private readonly report: (line: string) => void = (line) => void process.stderr.write(line),
  ) {
    this.commit = (endedOnly) => {
      const results = this.results;
      const flows = this.flows;
      // The ended ones at the front (a flush at MAX_PENDING), or all of them.
      const prefix = endedOnly ? this.takeEndedPrefix() : null;
      const all = prefix ? null : this.tasks;
      const logs = this.logs;
      const jobs = this.jobs;
      this.results = new Map();
      this.flows = new Map();
      if (all) {
        this.tasks = new Map();
        this.endedTasks = 0;
      }
      this.logs = [];
      this.jobs = [];
      try {
        // Durable when a listener will report the commit (the console prints a state only once it is on disk), and
        // when it hands jobs to other processes (a rejected dispatch must fail here, not vanish).
        const durable = this.durableNext || jobs.length > 0 || this.commitListeners.size > 0;
        this.durableNext = false;
        this.db.runBatch(batchOf(this.db.dialect === "pg", results, flows.values(), prefix ?? all!.values(), logs, jobs), { durable });
      } catch (error) {
        // Nothing is lost: the batch goes back in front of what arrived meanwhile, and the next flush retries.
        for (const [k, v] of this.results) results.set(k, v);
        for (const [k, v] of this.flows) flows.set(k, v);
        const waiting = new Map<string, PendingTask>();
        for (const task of prefix ?? all!.values()) waiting.set(task.record.id, task);
        for (const [k, v] of this.tasks) waiting.set(k, v);
        this.endedTasks = 0;
        for (const v of waiting.values()) if (v.ended) this.endedTasks++;
        this.results = results;
        this.flows = flows;
        this.tasks = waiting;
        this.logs = logs.concat(this.logs);
        this.jobs = jobs.concat(this.jobs);
        throw error;
      }
      if (this.failing) {
        const { since, attempts } = this.failing;
        this.failing = null;
        this.report(`cellflow: store writes work again after ${attempts} failed attempt${attempts === 1 ? "" : "s"} over ${Date.now() - since} ms; nothing was lost\n`);
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
    return this.flows.size + this.tasks.size + this.logs.length + this.results.size + this.jobs.length;
  }

  flowRun(id: string, row: () => FlowRunRow): void {
    this.flows.set(id, row);
    this.schedule();
  }

  /** Write the task run `record` (with `extra`) at the next flush, as it is then. */
  taskRun(record: TaskRunRecord, extra: TaskRunExtra): void {
    const ended = isTerminal(record.state);
    const pending = this.tasks.get(record.id);
    if (pending) {
      pending.record = record;
      pending.extra = extra;
      if (pending.ended !== ended) this.endedTasks += ended ? 1 : -1;
      pending.ended = ended;
    } else {
      this.tasks.set(record.id, { record, extra, ended });
      if (ended) this.endedTasks++;
    }
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

  /**
   * Hand a task run to task workers: its job is added in the batch that writes its row, committed before this
   * process's next turn of the event loop (a dispatch waits for no timer).
   */
  dispatch(job: DispatchJob): void {
    this.jobs.push(job);
    if (this.jobs.length === 1) setImmediate(() => this.flushQuietly());
    this.schedule();
  }

  /** Pending task row for a run not yet flushed, so reads in this process see their own writes. */
  pendingTaskRow(id: string): TaskRunRow | undefined {
    const pending = this.tasks.get(id);
    return pending && taskRunToRow(pending.record, pending.extra);
  }

  pendingResult(ref: string): Buffer | undefined {
    return this.results.get(ref);
  }

  /** Commit what waits now; `durable` returns only once it is committed (on PostgreSQL a batch is otherwise posted). */
  flush(options: { durable?: boolean } = {}): void {
    if (options.durable) this.durableNext = true;
    this.stopTimer();
    if (this.pending === 0) {
      this.durableNext = false;
      return;
    }
    this.commit(false);
  }

  /**
   * The ended task runs at the front of the queue, taken out of it, for a flush at MAX_PENDING: rows are inserted in
   * creation order (task runs are listed by rowid), so one that has not ended holds back those after it. Null (write
   * everything) when those are too few: a long task run created early must not keep the ones after it in memory.
   * An array, read once: no second Map of them, nor an [id, task] pair per task run to build one.
   */
  private takeEndedPrefix(): PendingTask[] | null {
    if (this.endedTasks === this.tasks.size) return null;
    const prefix: PendingTask[] = [];
    for (const task of this.tasks.values()) {
      if (!task.ended) break;
      prefix.push(task);
    }
    if (prefix.length < this.endedTasks / 2) return null;
    for (const task of prefix) this.tasks.delete(task.record.id);
    this.endedTasks -= prefix.length;
    return prefix;
  }

  /**
   * Records waiting, not counting task runs that have not ended while they may wait (see MAX_WAITING): the console
   * prints a state once any batch commits, so while someone listens for commits every record is counted.
   */
  private get due(): number {
    const waiting = this.tasks.size - this.endedTasks;
    if (waiting >= MAX_WAITING || this.commitListeners.size > 0 || this.jobs.length > 0) return this.pending;
    return this.pending - waiting;
  }

  /** The flush at MAX_PENDING: what is due (see `due`), and the timer for the rest. */
  private flushDue(): void {
    this.stopTimer();
    const all = this.due === this.pending;
    this.commit(!all);
    if (this.pending > 0) this.schedule();
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** A flush from a timer or an immediate: a failure keeps the batch and is reported once; the timer retries. */
  private flushQuietly(): void {
    try {
      this.flush();
    } catch (error) {
      this.failed(error);
      this.schedule();
    }
  }

  private schedule(): void {
    // While writes fail, only the timer retries: a record queued meanwhile must not wait out another busy timeout.
    if (!this.failing && this.due >= MAX_PENDING) {
      try {
        this.flushDue();
        return;
      } catch (error) {
        this.failed(error); // the batch is kept; the timer retries
      }
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushQuietly();
    }, this.delayMs);
    this.timer.unref();
  }

  /** One line when writes start failing, not one per retry (every 20 ms); commit() says when they recover. */
  private failed(error: unknown): void {
    if (this.failing) {
      this.failing.attempts++;
      return;
    }
    this.failing = { since: Date.now(), attempts: 1 };
    this.report(`cellflow: store write failed, keeping ${this.pending} records and retrying every ${this.delayMs} ms: ${(error as Error).message}\n`);
  }
}
