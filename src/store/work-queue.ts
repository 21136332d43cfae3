// Deployment runs handed out through graphile-worker on PostgreSQL: claiming a run for a job, worker heartbeats,
// and the reaper that declares a silent worker dead, crashes its runs, re-enqueues them as their retries allow and
// frees its graphile-worker locks at once. All of it is SQL on the store's connection; PostgreSQL only.

import type { FlowRunRecord } from "../core/records.js";
import { CellflowError } from "../core/errors.js";
import { flowRunFromRow, type FlowRunRow } from "./rows.js";
import { ACTIVE_FLOW_TYPES_SQL, stateNamed, TERMINAL_TYPES_SQL, transitionRuns } from "./run-state.js";
import type { SqlDatabase } from "./sql.js";

/** The advisory lock only one reaper holds at a time (any constant; this one spells "cfreaper"). */
const REAPER_LOCK = 0x6366726561706572n;

/**
 * The dead workers (values: lease start, lease start, gone start): silent for the whole lease, or silent for `goneMs`
 * with their store session gone (a killed process's connection is closed by the server at once; a live worker beats
 * twice per heartbeat and reconnects).
 */
const DEAD_WORKERS_SQL = `SELECT id, owner, queue_ids, heartbeat >= ? AS within_lease FROM cellflow_workers w WHERE heartbeat < ?
  OR (heartbeat < ? AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = w.backend_pid AND a.datname = current_database()))`;

/** What one reaper pass did: the workers it declared dead and the runs it crashed, and which of them run again. */
export interface ReapReport {
  workers: string[];
  /** Of those, the ones found by their closed database session before their lease ran out (absent when none). */
  gone?: string[];
  /** Runs crashed (and retried as their next attempt when allowed), or `requeued` as they were when never started. */
  crashed: Array<{ id: string; name: string; attempt: number; retried: boolean; requeued?: boolean }>;
  /** Dispatched task runs the dead workers held: Crashed, and back in the queue as their next attempt when retries allow. */
  tasks: Array<{ id: string; key: string; attempt: number; retried: boolean }>;
}

export class WorkQueue {
  constructor(private readonly db: SqlDatabase) {}

  private requirePg(): void {
    if (this.db.dialect !== "pg") throw new CellflowError("USAGE", "the work queue needs the store on PostgreSQL", "set CELLFLOW_DATABASE_URL=postgres://…");
  }

  /**
   * Add the job of run `id` (due at `runAt`, ms) in the caller's transaction; false when graphile-worker's schema is
   * not installed yet (the first worker enqueues waiting runs). `replace` gives a run whose job is being worked on
   * (its handler is still running) a new job; the default keeps an existing job, locked or not.
   */
  enqueue(id: string, runAt: number, mode: "unsafe_dedupe" | "replace" = "unsafe_dedupe"): boolean {
    this.requirePg();
    return (this.db.prepare("SELECT cellflow_enqueue_run(?, ?, ?) AS added").get(id, runAt, mode) as { added: boolean }).added;
  }

  /** Enqueue every unclaimed Scheduled run (idempotent): runs planned before graphile-worker's schema existed. */
  enqueueWaiting(): number {
    this.requirePg();
    const rows = this.db.prepare("SELECT id, scheduled_time FROM flow_runs WHERE state_type = 'SCHEDULED' AND owner IS NULL AND scheduled_time IS NOT NULL").all() as Array<{ id: string; scheduled_time: number }>;
    this.db.transaction(() => {
      for (const r of rows) this.enqueue(r.id, r.scheduled_time);
    });
    if (rows.length > 0) this.db.exec(`SELECT pg_notify('jobs:insert', '{"count":${rows.length}}')`);
    return rows.length;
  }

  /**
   * Claim run `id` for a job: Scheduled (or Late, or awaiting a retry) and unowned → Pending, owned by `owner` of
   * worker `workerId`. A compare-and-set: of two workers holding a job for the same run, one claims it. Null when
   * the run is not claimable (it ran already, another worker has it, or it is not due yet).
   */
  claim(id: string, owner: string, workerId: string, now = Date.now()): FlowRunRecord | null {
    this.requirePg();
    const state = stateNamed("Pending", `claimed by worker ${owner.split(":").slice(0, -1).join(":")}`, now);
    const moved = transitionRuns(this.db, "flow_runs", {
      state,
      set: { owner, heartbeat: now, worker_id: workerId },
      where: "id = ? AND state_type = 'SCHEDULED' AND owner IS NULL AND scheduled_time <= ?",
      args: [id, now],
    });
    if (moved !== 1) return null;
    return flowRunFromRow(this.db.prepare("SELECT * FROM flow_runs WHERE id = ?").get(id) as FlowRunRow);
  }

