// A run's full state history: every transition of the flow run and of its task runs (all attempts), in time order.

import type { SqlDatabase } from "./sql.js";
import { TERMINAL, type StateName, type StateType } from "../core/states.js";
import { decodeHistory } from "./run-state.js";

export interface HistoryEntry {
  timestamp: number;
  /** "flow" for the flow run itself, "task" for one of its task runs. */
  kind: "flow" | "task";
  /** The flow run's name, or the task run's dynamic key. */
  name: string;
  runId: string;
  /** The flow run attempt a task run belongs to; null for the flow run's own transitions. */
  attempt: number | null;
  type: StateType;
  state: StateName;
  message: string;
}

/** Transitions of the flow run `flowRunId` and its task runs, oldest first; ties keep the order they were recorded in. */
export function runHistory(db: SqlDatabase, flowRunId: string): HistoryEntry[] {
  const flow = db.prepare("SELECT id, name, history FROM flow_runs WHERE id = ?").get(flowRunId) as { id: string; name: string; history: string } | undefined;
  if (!flow) return [];
  const tasks = db.prepare("SELECT id, dynamic_key, flow_attempt, history FROM task_runs WHERE flow_run_id = ? ORDER BY flow_attempt, rowid").all(flowRunId) as Array<{ id: string; dynamic_key: string; flow_attempt: number; history: string }>;
  const entries: HistoryEntry[] = [];
  for (const s of decodeHistory(flow.history)) {
    entries.push({ timestamp: s.timestamp, kind: "flow", name: flow.name, runId: flow.id, attempt: null, type: s.type, state: s.name, message: s.message });
  }
  for (const t of tasks) {
    for (const s of decodeHistory(t.history)) {
      entries.push({ timestamp: s.timestamp, kind: "task", name: t.dynamic_key, runId: t.id, attempt: t.flow_attempt, type: s.type, state: s.name, message: s.message });
    }
  }
  // Within one millisecond a flow run starts before its tasks and ends after them; otherwise the recorded order
  // stands (Array.prototype.sort is stable).
  const rank = (h: HistoryEntry) => (h.kind === "task" ? 0 : TERMINAL.has(h.type) ? 1 : -1);
  return entries.sort((a, b) => a.timestamp - b.timestamp || rank(a) - rank(b));
}
