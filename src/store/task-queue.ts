// Task runs a flow process hands to task workers through graphile-worker (PostgreSQL only): dispatching one with
// its job, a worker claiming it, the flow process reading the ones that ended, and cancelling one the flow no
// longer waits for. The reaper's part (a dead worker's task runs) is in work-queue.ts.

import { CellflowError } from "../core/errors.js";
import { Cancelled, type State } from "../core/states.js";
import type { TaskRunRow } from "./rows.js";
import { TERMINAL_TYPES_SQL, transitionRuns } from "./run-state.js";
import type { SqlDatabase } from "./sql.js";
import type { BatchWriter, DispatchJob } from "./writer.js";

/** The channel a task worker's commit notifies when a dispatched task run ends (PostgreSQL migration 9). */
export const TASK_END_CHANNEL = "cellflow_task_end";
/** graphile-worker's task name for a dispatched task run (its jobs are added by cellflow_dispatch_tasks). */
export const TASK_RUN_JOB = "cellflow.task_run";

/** The states a dispatched task run waits in for a worker: Pending, or AwaitingRetry after its worker died. */
const CLAIMABLE_SQL = "('PENDING', 'SCHEDULED')";

/** What a waiting flow process reads of a dispatched task run that ended: its end, not its inputs. */
export type EndedTaskRun = Pick<
  TaskRunRow,
  "id" | "state_type" | "state_name" | "state_message" | "state_ts" | "history" | "run_count" | "start_time" | "end_time" | "cache_reason" | "error" | "result_ref" | "cache_expires"
> & { seq: number; result_bytes: Buffer | null };

export class TaskQueue {
  constructor(
    private readonly db: SqlDatabase,
    private readonly writer: BatchWriter,
    private readonly listen: ((channel: string, listener: () => void) => () => void) | undefined,
  ) {}

  private requirePg(): void {
    if (this.db.dialect !== "pg") {
      throw new CellflowError("USAGE", "distributed task runs need the store on PostgreSQL", "set CELLFLOW_DATABASE_URL=postgres://… on every machine (see README, Scaling out)");
    }
  }

  /** Hand a task run (its row queued in the writer) to task workers: its job commits in the same batch. */
  dispatch(job: DispatchJob): void {
    this.requirePg();
    this.writer.dispatch(job);
  }

  /**
   * Claim dispatched task runs for worker `workerId`, each by a compare-and-set: waiting for a worker, held by
   * nobody, and its flow run still at that attempt and going. The claim counts the attempt (run_count), so one
   * that dies before its first write still used it. Returns the rows claimed (the others ended, were cancelled,
   * or another worker holds them). The flow run is checked by a scalar subquery, which PostgreSQL cannot turn into
   * a join: as an EXISTS it planned a scan of all the flow run's task runs (40 ms per claim at 10,000) over the
   * primary key lookup.
   */
  claim(ids: readonly string[], workerId: string): Array<TaskRunRow & { flow_info: string | null }> {
    this.requirePg();
    if (ids.length === 0) return [];
    return this.db
      .prepare(
        `UPDATE task_runs t SET worker_id = ?, run_count = t.run_count + 1
         WHERE t.id IN (${ids.map(() => "?").join(",")}) AND t.worker_id IS NULL AND t.max_retries IS NOT NULL AND t.state_type IN ${CLAIMABLE_SQL}
           AND (SELECT f.state_type FROM flow_runs f WHERE f.id = t.flow_run_id AND f.attempt = t.flow_attempt) IN ('PENDING', 'RUNNING')
         RETURNING t.*, (SELECT json_build_object('name', f.name, 'flowName', f.flow_name, 'parameters', f.parameters::json, 'attempt', f.attempt)::text FROM flow_runs f WHERE f.id = t.flow_run_id) AS flow_info`, // getRunContext().flowRun on the worker
      )
      .all(workerId, ...ids) as Array<TaskRunRow & { flow_info: string | null }>;
  }

  /** Of these task runs, the ones no longer held by `workerId` (a reaper took them from it). */
  takenFrom(ids: readonly string[], workerId: string): Array<{ id: string; dynamic_key: string }> {
    this.requirePg();
    if (ids.length === 0) return [];
    return this.db
      .prepare(`SELECT id, dynamic_key FROM task_runs WHERE id IN (${ids.map(() => "?").join(",")}) AND worker_id IS DISTINCT FROM ?`)
      .all(...ids, workerId) as Array<{ id: string; dynamic_key: string }>;
  }

  /** The newest change number of task runs: a flow process reads ended task runs from here on. */
  currentSeq(): number {
    this.requirePg();
    return Number((this.db.prepare("SELECT COALESCE(MAX(seq), 0) AS seq FROM task_runs").get() as { seq: number | string }).seq);
  }

  /**
   * Dispatched task runs of these flow runs that ended (a terminal state) in changes after `seq`, oldest first, each
   * with its result's bytes when they are inline in the database (one trip for a batch of ends and their results).
   */
  endedSince(flowRunIds: readonly string[], seq: number): EndedTaskRun[] {
    this.requirePg();
    if (flowRunIds.length === 0) return [];
    return this.db
      .prepare(
        `SELECT t.id, t.seq, t.state_type, t.state_name, t.state_message, t.state_ts, t.history, t.run_count, t.start_time, t.end_time,
                t.cache_reason, t.error, t.result_ref, t.cache_expires, r.bytes AS result_bytes
         FROM task_runs t LEFT JOIN results r ON r.ref = t.result_ref
         WHERE t.seq > ? AND t.flow_run_id IN (${flowRunIds.map(() => "?").join(",")})
         AND t.max_retries IS NOT NULL AND t.state_type IN ${TERMINAL_TYPES_SQL} ORDER BY t.seq`,
      )
      .all(seq, ...flowRunIds) as EndedTaskRun[];
  }

  /**
   * The flow process stops waiting for a dispatched task run (its flow was cancelled or timed out): it ends in
   * `state` and is taken from its worker, whose later writes are dropped. False when it had ended already.
   */
  abandon(id: string, state: State = Cancelled()): boolean {
    this.requirePg();
    return transitionRuns(this.db, "task_runs", { state, set: { worker_id: null }, where: `id = ? AND state_type NOT IN ${TERMINAL_TYPES_SQL}`, args: [id] }) === 1;
  }

  /** Call `listener` when a dispatched task run ends (any process's commit); returns a remover. */
  onTaskEnd(listener: () => void): () => void {
    this.requirePg();
    if (!this.listen) throw new Error("this store cannot listen for notifications");
    return this.listen(TASK_END_CHANNEL, listener);
  }

  /** Task workers that heartbeat now (within `staleMs`). */
  liveTaskWorkers(staleMs: number, now = Date.now()): number {
    this.requirePg();
    return Number((this.db.prepare("SELECT COUNT(*) AS n FROM cellflow_workers WHERE kind = 'tasks' AND heartbeat >= ?").get(now - staleMs) as { n: number | string }).n);
  }
}
