// A run's DAG as records: live while the run goes in this process, else read from the store; subflows nested.

import type { RunGraph } from "../core/records.js";
import { getEngine } from "./engine.js";

/** Subflows of subflows are nested this deep at most (a run cannot contain itself, but stored data may be odd). */
const MAX_DEPTH = 8;

/** A flow run (by id or unique prefix) with the task runs of its latest attempt, and each subflow's graph under its task run. */
export function getRunGraph(idOrPrefix: string): RunGraph {
  return graphOf(idOrPrefix, 0);
}

function graphOf(idOrPrefix: string, depth: number): RunGraph {
  const engine = getEngine();
  const live = engine.live.get(idOrPrefix);
  let graph: RunGraph;
  if (live) graph = { flowRun: live.record, taskRuns: live.taskRuns.records() };
  else {
    engine.store.flush();
    const flowRun = engine.store.findFlowRun(idOrPrefix);
    graph = { flowRun, taskRuns: engine.store.getTaskRuns(flowRun.id, flowRun.attempt) };
  }
  if (depth >= MAX_DEPTH) return graph;
  for (const task of graph.taskRuns) {
    if (!task.subflowRunId) continue;
    const child = subflowGraph(task.subflowRunId, depth + 1);
    if (child) (graph.subflows ??= {})[task.id] = child;
  }
  return graph;
}

function subflowGraph(id: string, depth: number): RunGraph | null {
  try {
    return graphOf(id, depth);
  } catch {
    return null; // named by its parent task run, not started (or not stored) yet
  }
}
