// The run graph's model and layout: task runs → nodes (mapped calls of one task grouped into one node with
// state counts), then layers by longest path in topological order (O(V+E)) and one barycenter pass per layer.

import type { StateName, StateType } from "../../../core/states.js";

export interface GraphTask {
  id: string;
  flowRunId: string;
  taskName: string;
  dynamicKey: string;
  state: { type: StateType; name: StateName };
  upstream: string[];
  subflowRunId: string | null;
}

export interface GraphNode {
  /** The task run id, or "group:<flow run>:<task name>" for a group. */
  id: string;
  label: string;
  kind: "task" | "group" | "subflow";
  /** The task runs this node stands for (one unless it is a group). */
  members: GraphTask[];
  state: { type: StateType; name: StateName };
  /** For groups: how many members are in each state name. */
  counts: Partial<Record<StateName, number>>;
  /** Nesting depth: 0 for the run's own task runs, +1 per expanded subflow. */
  depth: number;
  layer: number;
  x: number;
  y: number;
}

export interface GraphLayout {
  nodes: GraphNode[];
  /** Edge i goes from nodes[edges[2i]] to nodes[edges[2i+1]]. */
  edges: Int32Array;
  width: number;
  height: number;
}

export const NODE_W = 180;
export const NODE_H = 44;
const GAP_X = 70;
const GAP_Y = 16;

/** Which state a group shows: what needs attention first. */
const RANK: Record<StateType, number> = { FAILED: 0, CRASHED: 1, RUNNING: 2, CANCELLING: 3, PENDING: 4, SCHEDULED: 5, PAUSED: 6, CANCELLED: 7, COMPLETED: 8 };

export function groupKey(t: GraphTask): string {
  return `group:${t.flowRunId}:${t.taskName}`;
}

/**
 * Turn task runs into nodes and edges. Calls of one task in one flow run become one group node when there are
 * several and none feeds another (a map or a fan-out), unless the group is in `expanded`.
 */
export function buildGraph(tasks: GraphTask[], expanded: ReadonlySet<string> = new Set(), depthOf: (t: GraphTask) => number = () => 0): { nodes: GraphNode[]; edges: Int32Array } {
  const n = tasks.length;
  // Calls of one task in one flow run, numbered by first appearance (names are looked up per flow run: no key
  // strings are built per task).
  const callsOf: number[][] = [];
  const groupOf = new Int32Array(n);
  const byRun = new Map<string, Map<string, number>>();
  const indexOf = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const t = tasks[i];
    indexOf.set(t.id, i);
    let names = byRun.get(t.flowRunId);
    if (!names) byRun.set(t.flowRunId, (names = new Map()));
    let g = names.get(t.taskName);
    if (g === undefined) {
      g = callsOf.length;
      names.set(t.taskName, g);
      callsOf.push([i]);
    } else callsOf[g].push(i);
    groupOf[i] = g;
  }
  // A group node stands for several calls when none feeds another (a map or a fan-out) and it is not expanded.
  const grouped = new Uint8Array(callsOf.length);
  for (let g = 0; g < callsOf.length; g++) {
    const calls = callsOf[g];
    if (calls.length < 2) continue;
    const first = tasks[calls[0]];
    if (expanded.has(groupKey(first))) continue;
    let ok = true;
    for (const i of calls) {
      const t = tasks[i];
      if (t.subflowRunId !== null || t.upstream.some((u) => groupOf[indexOf.get(u) ?? -1] === g)) {
        ok = false;
        break;
      }
    }
    grouped[g] = ok ? 1 : 0;
  }
  const nodes: GraphNode[] = [];
  const nodeOfTask = new Int32Array(n);
  const nodeOfGroup = new Int32Array(callsOf.length).fill(-1);
  for (let i = 0; i < n; i++) {
    const t = tasks[i];
    const g = groupOf[i];
    if (grouped[g]) {
      let index = nodeOfGroup[g];
      if (index < 0) {
        index = nodeOfGroup[g] = nodes.length;
        nodes.push({ id: groupKey(t), label: t.taskName, kind: "group", members: [], state: t.state, counts: {}, depth: depthOf(t), layer: 0, x: 0, y: 0 });
      }
      const node = nodes[index];
      node.members.push(t);
      node.counts[t.state.name] = (node.counts[t.state.name] ?? 0) + 1;
      if (RANK[t.state.type] < RANK[node.state.type]) node.state = t.state;
      nodeOfTask[i] = index;
    } else {
      nodeOfTask[i] = nodes.length;
      const label = callsOf[g].length > 1 ? t.dynamicKey : t.taskName;
      nodes.push({ id: t.id, label, kind: t.subflowRunId ? "subflow" : "task", members: [t], state: t.state, counts: {}, depth: depthOf(t), layer: 0, x: 0, y: 0 });
    }
  }
  // Edges per target node, deduplicated with a stamp per source (no hashing of pairs).
  const stamp = new Int32Array(nodes.length);
  const edges: number[] = [];
  for (let to = 0; to < nodes.length; to++) {
    for (const member of nodes[to].members) {
      for (const u of member.upstream) {
        const i = indexOf.get(u);
        if (i === undefined) continue;
        const from = nodeOfTask[i];
        if (from === to || stamp[from] === to + 1) continue;
        stamp[from] = to + 1;
        edges.push(from, to);
      }
    }
  }
  return { nodes, edges: Int32Array.from(edges) };
}

