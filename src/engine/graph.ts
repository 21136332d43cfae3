// A run's DAG as records: live while the run goes in this process, else read from the store.

import type { RunGraph } from "../core/records.js";
import { getEngine } from "./engine.js";

/** A flow run (by id or unique prefix) with the task runs of its latest attempt. */
export function getRunGraph(idOrPrefix: string): RunGraph {
  const engine = getEngine();
  const live = engine.live.get(idOrPrefix);
  if (live) return { flowRun: live.record, taskRuns: [...live.taskRuns] };
  engine.store.flush();
  const flowRun = engine.store.findFlowRun(idOrPrefix);
  return { flowRun, taskRuns: engine.store.getTaskRuns(flowRun.id, flowRun.attempt) };
}
