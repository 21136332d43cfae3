// getResult(runId, taskName): a stored result read back, in any process, from the run (or one of its task runs).

import { CellflowError } from "../core/errors.js";
import type { FlowRunRecord, TaskRunRecord } from "../core/records.js";
import { taskRunFromRow, type TaskRunRow } from "../store/rows.js";
import { getEngine } from "./engine.js";

/** Where a result came from, and the value. */
export interface StoredResult {
  flowRun: FlowRunRecord;
  /** The task run whose result it is; null for the flow run's own return value. */
  taskRun: TaskRunRecord | null;
  value: unknown;
}

/** The task run of the run's latest attempt named `task` (a task name or a dynamic key like "parse-2"). */
function pickTaskRun(run: FlowRunRecord, rows: TaskRunRow[], task: string): TaskRunRow {
  const byKey = rows.find((r) => r.dynamic_key === task);
  if (byKey) return byKey;
  const byName = rows.filter((r) => r.task_name === task);
  if (byName.length === 1) return byName[0];
  const short = run.id.slice(0, 8);
  if (byName.length > 1) {
    throw new CellflowError("USAGE", `run ${run.name} called task '${task}' ${byName.length} times`, `name one call: ${byName.slice(0, 5).map((r) => r.dynamic_key).join(", ")}`);
  }
  const names = [...new Set(rows.map((r) => r.task_name))];
  throw new CellflowError("USAGE", `run ${run.name} has no task '${task}'`, names.length ? `its tasks: ${names.slice(0, 8).join(", ")}` : `it has no task runs; read the flow's own result: cellflow runs result ${short}`);
}

/** Read a stored result with where it came from; throws a CellflowError saying why when there is none. */
export function readStoredResult(runId: string, task?: string): StoredResult {
  const store = getEngine().store;
  store.flush();
  const flowRun = store.findFlowRun(runId);
  const row = task === undefined ? null : pickTaskRun(flowRun, store.getTaskRunRows(flowRun.id), task);
  const what = row ? `task ${row.dynamic_key} of run ${flowRun.name}` : `run ${flowRun.name}`;
  const state = row ? { type: row.state_type, name: row.state_name } : flowRun.state;
  if (state.type !== "COMPLETED") {
    throw new CellflowError("USAGE", `${what} is ${state.name}, so it has no result`, row ? "see why with: cellflow runs show " + flowRun.id.slice(0, 8) : "rerun it from failure: cellflow runs retry " + flowRun.id.slice(0, 8));
  }
  const ref = row ? row.result_ref : store.getFlowRunRow(flowRun.id)?.result_ref ?? null;
  if (!ref) {
    throw new CellflowError("USAGE", `the result of ${what} was kept in memory only (it could not be persisted, or persistResult is off)`, "its logs say why: cellflow runs logs " + flowRun.id.slice(0, 8));
  }
  if (!store.hasResult(ref)) {
    // On PostgreSQL a result missing here may sit on the machine that ran the task: loadResult says where it looked and the fix.
    if (store.onPostgres) {
      try {
        store.loadResult(ref);
      } catch (error) {
        if (error instanceof CellflowError) throw new CellflowError("STORE", `the result of ${what} cannot be read: ${error.message}`, "", { cause: error });
        throw error;
      }
    }
    throw new CellflowError("USAGE", `the result of ${what} is no longer stored (pruned)`, "run the flow again to produce it");
  }
  return { flowRun, taskRun: row ? taskRunFromRow(row) : null, value: store.loadResult(ref) };
}

/**
 * The stored result of a flow run (by id or unique prefix), or of one of its tasks (by task name or dynamic key),
 * from the run's latest attempt. Rejects with a CellflowError when the run did not complete, or its result was
 * kept in memory only, or was pruned.
 * @example const rows = await getResult("0193ab12", "parse-complaints");
 */
export async function getResult<T = unknown>(runId: string, taskName?: string): Promise<T> {
  return readStoredResult(runId, taskName).value as T;
}
