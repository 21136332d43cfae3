// A worker's lease on PostgreSQL: its heartbeat in the store's worker table, and the reaper pass that follows each
// beat (one reaper at a time across machines): workers that stopped beating are declared dead, their deployment
// runs and task runs crashed and retried as allowed, their graphile-worker locks freed.

import { getEngine } from "../engine/engine.js";
import { HEARTBEAT_MS } from "../store/owner.js";

/**
 * A worker whose heartbeat is older than this is dead to the other workers' reaper (CELLFLOW_WORKER_LEASE_MS;
 * default three heartbeats, CELLFLOW_HEARTBEAT_MS).
 */
export const WORKER_LEASE_MS = Number(process.env.CELLFLOW_WORKER_LEASE_MS) || 3 * HEARTBEAT_MS;

export interface LeaseOptions {
  workerId: string;
  owner: string;
  kind: "runs" | "tasks";
  /** graphile-worker's ids of this process's runner, freed by the reaper if this worker dies. */
  queueIds: () => string[];
  log: (message: string) => void;
  /** Called when this worker finds it was declared dead while silent (paused, cut off): its runs went elsewhere. */
  onDeclaredDead?: () => void;
}

export class WorkerLease {
  private timer: NodeJS.Timeout | null = null;
  private registered = false;
  /** When this worker last beat, and until when it leaves reaping to the others (see beat()). */
  private lastBeat = 0;
  private reapAfter = 0;

  constructor(private readonly options: LeaseOptions) {}

  /** Beat now, then twice per heartbeat interval. */
  start(): void {
    this.beat();
    this.timer = setInterval(() => this.beat(), Math.max(10, Math.round(HEARTBEAT_MS / 2)));
  }

  /** Stop beating and leave the worker table: nothing of this worker is left for a reaper. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    getEngine().store.workQueue.leave(this.options.workerId);
  }

  /** Heartbeat this worker, then reap (if no other worker's reaper is at it) the workers that stopped beating. */
  beat(): void {
    const { workerId, owner, kind, queueIds, log } = this.options;
    const store = getEngine().store;
    try {
      const now = Date.now();
      const { inserted } = store.workQueue.beat(workerId, owner, queueIds(), now, kind);
      const declaredDead = inserted && this.registered;
      if (declaredDead) {
        log(`this worker was declared dead by the others (no heartbeat within the lease, ${WORKER_LEASE_MS} ms): what it held runs elsewhere, and its late writes to it are refused`);
        this.options.onDeclaredDead?.();
      }
      // A worker that was itself silent past the lease (paused, or a starved or suspended machine) does not reap
      // until it has beaten for a lease again: the others' heartbeats may be late for the same reason, and the
      // workers that stayed awake judge them meanwhile.
      if (declaredDead || (this.lastBeat > 0 && now - this.lastBeat > WORKER_LEASE_MS)) this.reapAfter = now + WORKER_LEASE_MS;
      this.registered = true;
      this.lastBeat = now;
      if (now < this.reapAfter) return;
      const report = store.workQueue.reap(WORKER_LEASE_MS, Date.now(), Math.min(WORKER_LEASE_MS, HEARTBEAT_MS));
      for (const dead of report?.workers ?? []) {
        log(`worker ${dead} stopped heartbeating: declared dead, its queue locks freed${report?.gone?.includes(dead) ? " (its database session is gone)" : ""}`);
      }
      for (const run of report?.crashed ?? []) {
        if (run.requeued) log(`run ${run.name} (${run.id.slice(0, 8)}) was claimed by the dead worker but never started: back in the queue`);
        else log(`run ${run.name} (${run.id.slice(0, 8)}) attempt ${run.attempt} Crashed with its worker${run.retried ? `; attempt ${run.attempt + 1} enqueued` : ""}`);
      }
      for (const task of report?.tasks ?? []) {
        log(`task run ${task.key} (${task.id.slice(-8)}) attempt ${task.attempt} Crashed with its worker${task.retried ? `; attempt ${task.attempt + 1} back in the queue` : ""}`);
      }
    } catch (error) {
      log(`heartbeat failed (retrying): ${(error as Error).message}`);
    }
  }
}
