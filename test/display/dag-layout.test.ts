// The DAG layout is computed once per graph version: reused while only states and durations move, re-sorted when
// a start time moves, recomputed when task runs are added; rows from a reused layout equal fresh ones.

import { describe, expect, it } from "vitest";
import type { FlowRunRecord, RunGraph, TaskRunRecord } from "../../src/core/records.js";
import { makeState, type StateName } from "../../src/core/states.js";
import { dagLayout, rowsOf } from "../../src/display/dag.js";

const T0 = 1_700_000_000_000;

const FLOW: FlowRunRecord = {
  id: "flow-1", flowName: "etl", name: "etl-run", state: makeState("Running", "", T0), parameters: {}, attempt: 1,
  startTime: T0, endTime: null, createdAt: T0, entrypoint: null, parentTaskRunId: null, deploymentId: null, tags: [],
};

function taskRun(id: string, state: StateName, startTime: number | null, upstream: string[] = []): TaskRunRecord {
  return {
    id, flowRunId: "flow-1", flowAttempt: 1, taskName: id, dynamicKey: `${id}-0`, state: makeState(state, "", T0), inputs: [], upstream,
    cacheKey: null, cacheReason: "", cachedFrom: null, runCount: 1, startTime, endTime: null, tags: [], subflowRunId: null,
  };
}

const graph = (taskRuns: TaskRunRecord[]): RunGraph => ({ flowRun: FLOW, taskRuns });
const view = (g: RunGraph, layout = dagLayout(g)) => rowsOf(g, T0 + 5000, layout).map((r) => [r.label, r.layer, r.run.state.name, r.duration, r.upstream.join(",")]);

describe("DAG layout cache", () => {
  it("reuses the layout while only states change, and its rows match a fresh computation", () => {
    const first = graph([taskRun("a", "Running", T0), taskRun("b", "Pending", null, ["a"]), taskRun("c", "Running", T0 + 1)]);
    const layout = dagLayout(first);
    const next = graph([taskRun("a", "Completed", T0), taskRun("b", "Pending", null, ["a"]), taskRun("c", "Failed", T0 + 1)]);
    expect(dagLayout(next, layout)).toBe(layout);
    expect(view(next, layout)).toEqual(view(next));
    expect(view(next, layout).map((r) => r[2])).toEqual(["Completed", "Failed", "Pending"]);
  });

  it("re-sorts when a start time moves, and lays out again when a task run is added", () => {
    const first = graph([taskRun("a", "Running", T0), taskRun("b", "Pending", null), taskRun("c", "Running", T0 + 10)]);
    const layout = dagLayout(first);
    expect(view(first, layout).map((r) => r[0])).toEqual(["a", "c", "b"]);
    const started = graph([taskRun("a", "Running", T0), taskRun("b", "Running", T0 + 1), taskRun("c", "Running", T0 + 10)]);
    const resorted = dagLayout(started, layout);
    expect(resorted).not.toBe(layout);
    expect(view(started, resorted).map((r) => r[0])).toEqual(["a", "b", "c"]);
    const grown = graph([...started.taskRuns, taskRun("d", "Pending", null, ["b"])]);
    const regrown = dagLayout(grown, resorted);
    expect(view(grown, regrown)).toEqual(view(grown));
    expect(view(grown, regrown).at(-1)).toEqual(["d", 2, "Pending", "—", "b"]);
  });

  it("does not reuse another run's layout with the same task ids", () => {
    const one = graph([taskRun("a", "Completed", T0)]);
    const other: RunGraph = { flowRun: { ...FLOW, id: "flow-2" }, taskRuns: one.taskRuns };
    expect(dagLayout(other, dagLayout(one))).not.toBe(dagLayout(one));
  });
});