  /**
   * Register or touch worker `id` (with its graphile-worker ids, for force_unlock_workers): a `cellflow worker` of
   * deployment runs ("runs") or of dispatched task runs ("tasks").
   */
  beat(id: string, owner: string, queueIds: string[], now = Date.now(), kind: "runs" | "tasks" = "runs"): { inserted: boolean } {
    this.requirePg();
    const row = this.db
      .prepare(
        `INSERT INTO cellflow_workers (id, owner, started_at, heartbeat, queue_ids, kind, backend_pid) VALUES (?, ?, ?, ?, ?, ?, pg_backend_pid())
         ON CONFLICT (id) DO UPDATE SET heartbeat = excluded.heartbeat, queue_ids = excluded.queue_ids, backend_pid = excluded.backend_pid
         RETURNING (xmax = 0) AS inserted`,
      )
      .get(id, owner, now, now, JSON.stringify(queueIds), kind) as { inserted: boolean };
    // A worker that beat before and is inserted again was declared dead (and removed) by a reaper meanwhile.
    return { inserted: row.inserted };
  }

  /** A worker that stops cleanly says so: nothing of it is left for a reaper. */
  leave(id: string): void {
    this.requirePg();
    this.db.prepare("DELETE FROM cellflow_workers WHERE id = ?").run(id);
  }

  /** Workers that heartbeat now (last beat within `staleMs`): id, owner, last beat. */
  liveWorkers(staleMs: number, now = Date.now()): Array<{ id: string; owner: string; heartbeat: number }> {
    this.requirePg();
    return this.db.prepare("SELECT id, owner, heartbeat FROM cellflow_workers WHERE heartbeat >= ? ORDER BY id").all(now - staleMs) as Array<{ id: string; owner: string; heartbeat: number }>;
  }

  /**
   * One reaper pass, by whoever gets the reaper lock (others return null at once): every worker whose last beat is
   * older than `staleMs` is dead; its runs still Pending/Running/Cancelling are Crashed with their unfinished task
   * runs, and each run whose flow allows another attempt (crash_retries) moves on to it: AwaitingRetry, unowned,
   * attempt + 1, its job kept (or added). Then graphile-worker's locks of the dead workers are freed, all in one
   * transaction, and the workers are told a job is ready.
   */
  reap(staleMs: number, now = Date.now(), goneMs = staleMs): ReapReport | null {
    this.requirePg();
    // Most passes find nobody dead: a read says so without the transaction, which takes the store's write lock.
    const found = this.db.prepare(`SELECT EXISTS (${DEAD_WORKERS_SQL}) AS any`).get(now - staleMs, now - staleMs, now - goneMs) as { any: boolean };
    if (!found.any) {
      return { workers: [], crashed: [], tasks: [] };
    }
    return this.db.transaction(() => {
      const { got } = this.db.prepare(`SELECT pg_try_advisory_xact_lock(${REAPER_LOCK}) AS got`).get() as { got: boolean };
      if (!got) return null;
      const dead = this.db.prepare(DEAD_WORKERS_SQL).all(now - staleMs, now - staleMs, now - goneMs) as Array<{ id: string; owner: string; queue_ids: string; within_lease: boolean }>;
      const report: ReapReport = { workers: dead.map((w) => w.id), crashed: [], tasks: [] };
      const gone = dead.filter((w) => w.within_lease).map((w) => w.id);
      if (gone.length > 0) report.gone = gone;
      if (dead.length === 0) return report;
      const runs = this.db
        .prepare(`SELECT id, name, attempt, crash_retries, worker_id, owner, state_type FROM flow_runs WHERE worker_id IN (${dead.map(() => "?").join(",")}) AND state_type IN ${ACTIVE_FLOW_TYPES_SQL}`)
        .all(...dead.map((w) => w.id)) as Array<{ id: string; name: string; attempt: number; crash_retries: number | null; worker_id: string; owner: string; state_type: string }>;
      const workerOwners = new Set(dead.map((w) => w.owner));
      for (const run of runs) {
        // Claimed, but no child took it over yet: it never started, so it goes back to the queue as it was.
        if (run.state_type === "PENDING" && workerOwners.has(run.owner)) {
          const back = stateNamed("Scheduled", `put back: its worker ${run.worker_id} died before starting it`, now);
          transitionRuns(this.db, "flow_runs", { state: back, set: { owner: null, worker_id: null, heartbeat: null }, where: "id = ? AND state_type = 'PENDING' AND owner = ?", args: [run.id, run.owner] });
          report.crashed.push({ id: run.id, name: run.name, attempt: run.attempt, retried: true, requeued: true });
          continue;
        }
        const retried = this.crash(run, `its worker ${run.worker_id} stopped heartbeating (lease ${staleMs} ms)`, "unsafe_dedupe", now);
        report.crashed.push({ id: run.id, name: run.name, attempt: run.attempt, retried });
      }
      report.tasks = this.crashTaskRuns(dead.map((w) => w.id), `its task worker stopped heartbeating (lease ${staleMs} ms)`, now);
      const queueIds = dead.flatMap((w) => JSON.parse(w.queue_ids) as string[]);
      if (queueIds.length > 0 && this.hasQueue()) {
        this.db.prepare("SELECT graphile_worker.force_unlock_workers(ARRAY(SELECT json_array_elements_text(?::json)))").get(JSON.stringify(queueIds));
        this.db.exec(`SELECT pg_notify('jobs:insert', '{"count":${Math.max(1, runs.length)}}')`);
      }
      this.db.prepare(`DELETE FROM cellflow_workers WHERE id IN (${dead.map(() => "?").join(",")})`).run(...dead.map((w) => w.id));
      return report;
    });
  }

