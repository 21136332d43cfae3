// `cellflow worker --tasks`: executes task runs that distributed flow runs dispatched (PostgreSQL only). It takes
// their jobs from graphile-worker, claims each task run (compare-and-set), imports the flow's module once, runs
// the task run through the engine in this process (retries, timeouts, logs, hooks, result storage) and commits
// its end before the job completes; the store notifies the waiting flow process. Heartbeats and reaps like any
// worker: a task worker that dies has its task runs crashed and retried elsewhere as their retries allow.

import os from "node:os";
import { CellflowError } from "../core/errors.js";
import type { TaskRunRow } from "../store/rows.js";
import { CancelledError, getEngine } from "../engine/engine.js";
import type { LiveTaskRun } from "../engine/context.js";
import { claimedTaskRun, decodeArgs, refuseDispatched, type DispatchPayload } from "../engine/dispatch.js";
import { executeDispatched } from "../engine/task-run.js";
import { TaskEntries } from "../runner/task-entry.js";
import { HEARTBEAT_MS, ownerId } from "../store/owner.js";
import { TASK_RUN_JOB } from "../store/task-queue.js";
import { WORKER_LEASE_MS, WorkerLease } from "./lease.js";
import type { JobQueue } from "./job-queue.js";

export interface TaskWorkerOptions {
  /** Task runs at once (their code's awaits overlap; CPU-bound code gains nothing past one). @default 32 */
  concurrency?: number;
  /** How often graphile-worker polls besides LISTEN/NOTIFY. @default 1000 */
  pollMs?: number;
  /** Where the worker's lines go. @default stdout */
  out?: (line: string) => void;
}

export interface TaskWorkerSummary {
  completed: number;
  /** Ended otherwise (Failed, TimedOut, Cancelled), or refused (other code, no such task). */
  failed: number;
}

/**
 * The worker's trips to the store, one per turn of the event loop: the ends of the task runs that finished are
 * committed and the task runs whose jobs just started are claimed, in one trip when both wait (the connection runs
 * requests in order, so the claim's answer also means the ends before it were written).
 */
class StoreTrips {
  private claims: Array<{ id: string; resolve: (row: ClaimedRow | undefined) => void; reject: (error: unknown) => void }> = [];
  private commits: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  private scheduled = false;

  constructor(private readonly workerId: string) {}

  claim(id: string): Promise<ClaimedRow | undefined> {
    return new Promise((resolve, reject) => {
      this.claims.push({ id, resolve, reject });
      this.schedule();
    });
  }

  commit(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.commits.push({ resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.trip());
  }

  private trip(): void {
    this.scheduled = false;
    const claims = this.claims;
    const commits = this.commits;
    this.claims = [];
    this.commits = [];
    const store = getEngine().store;
    let rows: Map<string, ClaimedRow>;
    try {
      if (claims.length === 0) {
        store.flush({ durable: true });
        rows = new Map();
      } else {
        store.flush();
        rows = new Map(store.taskQueue.claim(claims.map((c) => c.id), this.workerId).map((r) => [r.id, r]));
      }
    } catch (error) {
      for (const w of [...claims, ...commits]) w.reject(error);
      return;
    }
    for (const c of claims) c.resolve(rows.get(c.id));
    for (const c of commits) c.resolve();
  }
}

type ClaimedRow = TaskRunRow & { flow_info: string | null };

export class TaskWorker {
  /** This worker's name in the worker table and on the task runs it holds (a restarted process is a new worker). */
  readonly workerId = `${os.hostname()}:${process.pid}:tasks-${crypto.randomUUID().slice(0, 8)}`;
  private readonly owner = ownerId();
  private readonly options: Required<TaskWorkerOptions>;
  private readonly entries = new TaskEntries();
  /** Task runs executing here, by id: a job for one of them again (its row was taken from this worker meanwhile) waits. */
  private readonly running = new Map<string, LiveTaskRun | null>();
  private watch: NodeJS.Timeout | null = null;
  /** Task runs that ended here lately (id → when), checked when this worker learns it was declared dead. */
  private readonly recent = new Map<string, number>();
  /** Task runs executing when this worker learned it was declared dead: checked when they end. */
  private readonly suspect = new Set<string>();
  private readonly summary: TaskWorkerSummary = { completed: 0, failed: 0 };
  private stopped: (() => void) | null = null;
  private stopping = false;

  /** Claims of the jobs started and commits of the task runs ended in one turn: one trip to the store. */
  private readonly trips = new StoreTrips(this.workerId);

  constructor(options: TaskWorkerOptions = {}) {
    this.options = {
      concurrency: options.concurrency ?? 32,
      pollMs: options.pollMs ?? 1000,
      out: options.out ?? ((line) => process.stdout.write(line + "\n")),
    };
  }

  private log(message: string): void {
    this.options.out(`${new Date().toISOString().slice(11, 23)} task worker: ${message}`);
  }

  /** Stop taking jobs; the task runs in progress finish first. */
  stop(): void {
    this.stopping = true;
    this.stopped?.();
  }

