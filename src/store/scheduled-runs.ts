// Scheduled flow runs: planned ahead of time (idempotently), moved between states by the scheduler, claimed by
// workers. Every statement deployments and workers run on flow_runs is here; state changes go through run-state.

import type { FlowRunRecord } from "../core/records.js";
import type { State, StateName } from "../core/states.js";
import { flowRunFromRow, type FlowRunRow } from "./rows.js";
import { encodeHistory, stateNamed, transitionRuns } from "./run-state.js";
import type { SqlDatabase } from "./sql.js";

/** A run to plan: its deployment's flow, name and parameters, due at `scheduledTime`. */
export interface NewScheduledRun {
  flowName: string;
  name: string;
  entrypoint: string;
  deploymentId: string;
  parameters: Record<string, unknown>;
  scheduledTime: number;
  message: string;
  /** The unique key that makes planning idempotent (one run per deployment and time); null for an ad-hoc run. */
  idempotencyKey: string | null;
}

/** Unclaimed and Scheduled (or Late): the only runs the scheduler and workers may move. */
const UNCLAIMED = "state_type = 'SCHEDULED' AND owner IS NULL";

export class ScheduledRuns {
  constructor(private readonly db: SqlDatabase) {}

  /** Insert a Scheduled run; returns its id, or null when a run with its idempotency key exists already. */
  insert(run: NewScheduledRun, now = Date.now()): string | null {
    const id = crypto.randomUUID();
    const state = stateNamed("Scheduled", run.message, now);
    // On PostgreSQL the run's graphile-worker job commits with it (work-queue.ts): no run without its job.
    if (this.db.dialect === "pg") return this.db.transaction(() => (this.insertRow(id, run, state, now) ? this.enqueued(id, run.scheduledTime) : null));
    return this.insertRow(id, run, state, now) ? id : null;
  }

  private enqueued(id: string, runAt: number): string {
    this.db.prepare("SELECT cellflow_enqueue_run(?, ?, 'unsafe_dedupe')").get(id, runAt);
    return id;
  }

  private insertRow(id: string, run: NewScheduledRun, state: State, now: number): boolean {
    const { changes } = this.db
      .prepare(
        `INSERT INTO flow_runs (id, flow_name, name, state_type, state_name, state_message, state_ts, history, parameters, attempt,
           created_at, entrypoint, deployment_id, tags, scheduled_time, idempotency_key)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, '[]', ?, ?)
         ON CONFLICT DO NOTHING`,
      )
      .run(id, run.flowName, run.name, state.type, state.name, state.message, state.timestamp, encodeHistory([state]), JSON.stringify(run.parameters), now, run.entrypoint, run.deploymentId, run.scheduledTime, run.idempotencyKey);
    return changes === 1;
  }

  /** Planned (keyed) runs due at or before `before`, unclaimed, oldest first: what catch-up looks at. */
  missed(before: number): Array<{ id: string; deploymentId: string }> {
    const rows = this.db
      .prepare(`SELECT id, deployment_id FROM flow_runs WHERE ${UNCLAIMED} AND idempotency_key IS NOT NULL AND scheduled_time <= ? ORDER BY scheduled_time`)
      .all(before) as Array<{ id: string; deployment_id: string }>;
    return rows.map((r) => ({ id: r.id, deploymentId: r.deployment_id }));
  }

  /** Runs still named Scheduled, unclaimed, due at or before `before`: the ones to mark Late. */
  overdue(before: number): Array<{ id: string; scheduledTime: number }> {
    const rows = this.db
      .prepare(`SELECT id, scheduled_time FROM flow_runs WHERE ${UNCLAIMED} AND state_name = 'Scheduled' AND scheduled_time <= ?`)
      .all(before) as Array<{ id: string; scheduled_time: number }>;
    return rows.map((r) => ({ id: r.id, scheduledTime: r.scheduled_time }));
  }

  /**
   * Move unclaimed Scheduled/Late runs to the state `name`. Only rows still SCHEDULED and unowned change, so a run
   * a worker claimed meanwhile is left alone. Returns the ids that changed.
   */
  move(ids: string[], name: StateName, message: string, now = Date.now()): string[] {
    const state = stateNamed(name, message, now);
    return ids.filter((id) => transitionRuns(this.db, "flow_runs", { state, where: `id = ? AND ${UNCLAIMED}`, args: [id] }) === 1);
  }

  /**
   * Claim up to `limit` runs due at `now` (oldest first) for `owner`, moving them Scheduled → Pending in one write
   * transaction, so two workers never claim the same run. Only one deployment's runs when `deploymentId` is given.
   */
  claimDue(owner: string, limit: number, now: number, deploymentId?: string): FlowRunRecord[] {
    if (limit <= 0) return [];
    const only = deploymentId === undefined ? "" : " AND deployment_id = ?";
    const select = this.db.prepare(`SELECT id FROM flow_runs WHERE ${UNCLAIMED} AND scheduled_time <= ?${only} ORDER BY scheduled_time, created_at LIMIT ?`);
    const reread = this.db.prepare("SELECT * FROM flow_runs WHERE id = ?");
    const state = stateNamed("Pending", `claimed by worker ${owner.split(":").slice(0, -1).join(":")}`, now);
    return this.db.transaction(() => {
      const claimed: FlowRunRecord[] = [];
      const due = (deploymentId === undefined ? select.all(now, limit) : select.all(now, deploymentId, limit)) as Array<{ id: string }>;
      for (const { id } of due) {
        const moved = transitionRuns(this.db, "flow_runs", { state, set: { owner, heartbeat: now }, where: `id = ? AND ${UNCLAIMED}`, args: [id] });
        if (moved === 1) claimed.push(flowRunFromRow(reread.get(id) as FlowRunRow));
      }
      return claimed;
    });
  }

  /** When the next unclaimed run (of one deployment, when given) is due, or null when none is scheduled. */
  nextDueTime(deploymentId?: string): number | null {
    const row =
      deploymentId === undefined
        ? this.db.prepare(`SELECT MIN(scheduled_time) AS t FROM flow_runs WHERE ${UNCLAIMED}`).get()
        : this.db.prepare(`SELECT MIN(scheduled_time) AS t FROM flow_runs WHERE ${UNCLAIMED} AND deployment_id = ?`).get(deploymentId);
    return (row as { t: number | null }).t;
  }

  /** Touch the heartbeat of runs `owner` claimed and still owns. */
  touchClaimed(owner: string, ids: string[], now = Date.now()): void {
    if (ids.length === 0) return;
    this.db.prepare(`UPDATE flow_runs SET heartbeat = ? WHERE owner = ? AND id IN (${ids.map(() => "?").join(",")})`).run(now, owner, ...ids);
  }
}
