// Crash detection: runs left Pending/Running/Cancelling by a process that is gone are marked Crashed,
// with their unfinished task runs, and the tag concurrency slots that process held are released.

import type { Store } from "./store.js";
import { ownerAlive } from "./owner.js";
import { ACTIVE_FLOW_TYPES_SQL, stateNamed, transitionRuns } from "./run-state.js";

/** A run owned by another host counts as crashed when its heartbeat is older than this. */
export const REMOTE_HEARTBEAT_STALE_MS = 90_000;

export function reapCrashedRuns(store: Store): number {
  const db = store.db;
  const candidates = db
    // On PostgreSQL a run claimed through the work queue is its worker's reaper's (work-queue.ts), which retries it.
    .prepare(`SELECT id, owner, heartbeat FROM flow_runs WHERE state_type IN ${ACTIVE_FLOW_TYPES_SQL} AND owner IS NOT NULL${db.dialect === "pg" ? " AND worker_id IS NULL" : ""}`)
    .all() as Array<{ id: string; owner: string; heartbeat: number | null }>;
  const now = Date.now();
  const dead = candidates.filter((c) => {
    const alive = ownerAlive(c.owner);
    if (alive === "unknown") return (c.heartbeat ?? 0) < now - REMOTE_HEARTBEAT_STALE_MS;
    return !alive;
  });
  releaseDeadSlots(store);
  if (dead.length === 0) return 0;

  const unfinishedTasks = db.prepare("SELECT id FROM task_runs WHERE flow_run_id = ? AND state_type IN ('PENDING', 'RUNNING', 'SCHEDULED', 'CANCELLING')");
  let count = 0;
  db.transaction(() => {
    let seq = (db.prepare("SELECT MAX(seq) AS n FROM task_runs").get() as { n: number | null }).n ?? 0;
    for (const run of dead) {
      const state = stateNamed("Crashed", `the process that ran it (${run.owner.split(":").slice(0, -1).join(":")}) is gone`, now);
      count += transitionRuns(db, "flow_runs", { state, where: `id = ? AND state_type IN ${ACTIVE_FLOW_TYPES_SQL}`, args: [run.id] });
      // Each changed task run takes the next change `seq`, as the batch writer's writes do.
      for (const { id } of unfinishedTasks.all(run.id) as Array<{ id: string }>) {
        transitionRuns(db, "task_runs", { state, set: { seq: ++seq }, where: "id = ?", args: [id] });
      }
    }
  });
  return count;
}

/**
 * Release tag concurrency slots whose owner process is gone: dead on this host, or on another host with no run
 * of it heartbeating for REMOTE_HEARTBEAT_STALE_MS. Called when the store opens and by every slot waiter while it
 * waits, so a SIGKILLed holder never blocks a tag. Returns how many slots were released.
 */
export function releaseDeadSlots(store: Store): number {
  const db = store.db;
  const owners = db.prepare("SELECT DISTINCT owner FROM concurrency_slots").all() as Array<{ owner: string }>;
  if (owners.length === 0) return 0;
  const lastBeat = db.prepare("SELECT max(heartbeat) AS beat FROM flow_runs WHERE owner = ?");
  const now = Date.now();
  const dead = owners
    .map((o) => o.owner)
    .filter((owner) => {
      const alive = ownerAlive(owner);
      if (alive !== "unknown") return !alive;
      const beat = (lastBeat.get(owner) as { beat: number | null }).beat ?? 0;
      return beat < now - REMOTE_HEARTBEAT_STALE_MS;
    });
  if (dead.length === 0) return 0;
  const release = db.prepare("DELETE FROM concurrency_slots WHERE owner = ?");
  let count = 0;
  db.transaction(() => {
    for (const owner of dead) count += release.run(owner).changes;
  });
  return count;
}
