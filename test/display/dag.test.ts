// renderDag() of a small graph: layers, glyphs, durations, run counts, cache reasons, edges, errors, escaping.

import { describe, expect, it } from "vitest";
import type { FlowRunRecord, RunGraph, TaskRunRecord } from "../../src/core/records.js";
import { makeState, type StateName } from "../../src/core/states.js";
import { renderDag } from "../../src/display/dag.js";

const T0 = 1_700_000_000_000;

function flowRun(state: StateName, extra: Partial<FlowRunRecord> = {}): FlowRunRecord {
  return {
    id: "flow-1",
    flowName: "etl",
    name: "etl-brave-otter",
    state: makeState(state, "", T0),
    parameters: {},
    attempt: 1,
    startTime: T0,
    endTime: T0 + 3_400,
    createdAt: T0,
    entrypoint: null,
    parentTaskRunId: null,
    deploymentId: null,
    tags: [],
    ...extra,
  };
}

function taskRun(id: string, taskName: string, state: StateName, extra: Partial<TaskRunRecord> = {}): TaskRunRecord {
  return {
    id,
    flowRunId: "flow-1",
    flowAttempt: 1,
    taskName,
    dynamicKey: `${taskName}-1`,
    state: makeState(state, "", T0),
    inputs: [],
    upstream: [],
    cacheKey: null,
    cacheReason: "",
    cachedFrom: null,
    runCount: 1,
    startTime: T0,
    endTime: T0 + 12,
    tags: [],
    subflowRunId: null,
    ...extra,
  };
}

const graph: RunGraph = {
  flowRun: flowRun("Failed", { attempt: 2, error: { name: "TypeError", message: "x is not a function" } }),
  taskRuns: [
    // Listed out of order on purpose: the renderer sorts by layer.
    taskRun("t3", "store", "Pending", { upstream: ["t2"], startTime: null, endTime: null, runCount: 0 }),
    taskRun("t2", "parse<rows>", "Failed", {
      upstream: ["t1", "t0"],
      inputs: [{ name: "arg1", kind: "wait_for", taskRunId: "t0" }],
      error: { name: "TypeError", message: "x is not a function" },
      cacheReason: "executed: source changed",
    }),
    taskRun("t1", "get-complaints", "Cached", { runCount: 3, endTime: T0 + 1_200, cacheReason: "cached: from run etl-icy-badger (ab12cd34)" }),
    taskRun("t0", "setup", "Completed", { cacheReason: "executed: no cached result" }),
  ],
};

describe("renderDag", () => {
  const bundle = renderDag(graph, { now: T0 + 5_000 });

  it("text/plain lists task runs in dependency layers with glyph, state, duration, runs, edges and cache reason", () => {
    expect(bundle["text/plain"]).toBe(
      [
        "✗ etl · etl-brave-otter · Failed · 3.40s · attempt 2",
        "  TypeError: x is not a function",
        "  1 ◆ get-complaints  Cached     1.20s  runs 3  cached: from run etl-icy-badger (ab12cd34)",
        "  1 ✓ setup           Completed   12ms  runs 1  executed: no cached result",
        "  2 ✗ parse<rows>     Failed      12ms  runs 1  ← get-complaints, setup (wait)  · executed: source changed",
        "      TypeError: x is not a function",
        "  3 ○ store           Pending        —  runs 0  ← parse<rows>",
      ].join("\n"),
    );
  });

  it("text/html escapes names and messages and colours states", () => {
    const html = bundle["text/html"];
    expect(html).toContain("parse&lt;rows&gt;");
    expect(html).not.toContain("parse<rows>");
    expect(html).toContain('style="color:#dc2626;font-weight:600">✗ Failed</span>');
    expect(html).toContain('style="color:#0d9488;font-weight:600">◆ Cached</span>');
    expect(html).toContain("cached: from run etl-icy-badger (ab12cd34)");
    expect(html).toContain("← get-complaints, setup (wait)");
    expect(html.match(/<tr data-task-run=/g)).toHaveLength(4);
  });

  it("a running task shows the time elapsed so far", () => {
    const running = renderDag(
      { flowRun: flowRun("Running", { endTime: null }), taskRuns: [taskRun("a", "fetch", "Running", { endTime: null })] },
      { now: T0 + 2_500 },
    );
    expect(running["text/plain"]).toContain("▶ fetch  Running  2.50s  runs 1");
  });

  it("repeated task names are told apart by their dynamic keys", () => {
    const mapped = renderDag(
      {
        flowRun: flowRun("Completed"),
        taskRuns: [
          taskRun("a", "square", "Completed", { dynamicKey: "square-1" }),
          taskRun("b", "square", "Completed", { dynamicKey: "square-2" }),
        ],
      },
      { now: T0 },
    );
    expect(mapped["text/plain"]).toContain("square-1");
    expect(mapped["text/plain"]).toContain("square-2");
  });

  it("a run with no task runs says so", () => {
    const empty = renderDag({ flowRun: flowRun("Running", { endTime: null }), taskRuns: [] }, { now: T0 + 10 });
    expect(empty["text/plain"]).toBe("▶ etl · etl-brave-otter · Running · 10ms\n  (no task runs yet)");
    expect(empty["text/html"]).toContain("no task runs yet");
  });
});
