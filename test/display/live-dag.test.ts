// createLiveDag(): at most one render per interval, the trailing render always happens, unchanged output is not resent.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { RunGraph } from "../../src/core/records.js";
import { makeState } from "../../src/core/states.js";
import type { DisplayHandle } from "../../src/display/display.js";
import { createLiveDag } from "../../src/display/live-dag.js";
import { installDisplaySink, type DisplayOutput, type DisplaySink, type MimeBundle } from "../../src/display/sink.js";

function graphWith(stateName: "Running" | "Completed"): RunGraph {
  return {
    flowRun: {
      id: "f",
      flowName: "etl",
      name: "etl-run",
      state: makeState(stateName, "", 0),
      parameters: {},
      attempt: 1,
      startTime: null,
      endTime: null,
      createdAt: 0,
      entrypoint: null,
      parentTaskRunId: null,
      deploymentId: null,
      tags: [],
    },
    taskRuns: [],
  };
}

function recordingHandle(): DisplayHandle<MimeBundle> & { shown: string[] } {
  const shown: string[] = [];
  return { displayId: "live", shown, update: (bundle) => void shown.push(bundle["text/plain"]) };
}

describe("createLiveDag", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("renders the first change at once, then coalesces changes into one trailing render per 200 ms", () => {
    let state: "Running" | "Completed" = "Running";
    let version = 0;
    const handle = recordingHandle();
    const live = createLiveDag(() => graphWith(state), handle, { render: (g) => ({ "text/plain": `${g.flowRun.state.name} v${version}` }) });

    live.notify();
    expect(handle.shown).toEqual(["Running v0"]);
    for (version = 1; version <= 5; version++) {
      live.notify();
      vi.advanceTimersByTime(20);
    }
    expect(handle.shown).toHaveLength(1);
    state = "Completed";
    vi.advanceTimersByTime(200);
    // One trailing render carrying the latest state.
    expect(handle.shown).toEqual(["Running v0", "Completed v6"]);
    vi.advanceTimersByTime(1000);
    expect(handle.shown).toHaveLength(2);
  });

  it("does not resend an unchanged rendering", () => {
    const handle = recordingHandle();
    const live = createLiveDag(() => graphWith("Running"), handle);
    live.notify();
    vi.advanceTimersByTime(500);
    live.notify();
    live.flush();
    expect(handle.shown).toHaveLength(1);
  });

  it("flush() renders now and cancels the pending trailing render; dispose() stops everything", () => {
    let n = 0;
    const handle = recordingHandle();
    const live = createLiveDag(() => graphWith("Running"), handle, { render: () => ({ "text/plain": `r${n++}` }) });
    live.notify();
    live.notify();
    live.flush();
    expect(handle.shown).toEqual(["r0", "r1"]);
    vi.advanceTimersByTime(1000);
    expect(handle.shown).toEqual(["r0", "r1"]);
    live.notify(); // the interval has passed: renders at once
    live.notify(); // inside the interval: schedules a trailing render …
    live.dispose(); // … which dispose() cancels
    vi.advanceTimersByTime(1000);
    live.notify();
    expect(handle.shown).toEqual(["r0", "r1", "r2"]);
  });

  it("without a handle it creates one output with display.bundle and updates that output", () => {
    const outputs: { kind: string; output: DisplayOutput }[] = [];
    const sink: DisplaySink = {
      display: (output) => void outputs.push({ kind: "display", output }),
      update: (output) => void outputs.push({ kind: "update", output }),
      clear: () => {},
    };
    const previous = installDisplaySink(sink);
    try {
      let state: "Running" | "Completed" = "Running";
      const live = createLiveDag(() => graphWith(state));
      expect(live.handle).toBeUndefined();
      live.notify();
      state = "Completed";
      live.notify();
      vi.advanceTimersByTime(200);
      expect(outputs.map((o) => o.kind)).toEqual(["display", "update"]);
      expect(outputs[1].output.displayId).toBe(outputs[0].output.displayId);
      expect(outputs[1].output.displayId).toBe(live.handle?.displayId);
      expect(outputs[1].output.data["text/plain"]).toContain("✓ etl · etl-run · Completed");
      expect(outputs[1].output.data["text/html"]).toContain("cellflow-dag");
    } finally {
      installDisplaySink(previous);
    }
  });

  it("nothing is shown while the graph function returns undefined", () => {
    const handle = recordingHandle();
    const live = createLiveDag(() => undefined, handle);
    live.notify();
    live.flush();
    expect(handle.shown).toEqual([]);
  });
});
