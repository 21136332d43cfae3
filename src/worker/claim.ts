// Claiming due runs: one IMMEDIATE transaction moves them Scheduled → Pending and makes this worker their owner,
// so two workers never claim the same run, and a worker that dies before starting one leaves it to the crash reaper.

import type { FlowRunRecord } from "../core/records.js";
import { flowRunFromRow, type FlowRunRow } from "../store/rows.js";
import type { Store } from "../store/store.js";

/** Claim up to `limit` runs due at `now` (oldest first) for `owner`; only one deployment's runs when `deploymentId` is given. */
export function claimDueRuns(store: Store, owner: string, limit: number, now = Date.now(), deploymentId?: string): FlowRunRecord[] {
  if (limit <= 0) return [];
  const db = store.db;
  const only = deploymentId === undefined ? "" : " AND deployment_id = @deployment";
  const select = db.prepare(`SELECT * FROM flow_runs WHERE state_type = 'SCHEDULED' AND owner IS NULL AND scheduled_time <= @now${only} ORDER BY scheduled_time, created_at LIMIT @limit`);
  const claim = db.prepare(
    `UPDATE flow_runs SET state_type='PENDING', state_name='Pending', state_message=@message, state_ts=@now, owner=@owner, heartbeat=@now,
       history=json_insert(history, '$[#]', json_array('Pending', @now, @message))
     WHERE id=@id AND state_type='SCHEDULED' AND owner IS NULL`,
  );
  const reread = db.prepare("SELECT * FROM flow_runs WHERE id = ?");
  return db.transaction(() => {
    const claimed: FlowRunRecord[] = [];
    for (const row of select.all(deploymentId === undefined ? { now, limit } : { now, limit, deployment: deploymentId }) as FlowRunRow[]) {
      const message = `claimed by worker ${owner.split(":").slice(0, -1).join(":")}`;
      if (claim.run({ id: row.id, now, owner, message }).changes === 1) claimed.push(flowRunFromRow(reread.get(row.id) as FlowRunRow));
    }
    return claimed;
  });
}

/** When the next unclaimed run (of one deployment, when given) is due, or null when none is scheduled. */
export function nextDueTime(store: Store, deploymentId?: string): number | null {
  if (deploymentId !== undefined) {
    const row = store.db.prepare("SELECT MIN(scheduled_time) AS t FROM flow_runs WHERE state_type = 'SCHEDULED' AND owner IS NULL AND deployment_id = ?").get(deploymentId) as { t: number | null };
    return row.t;
  }
  const row = store.db.prepare("SELECT MIN(scheduled_time) AS t FROM flow_runs WHERE state_type = 'SCHEDULED' AND owner IS NULL").get() as { t: number | null };
  return row.t;
}

/** Touch the heartbeat of runs this worker claimed and no child has taken over yet. */
export function touchClaimed(store: Store, owner: string, ids: string[]): void {
  if (ids.length === 0) return;
  store.db.prepare(`UPDATE flow_runs SET heartbeat = ? WHERE owner = ? AND id IN (${ids.map(() => "?").join(",")})`).run(Date.now(), owner, ...ids);
}
