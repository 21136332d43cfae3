// The worker: scheduler passes (create runs ahead, catch-up, Late), claims due runs and runs each in a child
// process, heartbeats what it claimed, turns runs whose process died into Crashed, and shuts down gracefully.

import os from "node:os";
import type { FlowRunRecord } from "../core/records.js";
import { isTerminal } from "../core/states.js";
import { getEngine } from "../engine/engine.js";
import { HEARTBEAT_MS, ownerId } from "../store/owner.js";
import { StoreConnectionLost } from "../store/store-errors.js";
import { schedulerPass, DEFAULT_LATE_AFTER_MS } from "../deploy/scheduler.js";
import { sendRunAlerts } from "../alerts/notify.js";
import { claimDueRuns, nextDueTime, touchClaimed } from "./claim.js";
import { spawnRunChild, type RunChild } from "./child.js";
import { ChildPool } from "./pool.js";
import type { JobQueue } from "./job-queue.js";
import { WORKER_LEASE_MS, WorkerLease } from "./lease.js";

export interface WorkerOptions {
  /** Runs at once. @default 4 */
  concurrency?: number;
  /** Claim what is due now, run it, exit. @default false */
  once?: boolean;
  /** Longest sleep between passes; the worker also wakes when the next run is due. @default 1000 */
  pollMs?: number;
  /** A run this far past its time is Late (and missed, for catch-up). @default 15000 */
  lateAfterMs?: number;
  /** On shutdown, how long running runs may finish before they are cancelled. @default 30000 */
  graceMs?: number;
  /** Where the worker's lines go. @default stdout */
  out?: (line: string) => void;
  /** Keep pre-started children waiting for runs, so a due run starts without paying Node's start-up. @default true, false with `once` */
  pool?: boolean;
}

export interface WorkerSummary {
  started: number;
  completed: number;
  failed: number;
}

/** After asking children to cancel, how long before they are killed. */
const CANCEL_KILL_MS = 10_000;
/**
 * The most pre-started children a worker keeps idle, whatever its concurrency: each holds a Node process with the
 * engine loaded (~60 MB, ~0.5 CPU-s to start). Runs due at one moment beyond these go to the children already
 * starting, then to fresh ones.
 */
export const MAX_IDLE_CHILDREN = 2;

export class Worker {
  private readonly owner = ownerId();
  private readonly children = new Map<string, RunChild>();
  private readonly alerts = new Set<Promise<void>>();
  private readonly options: Required<WorkerOptions>;
  private stopping = false;
  private wakeUp: (() => void) | null = null;
  private readonly summary: WorkerSummary = { started: 0, completed: 0, failed: 0 };
  private pool: ChildPool | null = null;
  /** PostgreSQL: the graphile-worker runner that hands this worker its deployment runs, and its lease. */
  private queue: JobQueue | null = null;
  private lease: WorkerLease | null = null;
  /** This worker's name in the store's worker table (a restarted process is a new worker). */
  private readonly workerId = `${os.hostname()}:${process.pid}:${crypto.randomUUID().slice(0, 8)}`;

  constructor(options: WorkerOptions = {}) {
    this.options = {
      concurrency: options.concurrency ?? 4,
      once: options.once ?? false,
      pollMs: options.pollMs ?? 1000,
      lateAfterMs: options.lateAfterMs ?? DEFAULT_LATE_AFTER_MS,
      graceMs: options.graceMs ?? 30_000,
      out: options.out ?? ((line) => process.stdout.write(line + "\n")),
      pool: options.pool ?? !options.once,
    };
  }

  /** The pool's ready children (for tests and benchmarks). */
  poolPids(): number[] {
    return this.pool?.readyPids() ?? [];
  }

  private log(message: string): void {
    this.options.out(`${new Date().toISOString().slice(11, 23)} worker: ${message}`);
  }

  /** Stop claiming; running runs get the grace period, then are cancelled. A second call cancels at once. */
  stop(): void {
    if (this.stopping) {
      this.options.graceMs = 0;
      this.cancelChildren();
    }
    this.stopping = true;
    this.wake();
  }

  private wake(): void {
    this.wakeUp?.();
  }