  /**
   * Attempt `attempt` of a claimed run whose child died under its (live) worker: Crashed, and on to its next attempt as its retries
   * allow, with a new job (its current one ends with the handler). Returns whether it runs again.
   */
  crashRun(id: string, attempt: number, message: string, now = Date.now()): boolean {
    this.requirePg();
    return this.db.transaction(() => {
      const run = this.db.prepare(`SELECT id, attempt, crash_retries FROM flow_runs WHERE id = ? AND attempt = ? AND state_type IN ${ACTIVE_FLOW_TYPES_SQL}`).get(id, attempt) as { id: string; attempt: number; crash_retries: number | null } | undefined;
      return run ? this.crash(run, message, "replace", now) : false;
    });
  }

  /** Crash one active run (and its unfinished task runs); move it on to its next attempt when its retries allow. */
  private crash(run: { id: string; attempt: number; crash_retries: number | null }, message: string, mode: "unsafe_dedupe" | "replace", now: number): boolean {
    const crashed = stateNamed("Crashed", message, now);
    const moved = transitionRuns(this.db, "flow_runs", { state: crashed, where: `id = ? AND attempt = ? AND state_type IN ${ACTIVE_FLOW_TYPES_SQL}`, args: [run.id, run.attempt] });
    if (moved !== 1) return false;
    transitionRuns(this.db, "task_runs", { state: crashed, where: "flow_run_id = ? AND flow_attempt = ? AND state_type IN ('PENDING', 'RUNNING', 'SCHEDULED', 'CANCELLING')", args: [run.id, run.attempt] });
    if (run.attempt > (run.crash_retries ?? 0)) return false;
    const retry = stateNamed("AwaitingRetry", `attempt ${run.attempt + 1} after a crash (retry ${run.attempt} of ${run.crash_retries})`, now);
    transitionRuns(this.db, "flow_runs", {
      state: retry,
      set: { attempt: run.attempt + 1, owner: null, worker_id: null, heartbeat: null, start_time: null, end_time: null, error: null, scheduled_time: now },
      where: "id = ? AND state_type = 'CRASHED'",
      args: [run.id],
    });
    this.enqueue(run.id, now, mode);
    return true;
  }

  /**
   * The unfinished task runs these (dead) task workers held: Crashed, and, when the task's retries allow another
   * attempt, AwaitingRetry and held by nobody, so the job (freed by force_unlock_workers) runs it on another worker.
   * Taking the row from its worker drops that worker's late writes (the writer's fenced upsert).
   */
  private crashTaskRuns(workerIds: string[], message: string, now: number): ReapReport["tasks"] {
    const rows = this.db
      .prepare(`SELECT id, dynamic_key, run_count, max_retries, worker_id FROM task_runs WHERE worker_id IN (${workerIds.map(() => "?").join(",")}) AND state_type NOT IN ${TERMINAL_TYPES_SQL}`)
      .all(...workerIds) as Array<{ id: string; dynamic_key: string; run_count: number; max_retries: number | null; worker_id: string }>;
    const out: ReapReport["tasks"] = [];
    for (const row of rows) {
      const crashed = stateNamed("Crashed", `${message}: worker ${row.worker_id}`, now);
      const retried = row.run_count <= (row.max_retries ?? 0);
      // Held by nobody from now on: the dead worker's late writes no longer match the row and are dropped.
      if (transitionRuns(this.db, "task_runs", { state: crashed, set: { worker_id: null }, where: "id = ? AND worker_id = ?", args: [row.id, row.worker_id] }) !== 1) continue;
      if (retried) {
        const retry = stateNamed("AwaitingRetry", `attempt ${row.run_count + 1} after its worker crashed`, now);
        transitionRuns(this.db, "task_runs", { state: retry, set: { end_time: null }, where: "id = ?", args: [row.id] });
      }
      out.push({ id: row.id, key: row.dynamic_key, attempt: row.run_count, retried });
    }
    return out;
  }

  /** Whether graphile-worker's schema is installed (a worker installs it at start). */
  private hasQueue(): boolean {
    return (this.db.prepare("SELECT to_regproc('graphile_worker.force_unlock_workers') IS NOT NULL AS present").get() as { present: boolean }).present;
  }
}
