// The child side of a worker: execute one claimed flow run in this process, as its attempt 1. It dies with its
// worker (IPC disconnect), cancels its run on SIGTERM, and leaves Ctrl-C to the worker.

import { CellflowError, describeError, toErrorInfo } from "../core/errors.js";
import type { FlowRunRecord } from "../core/records.js";
import { CancelledError, getEngine } from "../engine/engine.js";
import { runAdopted } from "../runner/index.js";
import { sendRunAlerts } from "../alerts/notify.js";

/** Exit at once when the worker is gone: the run is left to the crash reaper, which marks it Crashed. */
function followWorker(): void {
  if (!process.send) return;
  if (!process.connected) process.exit(75);
  process.on("disconnect", () => process.exit(75));
  // The channel is only a lifeline: it must not keep this process alive once the run is over.
  (process.channel as { unref?: () => void } | undefined)?.unref?.();
}

function cancelOnTerm(): void {
  process.on("SIGTERM", () => {
    for (const run of getEngine().live.values()) run.controller.abort(new CancelledError("cancelled: the worker is shutting down"));
  });
  // A terminal's Ctrl-C reaches the whole process group; the worker decides what it means for its runs.
  process.on("SIGINT", () => {});
}

/** Run the claimed flow run `id`; resolves to its final record. A run that cannot start ends Failed, saying why. */
export async function runClaimedRun(id: string): Promise<FlowRunRecord> {
  followWorker();
  cancelOnTerm();
  const store = getEngine().store;
  const record = store.findFlowRun(id);
  if (record.state.type !== "PENDING" || record.scheduledTime === undefined || !record.deploymentId) {
    throw new CellflowError("USAGE", `run ${record.name} (${record.id.slice(0, 8)}) is not a deployment run claimed by a worker (it is ${record.state.name})`, "workers start this command themselves; queue a run with `cellflow deployments run <name>`");
  }
  try {
    const outcome = await runAdopted(record);
    reportFenced(outcome.record);
    return outcome.record;
  } catch (error) {
    // Another process took the run first: it is theirs to finish, not ours to fail.
    if (error instanceof CellflowError && error.code === "RUN_CLAIMED") throw error;
    // The flow file failed to load or the parameters no longer pass its schema: the run never started.
    store.setFlowRunState(id, "Failed", `could not start: ${describeError(toErrorInfo(error))}`.split(" — ")[0], { attempt: record.attempt });
    const failed = store.findFlowRun(id);
    await sendRunAlerts(failed);
    return failed;
  }
}

/**
 * PostgreSQL: this process may have been paused past its worker's lease, and the run reaped and run again as a
 * newer attempt meanwhile. Its writes for the older attempt were then refused by the store's fence; say so.
 */
function reportFenced(ours: FlowRunRecord): void {
  const store = getEngine().store;
  if (!store.onPostgres) return;
  store.flush();
  const stored = store.findFlowRun(ours.id);
  if (stored.attempt === ours.attempt && stored.state.type !== "CRASHED") return;
  process.stderr.write(
    `cellflow: run ${ours.name} (${ours.id.slice(0, 8)}) attempt ${ours.attempt} ended ${ours.state.name} here, but the store holds attempt ${stored.attempt} ${stored.state.name}: this process was declared dead and its late writes were refused\n`,
  );
}