  /** Work until stopped (or, with `once`, until what was due at the start has run). */
  async run(): Promise<WorkerSummary> {
    const store = getEngine().store;
    const started = Date.now();
    this.log(`started (pid ${process.pid}, concurrency ${this.options.concurrency}${this.options.once ? ", once" : ""})`);
    if (this.options.pool) {
      // One idle child per free slot, at most MAX_IDLE_CHILDREN: a busy child leaves the pool, and its replacement
      // starts when it is done.
      const target = () => Math.min(MAX_IDLE_CHILDREN, this.options.concurrency - this.children.size);
      this.pool = new ChildPool({ home: store.home, out: this.options.out, target });
      // Started before the first claim or job: a run taken now goes to one of these, already loading.
      this.pool.fill();
    }
    // On PostgreSQL (not --once) runs come as graphile-worker jobs; --once claims what is due, as on SQLite.
    if (store.onPostgres && !this.options.once && !this.stopping) await this.startQueue();
    while (!this.stopping) {
      try {
        this.pass(started);
      } catch (error) {
        // The store's server went away (PostgreSQL restarted, failed over, or ended our session): the next pass
        // reconnects; runs already started go on in their children.
        if (!(error instanceof StoreConnectionLost)) throw error;
        this.log(`store unreachable (${error.message}); trying again at the next pass`);
      }
      const due = nextDueTime(store);
      if (this.options.once && this.children.size === 0 && (due === null || due > started)) break;
      const free = this.children.size < this.options.concurrency;
      const untilDue = due === null || !free ? this.options.pollMs : Math.max(0, due - Date.now());
      await this.sleep(Math.min(this.options.pollMs, untilDue));
    }
    await Promise.all([this.pool?.close(), this.drain(), this.stopQueue()]);
    await Promise.all(this.alerts);
    this.log(`stopped: ${this.summary.started} runs started, ${this.summary.completed} completed, ${this.summary.failed} not completed`);
    return this.summary;
  }

  private pass(startedAt: number): void {
    const store = getEngine().store;
    store.reapCrashed();
    const now = Date.now();
    const pass = schedulerPass(store, now, { lateAfterMs: this.options.lateAfterMs });
    for (const [name, n] of pass.skipped) this.log(`deployment ${name}: ${n} missed run${n === 1 ? "" : "s"} skipped by its catch-up policy`);
    for (const run of pass.late) {
      this.log(`run ${run.name} is Late: ${run.state.message}`);
      this.alert(run);
    }
    // --once runs what was due when it started, not what falls due while it works.
    const dueBy = this.options.once ? startedAt : now;
    if (!this.queue) {
      const claimed = claimDueRuns(store, this.owner, this.options.concurrency - this.children.size, dueBy);
      for (const run of claimed) void this.start(run);
    }
    touchClaimed(store, this.owner, [...this.children.keys()]);
    this.pool?.fill();
  }

  /** Install graphile-worker's schema, enqueue runs planned before it existed, heartbeat, reap, take jobs. */
  private async startQueue(): Promise<void> {
    const store = getEngine().store;
    const url = process.env.CELLFLOW_DATABASE_URL!.trim();
    const { installJobQueue, startJobQueue, DEPLOYMENT_RUN_TASK } = await import("./job-queue.js");
    await installJobQueue(url, (line) => this.log(line));
    const waiting = store.workQueue.enqueueWaiting();
    if (waiting > 0) this.log(`${waiting} waiting run${waiting === 1 ? "" : "s"} enqueued`);
    store.workQueue.beat(this.workerId, this.owner, []);
    const lease = new WorkerLease({ workerId: this.workerId, owner: this.owner, kind: "runs", queueIds: () => this.queue?.workerIds() ?? [], log: (line) => this.log(line) });
    this.queue = await startJobQueue({
      url,
      concurrency: this.options.concurrency,
      pollMs: Math.min(this.options.pollMs, HEARTBEAT_MS),
      tasks: {
        [DEPLOYMENT_RUN_TASK]: (payload) => {
          const id = (payload as { id?: unknown } | null)?.id;
          if (typeof id !== "string") throw new Error(`job payload has no run id: ${JSON.stringify(payload)}`);
          return this.handleJob(id);
        },
      },
      log: (line) => this.log(line),
    });
    this.lease = lease;
    lease.start();
    this.log(`taking deployment runs from graphile-worker as ${this.workerId} (heartbeat ${HEARTBEAT_MS}ms, lease ${WORKER_LEASE_MS}ms)`);
  }