  /** Work until stopped. */
  async run(): Promise<TaskWorkerSummary> {
    const store = getEngine().store;
    if (!store.onPostgres) {
      throw new CellflowError("USAGE", "cellflow worker --tasks needs the store on PostgreSQL (task runs come from flows on other machines)", "set CELLFLOW_DATABASE_URL=postgres://… (the same on every machine)");
    }
    const url = process.env.CELLFLOW_DATABASE_URL!.trim();
    store.asyncCommits();
    const { installJobQueue, startJobQueue } = await import("./job-queue.js");
    await installJobQueue(url, (line) => this.log(line));
    let queue: JobQueue | null = null;
    const lease = new WorkerLease({
      workerId: this.workerId,
      owner: this.owner,
      kind: "tasks",
      queueIds: () => queue?.workerIds() ?? [],
      log: (line) => this.log(line),
      onDeclaredDead: () => this.declaredDead(),
    });
    queue = await startJobQueue({
      url,
      concurrency: this.options.concurrency,
      pollMs: Math.min(this.options.pollMs, HEARTBEAT_MS),
      tasks: { [TASK_RUN_JOB]: (payload) => this.handle(payload as DispatchPayload) },
      // Task runs come in bursts (a fan-out): lock a few jobs ahead so a free slot needs no trip to the server.
      localQueueSize: this.options.concurrency * 2,
      log: (line) => this.log(line),
    });
    lease.start();
    this.watch = setInterval(() => this.stopTaken(), HEARTBEAT_MS);
    this.log(`started (pid ${process.pid}, concurrency ${this.options.concurrency}) as ${this.workerId}: taking task runs (heartbeat ${HEARTBEAT_MS}ms, lease ${WORKER_LEASE_MS}ms)`);
    if (!this.stopping) await new Promise<void>((resolve) => (this.stopped = resolve));
    this.log("stopping: finishing the task runs in progress");
    if (this.watch) clearInterval(this.watch);
    await queue.stop();
    store.flush({ durable: true });
    lease.stop();
    this.log(`stopped: ${this.summary.completed} task runs completed, ${this.summary.failed} not completed`);
    return this.summary;
  }

  private async handle(payload: DispatchPayload): Promise<void> {
    if (this.stopping) throw new Error("this task worker is stopping; another takes the job");
    if (typeof payload?.id !== "string") throw new Error(`job payload has no task run id: ${JSON.stringify(payload)}`);
    if (this.running.has(payload.id)) throw new Error(`task run ${payload.id} is still executing on this worker; the job runs again later`);
    const row = await this.trips.claim(payload.id);
    // Ended, cancelled, its flow run gone, or another worker holds it: the job is done.
    if (!row) return;
    this.running.set(payload.id, null);
    const engine = getEngine();
    try {
      let def;
      let args: unknown[];
      try {
        def = await this.entries.definition(payload);
        args = decodeArgs(payload, engine);
      } catch (error) {
        refuseDispatched(claimedTaskRun(row, this.workerId, false), error, engine);
        this.summary.failed++;
        this.log(`task run ${row.dynamic_key} refused: ${(error as Error).message}`);
        return;
      }
      const live = claimedTaskRun(row, this.workerId, def.options.logPrints ?? false);
      this.running.set(payload.id, live);
      const executing = executeDispatched(def, live, args);
      // Running reaches the store at the next trip, not at the writer's timer: a worker killed now leaves it there.
      void this.trips.commit().catch(() => {});
      await executing;
      if (live.record.state.type === "COMPLETED") this.summary.completed++;
      else this.summary.failed++;
    } finally {
      try {
        // The end is committed (and the flow process notified) before graphile-worker completes the job.
        await this.trips.commit();
      } finally {
        this.running.delete(payload.id);
        this.ended(payload.id);
      }
    }
  }

  private ended(id: string): void {
    const now = Date.now();
    this.recent.set(id, now);
    for (const [old, at] of this.recent) {
      if (at > now - 2 * WORKER_LEASE_MS) break;
      this.recent.delete(old);
    }
    if (this.suspect.delete(id)) this.reportTaken([id]);
  }

  /**
   * Task runs executing here that were taken from this worker (their flow run was cancelled or timed out, or a
   * reaper gave them to another worker) are aborted: their code's signal fires, and nothing they write lands.
   */
  private stopTaken(): void {
    if (this.running.size === 0) return;
    try {
      for (const t of getEngine().store.taskQueue.takenFrom([...this.running.keys()], this.workerId)) {
        const live = this.running.get(t.id);
        if (!live || live.controller.aborted) continue;
        this.log(`task run ${t.dynamic_key} (${t.id.slice(-8)}) was taken from this worker (its flow run was cancelled, or it runs elsewhere): stopping it here`);
        live.controller.abort(new CancelledError("taken from this task worker"));
      }
    } catch (error) {
      this.log(`could not check the task runs executing here: ${(error as Error).message}`);
    }
  }

  /** The reaper declared this worker dead while it was silent: say which of its task runs went elsewhere. */
  private declaredDead(): void {
    for (const id of this.running.keys()) this.suspect.add(id);
    this.reportTaken([...this.recent.keys()]);
  }

  private reportTaken(ids: string[]): void {
    try {
      for (const t of getEngine().store.taskQueue.takenFrom(ids, this.workerId)) {
        this.log(`task run ${t.dynamic_key} (${t.id.slice(-8)}) was taken from this worker while it was silent: its late writes were refused`);
      }
    } catch (error) {
      this.log(`could not check the task runs taken from this worker: ${(error as Error).message}`);
    }
  }
}
