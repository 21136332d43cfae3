// The run graph's model and layout: which calls are grouped, which edges remain, and the layers they land in.

import { describe, expect, it } from "vitest";
import { buildGraph, groupKey, layoutGraph, type GraphTask } from "../../src/ui/web/graph/layout.js";
import type { StateName, StateType } from "../../src/core/states.js";

function t(id: string, taskName: string, upstream: string[] = [], state: [StateType, StateName] = ["COMPLETED", "Completed"], subflow: string | null = null): GraphTask {
  return { id, flowRunId: "run", taskName, dynamicKey: `${taskName}-${id}`, state: { type: state[0], name: state[1] }, upstream, subflowRunId: subflow };
}

const cases: Array<{ name: string; tasks: GraphTask[]; expanded?: string[]; nodes: string[]; edges: string[]; layers: Record<string, number> }> = [
  {
    name: "a chain keeps one node per call, one layer each",
    tasks: [t("a", "extract"), t("b", "transform", ["a"]), t("c", "load", ["b"])],
    nodes: ["extract", "transform", "load"],
    edges: ["extract>transform", "transform>load"],
    layers: { extract: 0, transform: 1, load: 2 },
  },
  {
    name: "mapped calls of one task become one group; its edges are merged",
    tasks: [t("a", "pages"), t("m1", "fetch", ["a"]), t("m2", "fetch", ["a"]), t("m3", "fetch", ["a"], ["FAILED", "Failed"]), t("z", "combine", ["m1", "m2", "m3"])],
    nodes: ["pages", "fetch", "combine"],
    edges: ["pages>fetch", "fetch>combine"],
    layers: { pages: 0, fetch: 1, combine: 2 },
  },
  {
    name: "an expanded group shows each call",
    tasks: [t("m1", "fetch"), t("m2", "fetch"), t("z", "combine", ["m1", "m2"])],
    expanded: ["group:run:fetch"],
    nodes: ["fetch-m1", "fetch-m2", "combine"],
    edges: ["fetch-m1>combine", "fetch-m2>combine"],
    layers: { "fetch-m1": 0, "fetch-m2": 0, combine: 1 },
  },
  {
    name: "calls of one task that feed each other are not grouped (a loop)",
    tasks: [t("s1", "step"), t("s2", "step", ["s1"]), t("s3", "step", ["s2"])],
    nodes: ["step-s1", "step-s2", "step-s3"],
    edges: ["step-s1>step-s2", "step-s2>step-s3"],
    layers: { "step-s1": 0, "step-s2": 1, "step-s3": 2 },
  },
  {
    name: "a node's layer is its longest path from a root",
    tasks: [t("a", "a"), t("b", "b", ["a"]), t("c", "c", ["b"]), t("d", "d", ["a", "c"])],
    nodes: ["a", "b", "c", "d"],
    edges: ["a>b", "b>c", "a>d", "c>d"],
    layers: { a: 0, b: 1, c: 2, d: 3 },
  },
];

describe("run graph layout", () => {
  for (const c of cases) {
    it(c.name, () => {
      const { nodes, edges } = buildGraph(c.tasks, new Set(c.expanded ?? []));
      const layout = layoutGraph(nodes, edges);
      expect(layout.nodes.map((n) => n.label)).toEqual(c.nodes);
      const pairs: string[] = [];
      for (let i = 0; i < layout.edges.length; i += 2) pairs.push(`${layout.nodes[layout.edges[i]].label}>${layout.nodes[layout.edges[i + 1]].label}`);
      expect(pairs.sort()).toEqual([...c.edges].sort());
      expect(Object.fromEntries(layout.nodes.map((n) => [n.label, n.layer]))).toEqual(c.layers);
    });
  }

  it("a group shows the state that needs attention and counts per state", () => {
    const tasks = [t("m1", "fetch"), t("m2", "fetch", [], ["RUNNING", "Running"]), t("m3", "fetch", [], ["FAILED", "Failed"]), t("m4", "fetch")];
    const { nodes } = buildGraph(tasks);
    expect(nodes).toHaveLength(1);
    expect(nodes[0].id).toBe(groupKey(tasks[0]));
    expect(nodes[0].state.name).toBe("Failed");
    expect(nodes[0].counts).toEqual({ Completed: 2, Running: 1, Failed: 1 });
  });

  it("nodes of one layer never overlap, and a subflow call is never grouped", () => {
    const tasks = [t("r", "root"), ...Array.from({ length: 50 }, (_, i) => t(`x${i}`, `x${i}`, ["r"])), t("s1", "child", ["r"], undefined, "sub1"), t("s2", "child", ["r"], undefined, "sub2")];
    const built = buildGraph(tasks);
    const layout = layoutGraph(built.nodes, built.edges);
    const layer1 = layout.nodes.filter((n) => n.layer === 1).map((n) => n.y).sort((a, b) => a - b);
    expect(layer1).toHaveLength(52);
    for (let i = 1; i < layer1.length; i++) expect(layer1[i] - layer1[i - 1]).toBeGreaterThanOrEqual(44);
    expect(layout.nodes.filter((n) => n.kind === "subflow")).toHaveLength(2);
  });
});