  /** A deployment-run job: claim the run (compare-and-set, so it never runs twice) and run it in a child. */
  private async handleJob(id: string): Promise<void> {
    if (this.stopping) throw new Error("this worker is stopping; another takes the job");
    const run = getEngine().store.workQueue.claim(id, this.owner, this.workerId);
    // Ran already, taken by another worker, or cancelled: the job is done.
    if (!run) return;
    await this.start(run);
  }

  private async stopQueue(): Promise<void> {
    if (!this.queue) return;
    await this.queue.stop();
    this.queue = null;
    this.lease?.stop();
    this.lease = null;
  }

  /** Start `run` in a child; resolves once the child is gone and the outcome is recorded. */
  private start(run: FlowRunRecord): Promise<void> {
    const lateBy = run.scheduledTime === undefined ? 0 : Date.now() - run.scheduledTime;
    this.log(`run ${run.name} (${run.id.slice(0, 8)}) of ${run.flowName} starting, ${Math.max(0, lateBy)}ms after its time`);
    const child = this.pool?.take(run) ?? spawnRunChild(run, getEngine().store.home, this.options.out);
    this.children.set(run.id, child);
    this.summary.started += 1;
    return child.exited.then((code) => this.finish(run, code));
  }

  private finish(run: FlowRunRecord, code: number | string): void {
    this.children.delete(run.id);
    const store = getEngine().store;
    let record = store.findFlowRun(run.id);
    let detected = false;
    if (record.attempt > run.attempt) {
      // This worker was declared dead while it ran the run (paused, cut off): a newer attempt owns the run now.
      this.log(`run ${record.name} (${record.id.slice(0, 8)}) attempt ${run.attempt} was reaped and is at attempt ${record.attempt} elsewhere: this worker's late writes to it were refused`);
      this.summary.failed += 1;
      if (!this.stopping) this.pool?.fill();
      this.wake();
      return;
    }
    if (!isTerminal(record.state)) {
      detected = true;
      if (this.queue) {
        // PostgreSQL: Crashed, and on to its next attempt (a new job) as the flow's retries allow.
        const retried = store.workQueue.crashRun(run.id, run.attempt, `its process exited (${code}) before the run ended`);
        if (retried) this.log(`run ${run.name} (${run.id.slice(0, 8)}) Crashed with its process (${code}); attempt ${run.attempt + 1} enqueued`);
      } else if (record.state.type === "PENDING" && store.getFlowRunRow(run.id)?.owner === this.owner) {
        store.setFlowRunState(run.id, "Crashed", `its process exited (${code}) before the run started`);
      } else {
        store.reapCrashed();
      }
      record = store.findFlowRun(run.id);
    }
    if (record.state.type === "COMPLETED") this.summary.completed += 1;
    else this.summary.failed += 1;
    this.log(`run ${record.name} (${record.id.slice(0, 8)}) ${record.state.name}${record.state.type === "COMPLETED" ? "" : `: ${record.state.message}`}`);
    // A crash the child could not report is alerted here; the child alerts for what it saw itself.
    if (detected && record.state.type === "CRASHED") this.alert(record);
    if (!this.stopping) this.pool?.fill();
    this.wake();
  }

  private alert(run: FlowRunRecord): void {
    const sending = sendRunAlerts(run).finally(() => this.alerts.delete(sending));
    this.alerts.add(sending);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = null;
        done();
      };
    });
  }

  private cancelChildren(): void {
    for (const child of this.children.values()) child.process.kill("SIGTERM");
  }

  /** Let running children finish within the grace period, then cancel them, then kill what is left. */
  private async drain(): Promise<void> {
    if (this.children.size === 0) return;
    this.log(`waiting up to ${this.options.graceMs / 1000}s for ${this.children.size} running run${this.children.size === 1 ? "" : "s"}`);
    const allExited = () => Promise.all([...this.children.values()].map((c) => c.exited));
    const timeout = (ms: number) => new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), ms).unref());
    if ((await Promise.race([allExited(), timeout(this.options.graceMs)])) !== "timeout") return;
    this.log(`cancelling ${this.children.size} run${this.children.size === 1 ? "" : "s"}`);
    this.cancelChildren();
    if ((await Promise.race([allExited(), timeout(CANCEL_KILL_MS)])) !== "timeout") return;
    for (const child of this.children.values()) child.process.kill("SIGKILL");
    await allExited();
  }
}
