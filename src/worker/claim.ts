// Claiming due runs: one write transaction moves them Scheduled → Pending and makes this worker their owner,
// so two workers never claim the same run, and a worker that dies before starting one leaves it to the crash reaper.

import type { FlowRunRecord } from "../core/records.js";
import type { Store } from "../store/store.js";

/** Claim up to `limit` runs due at `now` (oldest first) for `owner`; only one deployment's runs when `deploymentId` is given. */
export function claimDueRuns(store: Store, owner: string, limit: number, now = Date.now(), deploymentId?: string): FlowRunRecord[] {
  return store.scheduledRuns.claimDue(owner, limit, now, deploymentId);
}

/** When the next unclaimed run (of one deployment, when given) is due, or null when none is scheduled. */
export function nextDueTime(store: Store, deploymentId?: string): number | null {
  return store.scheduledRuns.nextDueTime(deploymentId);
}

/** Touch the heartbeat of runs this worker claimed and no child has taken over yet. */
export function touchClaimed(store: Store, owner: string, ids: string[]): void {
  store.scheduledRuns.touchClaimed(owner, ids);
}
