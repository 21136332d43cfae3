// RunGraph fixtures: task runs in any state, with edges, for rendering tests and the benchmark's shape.

import type { FlowRunRecord, RunGraph, TaskRunRecord } from "../../src/core/records.js";
import { makeState, type StateName } from "../../src/core/states.js";

const T0 = 1_700_000_000_000;

export function taskRun(i: number, name: StateName, overrides: Partial<TaskRunRecord> = {}): TaskRunRecord {
  const started = name !== "Pending" && name !== "Scheduled";
  return {
    id: `task-run-${i}`,
    flowRunId: "flow-run-1",
    flowAttempt: 1,
    taskName: `task${i}`,
    dynamicKey: `task${i}-0`,
    state: makeState(name, name === "Failed" ? `boom ${i}` : "", T0 + i),
    inputs: [],
    upstream: [],
    cacheKey: null,
    cacheReason: name === "Cached" ? "cached: from run etl-icy-badger (abc12345)" : "",
    cachedFrom: null,
    runCount: name === "Retrying" ? 2 : started ? 1 : 0,
    startTime: started ? T0 + i : null,
    endTime: started && name !== "Running" && name !== "Retrying" ? T0 + i + 1500 : null,
    tags: [],
    subflowRunId: null,
    ...overrides,
  };
}

export function flowRun(name: StateName = "Running"): FlowRunRecord {
  return {
    id: "flow-run-1",
    flowName: "nb",
    name: "nb-quick-fox",
    state: makeState(name, "", T0),
    parameters: {},
    attempt: 1,
    startTime: T0,
    endTime: null,
    createdAt: T0,
    entrypoint: null,
    parentTaskRunId: null,
    deploymentId: null,
    tags: [],
  };
}

export function graphOf(taskRuns: TaskRunRecord[], state: StateName = "Running"): RunGraph {
  return { flowRun: flowRun(state), taskRuns };
}

/** `n` task runs: each of the first ten feeds the rest in a chain of layers; states cycle through the given names. */
export function bigGraph(n: number, states: StateName[] = ["Completed", "Cached", "Running", "Pending", "Failed"]): RunGraph {
  const runs: TaskRunRecord[] = [];
  for (let i = 0; i < n; i++) runs.push(taskRun(i, states[i % states.length], { upstream: i > 0 ? [`task-run-${Math.floor((i - 1) / 10)}`] : [] }));
  return graphOf(runs);
}
