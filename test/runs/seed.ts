// Seeding a store through its own write path (Store.saveFlowRun / saveTaskRun / saveResult): runs at chosen
// times, in chosen states, with task runs whose results are real serialized values.

import type { FlowRunRecord, TaskRunRecord } from "../../src/core/records.js";
import { makeState, type StateName } from "../../src/core/states.js";
import { ownerId } from "../../src/store/owner.js";
import { serializeResult } from "../../src/store/serialize.js";
import type { Store } from "../../src/store/store.js";

export const DAY = 86_400_000;

export interface SeedRun {
  name: string;
  state: StateName;
  createdAt: number;
  flowName?: string;
  tags?: string[];
  deploymentId?: string | null;
  /** Task runs: a name and the value it returned (persisted), or a result ref to share (a cache hit). */
  tasks?: Array<{ name: string; value?: unknown; resultRef?: string; cachedFrom?: string }>;
  logs?: Array<{ level: "debug" | "info" | "warning" | "error"; message: string }>;
}

export interface Seeded {
  id: string;
  taskRuns: Array<{ id: string; name: string; resultRef: string | null }>;
}

/** Save one run (and its task runs, results, logs); a run that has not ended is owned by this live process. */
export function seedRun(store: Store, spec: SeedRun): Seeded {
  const id = crypto.randomUUID();
  const t = spec.createdAt;
  const state = makeState(spec.state, "", t + 1000);
  const ended = ["COMPLETED", "FAILED", "CANCELLED", "CRASHED"].includes(state.type);
  const record: FlowRunRecord = {
    id,
    flowName: spec.flowName ?? "etl",
    name: spec.name,
    state,
    parameters: {},
    attempt: 1,
    startTime: t,
    endTime: ended ? t + 1000 : null,
    createdAt: t,
    entrypoint: null,
    parentTaskRunId: null,
    deploymentId: spec.deploymentId ?? null,
    tags: spec.tags ?? [],
  };
  const history = [makeState("Pending", "", t), makeState("Running", "", t + 1), state];
  store.saveFlowRun(record, { history, resultRef: null, owner: ended ? null : ownerId(), heartbeat: Date.now() });
  const taskRuns: Seeded["taskRuns"] = [];
  (spec.tasks ?? []).forEach((task, i) => {
    let resultRef = task.resultRef ?? null;
    if (task.value !== undefined) {
      const { bytes, ref } = serializeResult(task.value);
      if (bytes) store.saveResult(ref, bytes);
      resultRef = ref;
    }
    const taskId = `${id}-t${i}`;
    const done = makeState(task.cachedFrom ? "Cached" : "Completed", "", t + 500);
    const tr: TaskRunRecord = {
      id: taskId,
      flowRunId: id,
      flowAttempt: 1,
      taskName: task.name,
      dynamicKey: `${task.name}-0`,
      state: done,
      inputs: [],
      upstream: [],
      cacheKey: `key-${task.name}`,
      cacheReason: task.cachedFrom ? "cached: seeded" : "executed: seeded",
      cachedFrom: task.cachedFrom ?? null,
      runCount: 1,
      startTime: t + 10,
      endTime: t + 500,
      tags: [],
      subflowRunId: null,
    };
    store.saveTaskRun(tr, { cacheExpires: null, sourceHash: null, resultRef, history: [makeState("Pending", "", t + 10), done] });
    taskRuns.push({ id: taskId, name: task.name, resultRef });
  });
  for (const log of spec.logs ?? []) store.appendLog({ flowRunId: id, taskRunId: null, level: log.level, message: log.message, timestamp: t + 100 });
  return { id, taskRuns };
}
