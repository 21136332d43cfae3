// The run context: which flow run and task run the current code runs in, carried by AsyncLocalStorage.

import { AsyncLocalStorage } from "node:async_hooks";
import type { FlowRunRecord, TaskRunRecord } from "../core/records.js";
import type { State } from "../core/states.js";
import type { TaskRunRow } from "../store/rows.js";
import type { Semaphore } from "./concurrency.js";
import type { TaskRunList } from "./task-list.js";
import type { DispatchTarget } from "./dispatch.js";
import { globalSingleton } from "./global.js";

export interface LiveFlowRun {
  record: FlowRunRecord;
  history: State[];
  resultRef: string | null;
  controller: AbortController;
  /** Calls per task name in the current attempt: the n in dynamic key "name-n". */
  counters: Map<string, number>;
  /** The latest task run per dynamic key from earlier attempts, to explain cache decisions. */
  previous: Map<string, TaskRunRow>;
  /**
   * Completed task runs of earlier attempts with a persisted result, by cache key (the newest per key): where a
   * rerun finds the results of keys scoped to this run, which the store's global cache index does not hold.
   */
  earlier: Map<string, TaskRunRow>;
  semaphore: Semaphore | null;
  /** The records of this attempt's task runs, for the DAG (records only: the rest of a run is freed when it ends). */
  taskRuns: TaskRunList;
  running: Set<LiveTaskRun>;
  /** Task runs and subflows of this run not ended yet (awaited or not): the run ends after them. */
  inflight: number;
  onIdle: (() => void) | null;
  /** Submitted futures the flow waits for before it ends. */
  futures: Set<{ settled: Promise<unknown> }>;
  /** Task runs that failed and whose failure the flow's code never saw. */
  unobservedFailures: Set<LiveTaskRun>;
  logPrints: boolean;
  /** Every task executes and stores a fresh result (`--refresh-cache`, `%refresh`); nothing comes from cache. */
  refreshCache: boolean;
  /** Earlier attempts exist, so cache keys scoped to this run may hit. */
  hasHistory: boolean;
  /** The distributed task runner's target: task runs whose cache misses go to task workers. Null: they run here. */
  dispatch: DispatchTarget | null;
}

/**
 * A task run's cancellation, shaped like an AbortController. The AbortSignal is only created when code asks
 * for it (getRunContext().signal): most tasks never do, and a controller per task is measurable overhead.
 */
export class TaskAbort {
  private controller: AbortController | null = null;
  aborted = false;
  reason: unknown = undefined;
  /** The engine's waiter on this attempt: rejects the task's promise at once. */
  onAbort: ((reason: unknown) => void) | null = null;

  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    if (this.aborted && !this.controller.signal.aborted) this.controller.abort(this.reason);
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
    this.onAbort?.(reason);
  }
}

export interface LiveTaskRun {
  record: TaskRunRecord;
  sourceHash: string | null;
  resultRef: string | null;
  cacheExpires: number | null;
  history: State[];
  controller: TaskAbort;
  flow: LiveFlowRun | null;
  parent: LiveTaskRun | null;
  logPrints: boolean;
  /** Its place in its flow run's taskRuns (-1: not kept there), and the n of its dynamic key "<task name>-<n>". */
  slot?: number;
  keyIndex?: number;
  /** Set on a task worker: the worker holding this dispatched task run (its writes are fenced by it). */
  workerId?: string;
  /** "run" when its cache key is scoped to its flow run (the store keeps such keys out of its global cache index). */
  cacheScope?: "run" | null;
  /** Set once the task run is dispatched to task workers: the retries a crash of its worker may use. */
  maxRetries?: number;
  /**
   * A distributed flow's task run not written yet: its Pending row goes with its job when it is dispatched (one
   * write instead of two), or is written when it starts waiting (for upstream task runs or a tag slot) instead.
   */
  unwritten?: boolean;
  /** On a task worker, where no flow run lives: what getRunContext() says of the task run's flow run. */
  remoteFlow?: RunInfo["flowRun"];
}

export interface RunContext {
  flow: LiveFlowRun | null;
  task: LiveTaskRun | null;
  /** Creates the flow run on the first task call (a notebook cell that calls no task makes no run). */
  lazyFlow?: () => LiveFlowRun;
}

export const runContextStorage = globalSingleton("als", () => new AsyncLocalStorage<RunContext>());

/**
 * What a notebook session needs of the engine without awaiting it (opening its run on a cell's first task call, inside
 * that call): flow-run.ts provides it as it loads, so a session need not load the engine and the store before a cell
 * calls a task. Every task call comes through `cellflow`, whose entry loads flow-run.ts first.
 */
export interface SessionEngine {
  openFlowRun: typeof import("./flow-run.js").openFlowRun;
  closeFlowRun: typeof import("./flow-run.js").closeFlowRun;
  CancelledError: typeof import("./engine.js").CancelledError;
  getEngine: typeof import("./engine.js").getEngine;
  getRunGraph: typeof import("./graph.js").getRunGraph;
}
const sessionEngine = globalSingleton("session-engine", () => ({ provided: null as SessionEngine | null }));

export function provideSessionEngine(engine: SessionEngine): void {
  sessionEngine.provided = engine;
}

/** The engine's functions once flow-run.ts has loaded, else null (no run can exist yet). */
export function loadedSessionEngine(): SessionEngine | null {
  return sessionEngine.provided;
}

/** Where task calls made outside any flow go: a notebook session installs its session run here. */
export type AmbientProvider = () => LiveFlowRun | null;
const ambient = globalSingleton("ambient", () => ({ provider: null as AmbientProvider | null }));

export function setAmbientFlowRun(provider: AmbientProvider | null): void {
  ambient.provider = provider;
}

export function currentContext(): RunContext | null {
  const ctx = runContextStorage.getStore();
  if (ctx) {
    // The store object is shared by every continuation of this context, so all of them see the new run.
    if (!ctx.flow && !ctx.task && ctx.lazyFlow) ctx.flow = ctx.lazyFlow();
    return ctx;
  }
  const flow = ambient.provider?.() ?? null;
  return flow ? { flow, task: null } : null;
}

/** What a task or flow can read about the run it is in. */
export interface RunInfo {
  flowRun: { id: string; name: string; flowName: string; parameters: Record<string, unknown>; attempt: number } | null;
  taskRun: { id: string; name: string; dynamicKey: string; runCount: number } | null;
  /** Aborted when the run times out or is cancelled: pass it to fetch() and friends. */
  signal: AbortSignal;
}

const neverAborted = new AbortController().signal;

/**
 * The current run, inside a task or flow.
 * @example const { signal } = getRunContext(); await fetch(url, { signal });
 */
export function getRunContext(): RunInfo {
  const ctx = currentContext();
  const flow = ctx?.flow ?? null;
  const task = ctx?.task ?? null;
  return {
    flowRun: flow
      ? { id: flow.record.id, name: flow.record.name, flowName: flow.record.flowName, parameters: flow.record.parameters, attempt: flow.record.attempt }
      : (task?.remoteFlow ?? null),
    taskRun: task && { id: task.record.id, name: task.record.taskName, dynamicKey: task.record.dynamicKey, runCount: task.record.runCount },
    signal: task?.controller.signal ?? flow?.controller.signal ?? neverAborted,
  };
}
