// Terminal UI benchmarks: one DAG frame of 10,000 task runs (rows computed, filtered and rendered), frames per
// second while 1,000 tasks change state in a real session (capped by the UI's throttle), and CPU use when idle.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FlowRunRecord, RunGraph, TaskRunRecord } from "../src/core/records.js";
import { makeState, type StateName } from "../src/core/states.js";
import { configureStore } from "../src/engine/engine.js";
import { NotebookSession } from "../src/session/notebook-session.js";
import { dagRows, filterRows } from "../src/tui/dag-view.js";
import { ScrollbackStore } from "../src/tui/scrollback-store.js";

// React and the components load in benchTui(), after NODE_ENV is set: `cellflow tui` runs React's production
// build, and React 19's development build tracks every prop (10,000-row arrays included) on each render.
type UiModules = {
  createElement: typeof import("react").createElement;
  render: typeof import("ink-testing-library").render;
  App: typeof import("../src/tui/App.js").App;
  DagPane: typeof import("../src/tui/DagPane.js").DagPane;
  TuiController: typeof import("../src/tui/controller.js").TuiController;
};
let ui: UiModules;

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function graph(n: number, salt: number): RunGraph {
  const states: StateName[] = ["Completed", "Cached", "Running", "Pending", "Failed"];
  const t0 = Date.now() - 60_000;
  const taskRuns: TaskRunRecord[] = [];
  for (let i = 0; i < n; i++) {
    const name = states[(i + salt) % states.length];
    taskRuns.push({
      id: `t${i}`, flowRunId: "f", flowAttempt: 1, taskName: `task${i}`, dynamicKey: `task${i}-0`,
      state: makeState(name, "", t0 + i), inputs: [], upstream: i > 0 ? [`t${Math.floor((i - 1) / 10)}`] : [],
      cacheKey: null, cacheReason: name === "Cached" ? "cached: key matched run abc" : "", cachedFrom: null,
      runCount: 1, startTime: t0 + i, endTime: name === "Running" || name === "Pending" ? null : t0 + i + 100,
      tags: [], subflowRunId: null,
    });
  }
  const flowRun: FlowRunRecord = {
    id: "f", flowName: "bench", name: "bench-run", state: makeState("Running", "", t0), parameters: {}, attempt: 1,
    startTime: t0, endTime: null, createdAt: t0, entrypoint: null, parentTaskRunId: null, deploymentId: null, tags: [],
  };
  return { flowRun, taskRuns };
}

/** Median ms to compute the rows of a fresh 10,000-task graph and render the pane's frame. */
function dagFrameMs(): number {
  const { createElement, render, DagPane } = ui;
  const pane = (g: RunGraph) => {
    const now = Date.now();
    const all = dagRows(g, now);
    const rows = filterRows(all, "");
    return createElement(DagPane, { graph: g, rows, allRows: all, selectedId: null, focused: false, width: 80, height: 12, tick: 0, now, filter: "", filterEditing: false });
  };
  const app = render(pane(graph(10_000, 0)));
  const times: number[] = [];
  for (let i = 1; i <= 15; i++) {
    const g = graph(10_000, i);
    const start = performance.now();
    app.rerender(pane(g));
    app.lastFrame();
    times.push(performance.now() - start);
  }
  app.unmount();
  return median(times.slice(3));
}

/** Frames the whole UI wrote per second while a cell ran 1,000 tasks, then its CPU use when idle (% of a core). */
async function liveFpsAndIdleCpu(): Promise<{ fps: number; idleCpu: number }> {
  const { createElement, render, App, TuiController } = ui;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "cellflow-bench-tui-"));
  configureStore(home);
  const session = new NotebookSession({ cwd: home });
  const controller = new TuiController({ session, scrollback: new ScrollbackStore() });
  const app = render(createElement(App, { controller }));
  const cell = [
    'import { task } from "cellflow";',
    'const benchStep = task("step", async (i: number) => { await new Promise((r) => setTimeout(r, 1)); return i; });',
    "for (let i = 0; i < 1000; i++) await benchStep(i);",
  ].join("\n");
  const before = app.frames.length;
  const start = performance.now();
  await controller.runInput(cell);
  const seconds = (performance.now() - start) / 1000;
  const fps = (app.frames.length - before) / seconds;
  if (!session.runs()[0] || session.runs()[0].state.name !== "Completed") throw new Error("bench run did not complete");

  await new Promise((r) => setTimeout(r, 500));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, 2000));
  const used = process.cpuUsage(cpu0);
  const idleCpu = ((used.user + used.system) / 1000 / (performance.now() - t0)) * 100;
  app.unmount();
  return { fps, idleCpu };
}

export async function benchTui(): Promise<Record<string, number>> {
  process.env.NODE_ENV ??= "production";
  ui = {
    createElement: (await import("react")).createElement,
    render: (await import("ink-testing-library")).render,
    App: (await import("../src/tui/App.js")).App,
    DagPane: (await import("../src/tui/DagPane.js")).DagPane,
    TuiController: (await import("../src/tui/controller.js")).TuiController,
  };
  const frameMs = dagFrameMs();
  const { fps, idleCpu } = await liveFpsAndIdleCpu();
  return {
    "dag frame, 10,000 task runs (ms, target <= 20)": Number(frameMs.toFixed(1)),
    "fps while 1,000 tasks change state (target >= 10, throttle caps at 10)": Number(fps.toFixed(1)),
    "idle CPU over 2 s (% of a core, target ~0)": Number(idleCpu.toFixed(2)),
  };
}