/** Place nodes left to right by layer (longest path from a root) and top to bottom within a layer. */
export function layoutGraph(nodes: GraphNode[], edges: Int32Array): GraphLayout {
  const n = nodes.length;
  const indegree = new Int32Array(n);
  const outStart = new Int32Array(n + 1);
  for (let i = 0; i < edges.length; i += 2) {
    outStart[edges[i] + 1]++;
    indegree[edges[i + 1]]++;
  }
  for (let i = 0; i < n; i++) outStart[i + 1] += outStart[i];
  const out = new Int32Array(edges.length / 2);
  const fill = outStart.slice(0, n);
  for (let i = 0; i < edges.length; i += 2) out[fill[edges[i]]++] = edges[i + 1];

  // Kahn's order; the layer of a node is one past its deepest predecessor.
  const layer = new Int32Array(n);
  const order = new Int32Array(n);
  let head = 0;
  let tail = 0;
  for (let i = 0; i < n; i++) if (indegree[i] === 0) order[tail++] = i;
  while (head < tail) {
    const v = order[head++];
    for (let e = outStart[v]; e < outStart[v + 1]; e++) {
      const w = out[e];
      if (layer[v] + 1 > layer[w]) layer[w] = layer[v] + 1;
      if (--indegree[w] === 0) order[tail++] = w;
    }
  }
  // A cycle cannot come from the engine; if the data has one, its nodes keep layer 0 rather than vanish.
  if (tail < n) for (let i = 0; i < n; i++) if (indegree[i] > 0) order[tail++] = i;

  let layers = 0;
  for (let i = 0; i < n; i++) layers = Math.max(layers, layer[i] + 1);
  const members: number[][] = Array.from({ length: layers }, () => []);
  // Barycenter: a node sits near the mean row of its predecessors, visited in topological order.
  const row = new Float64Array(n);
  const sum = new Float64Array(n);
  const cnt = new Int32Array(n);
  for (let l = 0; l < layers; l++) members[l] = [];
  for (let k = 0; k < n; k++) {
    const v = order[k];
    members[layer[v]].push(v);
  }
  for (let l = 0; l < layers; l++) {
    const list = members[l];
    const key = new Float64Array(list.length);
    for (let i = 0; i < list.length; i++) key[i] = cnt[list[i]] ? sum[list[i]] / cnt[list[i]] : i;
    const idx = Array.from(list.keys()).sort((a, b) => key[a] - key[b] || a - b);
    const sorted = idx.map((i) => list[i]);
    members[l] = sorted;
    for (let i = 0; i < sorted.length; i++) {
      const v = sorted[i];
      row[v] = i;
      for (let e = outStart[v]; e < outStart[v + 1]; e++) {
        sum[out[e]] += i;
        cnt[out[e]]++;
      }
    }
  }
  let tallest = 0;
  for (const list of members) tallest = Math.max(tallest, list.length);
  for (let l = 0; l < layers; l++) {
    const list = members[l];
    const offset = ((tallest - list.length) * (NODE_H + GAP_Y)) / 2;
    for (let i = 0; i < list.length; i++) {
      const node = nodes[list[i]];
      node.layer = l;
      node.x = l * (NODE_W + GAP_X);
      node.y = offset + row[list[i]] * (NODE_H + GAP_Y);
    }
  }
  return { nodes, edges, width: Math.max(0, layers * (NODE_W + GAP_X) - GAP_X), height: Math.max(0, tallest * (NODE_H + GAP_Y) - GAP_Y) };
}
