// Scheduled flow runs as rows: inserted ahead of time (idempotently), moved between SCHEDULED states in bulk SQL.

import type { SqlDatabase } from "../store/sql.js";
import { runName } from "../engine/run-names.js";
import type { Store } from "../store/store.js";
import type { DeploymentRecord } from "./types.js";

/** One deployment run per (deployment, scheduled time): the idempotency key the unique index holds. */
export function slotKey(deploymentId: string, time: number): string {
  return `${deploymentId}@${time}`;
}

/**
 * Insert a Scheduled flow run due at `time`. With `auto` it carries the slot key, so inserting the same slot twice
 * (two workers planning at once) makes one run; ad-hoc runs have no key. Returns the run id, or null when it existed.
 */
export function insertScheduledRun(store: Store, deployment: DeploymentRecord, time: number, parameters: Record<string, unknown>, message: string, auto: boolean): string | null {
  const id = crypto.randomUUID();
  const now = Date.now();
  const history = JSON.stringify([["Scheduled", now, message]]);
  const { changes } = store.db
    .prepare(
      `INSERT OR IGNORE INTO flow_runs (id, flow_name, name, state_type, state_name, state_message, state_ts, history, parameters, attempt,
         created_at, entrypoint, deployment_id, tags, scheduled_time, idempotency_key)
       VALUES (?, ?, ?, 'SCHEDULED', 'Scheduled', ?, ?, ?, ?, 1, ?, ?, ?, '[]', ?, ?)`,
    )
    .run(id, deployment.flowName, runName(deployment.flowName), message, now, history, JSON.stringify(parameters), now, deployment.entrypoint, deployment.id, time, auto ? slotKey(deployment.id, time) : null);
  return changes === 1 ? id : null;
}

/**
 * Move unclaimed Scheduled/Late runs to another state, appending to their history. Only rows still SCHEDULED and
 * unowned change, so a run a worker claimed meanwhile is left alone. Returns the ids that changed.
 */
export function moveScheduledRuns(db: SqlDatabase, ids: string[], state: { type: string; name: string; message: string }, now = Date.now()): string[] {
  const terminal = state.type === "CANCELLED" ? now : null;
  const stmt = db.prepare(
    `UPDATE flow_runs SET state_type=@type, state_name=@name, state_message=@message, state_ts=@now, end_time=COALESCE(@end, end_time),
       history=json_insert(history, '$[#]', json_array(@name, @now, @message))
     WHERE id=@id AND state_type='SCHEDULED' AND owner IS NULL`,
  );
  return ids.filter((id) => stmt.run({ ...state, now, end: terminal, id }).changes === 1);
}
