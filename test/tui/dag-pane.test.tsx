import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";
import { render } from "ink-testing-library";
import { DagPane } from "../../src/tui/DagPane.js";
import { dagRows, filterRows } from "../../src/tui/dag-view.js";
import type { RunGraph } from "../../src/core/records.js";
import type { StateName } from "../../src/core/states.js";
import { bigGraph, graphOf, taskRun } from "./graph-fixture.js";

function frameOf(graph: RunGraph, options: { width?: number; height?: number; filter?: string; selectedId?: string | null; focused?: boolean } = {}): string {
  const now = 1_700_000_010_000;
  const all = dagRows(graph, now);
  const rows = filterRows(all, options.filter ?? "");
  const r = render(
    <DagPane
      graph={graph}
      rows={rows}
      allRows={all}
      selectedId={options.selectedId ?? null}
      focused={options.focused ?? false}
      width={options.width ?? 120}
      height={options.height ?? 14}
      tick={0}
      now={now}
      filter={options.filter ?? ""}
      filterEditing={false}
    />,
  );
  const frame = stripVTControlCharacters(r.lastFrame() ?? "");
  r.unmount();
  return frame;
}

describe("the DAG pane", () => {
  const cases: Array<[StateName, string]> = [
    ["Pending", "○"],
    ["Running", "⠋"], // running tasks show the spinner
    ["Completed", "✓"],
    ["Cached", "◆"],
    ["Failed", "✗"],
    ["Retrying", "⠋"],
    ["Cancelled", "⊘"],
    ["Crashed", "☠"],
  ];

  it.each(cases)("renders a %s task with its glyph %s and state name", (state, glyph) => {
    const frame = frameOf(graphOf([taskRun(1, state)]));
    const line = frame.split("\n").find((l) => l.includes("task1 "))!;
    expect(line).toContain(`1 ${glyph} task1`);
    expect(line).toContain(state);
  });

  it("shows duration, attempts, upstream edges, cache reason and error, in dependency layers", () => {
    const graph = graphOf([
      taskRun(2, "Failed", { upstream: ["task-run-1"], runCount: 3 }),
      taskRun(1, "Cached"),
    ]);
    const lines = frameOf(graph).split("\n");
    const first = lines.findIndex((l) => l.includes("task1 "));
    const second = lines.findIndex((l) => l.includes("task2 "));
    expect(first).toBeGreaterThan(0);
    expect(second).toBe(first + 1);
    expect(lines[first]).toMatch(/1 ◆ task1\s+Cached\s+1\.50s\s+runs 1\s+· cached: from run etl-icy-badger \(abc12345\)/);
    expect(lines[second]).toMatch(/2 ✗ task2\s+Failed\s+1\.50s\s+runs 3\s+← task1\s+· boom 2/);
    expect(frameOf(graph)).toContain("2 tasks · 1 ◆ Cached · 1 ✗ Failed");
    expect(frameOf(graph)).toMatch(/▶ nb · nb-quick-fox · Running/);
  });

  it("renders only the visible rows of 10,000 task runs, and a summary of all of them", () => {
    const frame = frameOf(bigGraph(10_000), { height: 14 });
    const rows = frame.split("\n").filter((l) => /task\d+/.test(l));
    expect(rows).toHaveLength(14 - 2 - 2);
    expect(frame).toContain("10000 tasks · 2000 ▶ Running · 2000 ○ Pending · 2000 ✓ Completed · 2000 ◆ Cached · 2000 ✗ Failed");
    expect(frame).toContain("of 10000");
    expect(frameOf(bigGraph(10_000), { width: 80 })).toContain("10000 tasks · ▶2000 ○2000 ✓2000 ◆2000 ✗2000 · 1–10 of 10000");
  });

  it("keeps the selected row in view when it is far down the list", () => {
    const frame = frameOf(bigGraph(10_000), { selectedId: "task-run-9999", focused: true });
    expect(frame).toContain("task9999");
    expect(frame).not.toContain("task0 ");
  });

  it("a filter keeps the tasks whose name contains it or whose state starts with it", () => {
    const graph = graphOf([taskRun(1, "Completed"), taskRun(2, "Failed"), taskRun(3, "Failed", { taskName: "load", dynamicKey: "load-0" })]);
    const byState = frameOf(graph, { filter: "fail" });
    expect(byState).toContain("task2");
    expect(byState).toContain("load");
    expect(byState).not.toContain("task1 ");
    expect(byState).toContain("/fail · 2 matches");
    const byName = frameOf(graph, { filter: "load" });
    expect(byName).toContain("load");
    expect(byName).not.toContain("task2");
  });
});
