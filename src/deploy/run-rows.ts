// Scheduled flow runs of a deployment: planned ahead of time (idempotently, one per deployment and time).

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
  return store.scheduledRuns.insert({
    flowName: deployment.flowName,
    name: runName(deployment.flowName),
    entrypoint: deployment.entrypoint,
    deploymentId: deployment.id,
    parameters,
    scheduledTime: time,
    message,
    idempotencyKey: auto ? slotKey(deployment.id, time) : null,
  });
}
