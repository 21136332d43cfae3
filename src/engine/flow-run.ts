// The flow run lifecycle: validate parameters, create (or resume) the run, execute the body with retries,
// timeout and cancellation, wait for submitted tasks, persist the result, run hooks. Subflows too.

import type { FlowRunRecord, TaskRunRecord } from "../core/records.js";
import { CellflowError, toErrorInfo, describeError } from "../core/errors.js";
import { AwaitingRetry, Cached, Cancelled, Completed, Crashed, Failed, Pending, Running, TimedOut, type State } from "../core/states.js";
import { NotPersistableError, serializeResult } from "../store/serialize.js";
import { ownerAlive, ownerId, parseOwner } from "../store/owner.js";
import type { TaskRunRow } from "../store/rows.js";
import { Semaphore, sleep } from "./concurrency.js";
import { currentContext, provideSessionEngine, runContextStorage, type LiveFlowRun, type LiveTaskRun } from "./context.js";
import { CancelledError, getEngine, TimeoutError, type Engine } from "./engine.js";
import { engineLog, installPrintCapture } from "./logger.js";
import { retryDelayMs, type FlowOptions } from "./options.js";
import { validateParameters } from "./parameters.js";
import { runName } from "./run-names.js";
import { createTaskRun, endInflight, type TaskDefinition } from "./task-run.js";
import { sha256 } from "./hashing.js";
import { fromRun, indexEarlier } from "./cache.js";
import { runFlowEndHandlers } from "./flow-end.js";
import { dispatchTargetFor, ensureJobQueue, type DispatchTarget, type TaskRunner } from "./dispatch.js";
import { TaskRunList } from "./task-list.js";
import { getRunGraph } from "./graph.js";

export interface FlowDefinition {
  name: string;
  fn: (params: any) => unknown;
  options: FlowOptions<any>;
  timeoutMs: number | null;
  /** "<file>:<flow name>" where the flow was defined, when that is a file. */
  entrypoint: string | null;
}

export interface RunFlowOptions {
  /** Rerun this existing flow run as its next attempt. */
  resume?: FlowRunRecord;
  /**
   * Execute this existing flow run (a Scheduled run a worker claimed) as its attempt 1, instead of creating one.
   * Its id, name, deployment, entry point and state history are kept.
   */
  adopt?: FlowRunRecord;
  entrypoint?: string | null;
  deploymentId?: string | null;
  /** A subflow's parent run: cancelling or timing it out cancels this run too. */
  parentSignal?: AbortSignal;
  /** Execute every task (none comes from cache) and store the new results: `run --refresh-cache`, `%refresh`. */
  refreshCache?: boolean;
  parentTaskRunId?: string | null;
  /** The new run's id (a subflow's parent task run names its child before the child starts). @default a random UUID */
  id?: string;
  /** Where task runs execute: `cellflow run --distributed` overrides the flow's own taskRunner option. */
  taskRunner?: TaskRunner;
  /** A subflow of a distributed flow run dispatches to its parent's target. */
  dispatch?: DispatchTarget;
}

export interface FlowRunOutcome {
  record: FlowRunRecord;
  ok: boolean;
  value?: unknown;
  error?: unknown;
}

/** Run a flow to its end. Rejects only for bad parameters (nothing is created then). */
export async function runFlow(def: FlowDefinition, rawParams: Record<string, unknown>, options: RunFlowOptions = {}): Promise<FlowRunOutcome> {
  const params = validateParameters(def.name, def.options.parameters, rawParams ?? {});
  const engine = getEngine();
  engine.store.checkReadyForRun();
  const dispatch = await dispatchTarget(def, options, engine);
  const live = startLive(def, params as Record<string, unknown>, options, engine);
  live.dispatch = dispatch;
  if (def.options.logPrints) installPrintCapture();
  engine.register(live);
  const parent = options.parentSignal;
  const onParentAbort = () => live.controller.abort(parent!.reason);
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener("abort", onParentAbort, { once: true });
  let outcome: FlowRunOutcome;
  try {
    outcome = await executeFlow(def, live, params, engine);
  } catch (error) {
    // An engine fault, not the user's code: the run is Crashed, and says why.
    live.record.error = toErrorInfo(error);
    engine.setFlowState(live, Crashed(`engine error: ${describeError(toErrorInfo(error))}`));
    await runFlowHooks(def.options.onCrashed, live);
    outcome = { record: live.record, ok: false, error };
  } finally {
    parent?.removeEventListener("abort", onParentAbort);
    engine.unregister(live);
  }
  // The final flush: a store that fails now (disk full) is reported as one STORE error after the end handlers.
  let flushError: unknown = null;
  try {
    engine.store.flush();
  } catch (error) {
    flushError = error;
  }
  await runFlowEndHandlers(outcome.record, def.options);
  if (flushError) throw flushError;
  return outcome;
}

/**
 * Whether the run's task runs go to task workers: a subflow of such a run, `run --distributed`, a rerun of a run whose
 * first attempt did (`runs retry` of a `run --distributed` run dispatches again), or the flow's own option.
 */
function runsDistributed(def: FlowDefinition, options: RunFlowOptions): boolean {
  return options.dispatch !== undefined || (options.taskRunner ?? options.resume?.taskRunner ?? def.options.taskRunner) === "distributed";
}

/** The distributed task runner's target when the run asks for it (refused before anything is created), else null. */
async function dispatchTarget(def: FlowDefinition, options: RunFlowOptions, engine: Engine): Promise<DispatchTarget | null> {
  if (options.dispatch) return options.dispatch;
  if (!runsDistributed(def, options)) return null;
  const target = dispatchTargetFor(def.name, options.adopt?.entrypoint ?? options.resume?.entrypoint ?? options.entrypoint ?? def.entrypoint);
  await ensureJobQueue(engine);
  return target;
}

function startLive(def: FlowDefinition, params: Record<string, unknown>, options: RunFlowOptions, engine: Engine): LiveFlowRun {
  const refresh = options.refreshCache === true;
  if (options.resume) return resumeFlowRun(def, options.resume, engine, refresh);
  if (options.adopt) return adoptFlowRun(def, options.adopt, params, refresh, engine);
  return createFlowRun(def, params, options, engine);
}

/** A scheduled run picked up for execution: same record, attempt 1, its Scheduled/Late history kept. */
function adoptFlowRun(def: FlowDefinition, scheduled: FlowRunRecord, params: Record<string, unknown>, refreshCache: boolean, engine: Engine): LiveFlowRun {
  // One owner per attempt: take the run over from the worker that claimed it (our parent), from nobody, or from a
  // dead process, with a compare-and-set on the owner; a run another live process holds is refused.
  const current = engine.store.getFlowRunRow(scheduled.id)?.owner ?? null;
  const holder = current ? parseOwner(current) : null;
  const handedOver = current === null || current === ownerId() || holder?.pid === process.ppid || ownerAlive(current) === false;
  const history = engine.store.getHistory("flow", scheduled.id) as State[];
  if (!handedOver) throw engine.store.runClaimedError(scheduled.id);
  const claimed = engine.store.adoptPending(scheduled.id, current, `picked up by process ${process.pid}`, def.options.retries ?? 0);
  // Attempt 1, or the next attempt of a run its worker's reaper retried after a crash (PostgreSQL).
  const record: FlowRunRecord = { ...scheduled, parameters: params, attempt: scheduled.attempt, startTime: null, endTime: null, state: claimed };
  delete record.error;
  const live = newLive(record, def, refreshCache);
  live.history = history;
  engine.setFlowState(live, claimed);
  return live;
}

function newLive(record: FlowRunRecord, def: FlowDefinition, refreshCache: boolean): LiveFlowRun {
  const live: LiveFlowRun = {
    record,
    history: [],
    resultRef: null,
    controller: new AbortController(),
    counters: new Map(),
    previous: new Map(),
    earlier: new Map(),
    semaphore: def.options.concurrency ? new Semaphore(def.options.concurrency) : null,
    taskRuns: new TaskRunList(record.id, record.attempt),
    running: new Set(),
    inflight: 0,
    onIdle: null,
    futures: new Set(),
    unobservedFailures: new Set(),
    logPrints: def.options.logPrints ?? false,
    refreshCache,
    hasHistory: false,
    dispatch: null,
  };
  forwardAborts(live);
  return live;
}

/** Cancelling or timing out a flow run aborts every task run it has going. */
function forwardAborts(live: LiveFlowRun): void {
  live.controller.signal.addEventListener("abort", () => {
    for (const task of live.running) task.controller.abort(live.controller.signal.reason);
  });
}

function createFlowRun(def: FlowDefinition, params: Record<string, unknown>, options: RunFlowOptions, engine: Engine): LiveFlowRun {
  const now = Date.now();
  const record: FlowRunRecord = {
    id: options.id ?? crypto.randomUUID(),
    flowName: def.name,
    name: runName(def.name),
    state: Pending(),
    parameters: params,
    attempt: 1,
    startTime: null,
    endTime: null,
    createdAt: now,
    entrypoint: options.entrypoint === undefined ? def.entrypoint : options.entrypoint,
    parentTaskRunId: options.parentTaskRunId ?? null,
    deploymentId: options.deploymentId ?? null,
    tags: def.options.tags ?? [],
  };
  if (runsDistributed(def, options)) record.taskRunner = "distributed";
  const live = newLive(record, def, options.refreshCache === true);
  engine.setFlowState(live, record.state);
  return live;
}

/** A rerun from failure: the same flow run, next attempt; earlier attempts' completed task runs can be reused. */
function resumeFlowRun(def: FlowDefinition, previous: FlowRunRecord, engine: Engine, refreshCache: boolean): LiveFlowRun {
  // One owner per attempt: the store's conditional claim decides between processes rerunning the same run at once.
  const history = engine.store.getHistory("flow", previous.id) as State[];
  const claimed = engine.store.claimNextAttempt(previous.id, previous.attempt, `rerun from failure: attempt ${previous.attempt + 1}`);
  const record: FlowRunRecord = { ...previous, attempt: previous.attempt + 1, startTime: null, endTime: null, state: claimed };
  delete record.error;
  const live = newLive(record, def, refreshCache);
  live.history = history;
  live.hasHistory = true;
  const rows = engine.store.getAllTaskRunRows(previous.id);
  for (const row of rows) live.previous.set(row.dynamic_key, row);
  indexEarlier(live.earlier, rows);
  engine.setFlowState(live, claimed);
  return live;
}

async function executeFlow(def: FlowDefinition, live: LiveFlowRun, params: unknown, engine: Engine): Promise<FlowRunOutcome> {
  const timer = def.timeoutMs === null ? null : setTimeout(() => live.controller.abort(new TimeoutError(`flow ${live.record.name} timed out after ${def.timeoutMs! / 1000}s`)), def.timeoutMs);
  // A rerun keeps the run's history, but gets the flow's retries afresh: count only this execution's.
  const historyBefore = live.history.length;
  try {
    for (;;) {
      engine.setFlowState(live, Running());
      try {
        const value = await invokeFlow(def, live, params);
        await settleSubmitted(live);
        handleFlowSuccess(live, value, engine);
        await runFlowHooks(def.options.onCompletion, live);
        return { record: live.record, ok: true, value };
      } catch (error) {
        await settleSubmitted(live).catch(() => {}); // the body's own error is what the run reports
        const signal = live.controller.signal;
        if (signal.aborted && signal.reason instanceof CancelledError) return await finishFlow(def, live, Cancelled(signal.reason.message), error, engine);
        if (signal.aborted && signal.reason instanceof TimeoutError) return await finishFlow(def, live, TimedOut(signal.reason.message), signal.reason, engine);
        const retriesUsed = live.history.slice(historyBefore).filter((s) => s.name === "AwaitingRetry").length;
        if (retriesUsed < (def.options.retries ?? 0)) {
          await handleFlowRetry(def, live, error, retriesUsed + 1, engine);
          continue;
        }
        return await finishFlow(def, live, Failed(describeError(toErrorInfo(error))), error, engine);
      }
    }
  } finally {
    if (timer) clearTimeout(timer);
  }
}

function invokeFlow(def: FlowDefinition, live: LiveFlowRun, params: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const signal = live.controller.signal;
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    const done = () => signal.removeEventListener("abort", onAbort);
    let result: unknown;
    try {
      result = runContextStorage.run({ flow: live, task: null }, def.fn, params);
    } catch (error) {
      done();
      return reject(error);
    }
    Promise.resolve(result).then(
      (v) => (done(), resolve(v)),
      (e) => (done(), reject(e)),
    );
  });
}

/** The flow ends when everything it submitted has ended; a failure nobody looked at fails the flow. */
async function settleSubmitted(live: LiveFlowRun): Promise<void> {
  while (live.futures.size > 0) {
    const pending = [...live.futures];
    live.futures.clear();
    await Promise.all(pending.map((f) => f.settled));
  }
  // Task calls not awaited, or still ending after a cancel or timeout aborted them.
  if (live.inflight > 0) await new Promise<void>((resolve) => (live.onIdle = resolve));
  const unseen = [...live.unobservedFailures];
  live.unobservedFailures.clear();
  if (unseen.length > 0) {
    const first = unseen[0];
    const err = new Error(`task ${first.record.dynamicKey} failed and its future was never awaited: ${first.record.state.message}`);
    err.name = "UnobservedTaskFailure";
    throw err;
  }
}

function handleFlowSuccess(live: LiveFlowRun, value: unknown, engine: Engine): void {
  try {
    const { bytes, ref } = serializeResult(value);
    if (bytes) engine.store.saveResult(ref, bytes);
    live.resultRef = ref;
  } catch (error) {
    // A flow's return value that cannot be persisted is still returned to the caller; on PostgreSQL one that could
    // not be written (storage unwritable or missing) fails the run, as a task's does, rather than vanish.
    if (!(error instanceof NotPersistableError) && engine.store.onPostgres) {
      throw new CellflowError("STORE", `the result of flow run ${live.record.name} could not be stored: ${(error as Error).message}`, "", { cause: error });
    }
  }
  engine.setFlowState(live, Completed());
}

async function handleFlowRetry(def: FlowDefinition, live: LiveFlowRun, error: unknown, retry: number, engine: Engine): Promise<void> {
  const delay = retryDelayMs(def.options.retryDelay, retry);
  const message = `flow retry ${retry} of ${def.options.retries} in ${(delay / 1000).toFixed(1)}s after: ${describeError(toErrorInfo(error))}`;
  engineLog("warning", message, live.record.id, null);
  engine.setFlowState(live, AwaitingRetry(message, Date.now() + delay));
  await sleep(delay, live.controller.signal);
  // The retry is a new attempt of the same run: completed task runs come back Cached.
  // From the store, not live.taskRuns (which the CLI leaves empty): this attempt's task runs, flushed.
  engine.store.flush();
  const rows = engine.store.getTaskRunRows(live.record.id, live.record.attempt);
  for (const row of rows) live.previous.set(row.dynamic_key, row);
  indexEarlier(live.earlier, rows);
  live.record.attempt += 1;
  live.counters.clear();
  live.taskRuns = new TaskRunList(live.record.id, live.record.attempt);
  live.hasHistory = true;
  engine.store.flush();
}

async function finishFlow(def: FlowDefinition, live: LiveFlowRun, state: State, error: unknown, engine: Engine): Promise<FlowRunOutcome> {
  live.record.error = toErrorInfo(error);
  engineLog("error", `flow run ${live.record.name} ${state.name}: ${describeError(live.record.error)}`, live.record.id, null);
  engine.setFlowState(live, state);
  if (state.type === "FAILED") await runFlowHooks(def.options.onFailure, live);
  return { record: live.record, ok: false, error };
}

async function runFlowHooks(hooks: Array<(run: FlowRunRecord, state: State) => void | Promise<void>> | undefined, live: LiveFlowRun): Promise<void> {
  for (const hook of hooks ?? []) {
    try {
      await hook(live.record, live.record.state);
    } catch (error) {
      engineLog("error", `hook of flow run ${live.record.name} failed: ${describeError(toErrorInfo(error))}`, live.record.id, null);
    }
  }
}

// ── runs driven from outside: a notebook session opens a run, executes cells in it, then closes it ──────────

/** Start a flow run (or the next attempt of one) whose body the caller executes inside `live`'s context. */
export function openFlowRun(def: FlowDefinition, params: Record<string, unknown>, options: RunFlowOptions = {}): LiveFlowRun {
  if (runsDistributed(def, options)) {
    throw new CellflowError("USAGE", `flow '${def.name}' asks for the distributed task runner, which a notebook's own run cannot use (task workers import a module)`, "define the flow in a .ts file and run it with `cellflow run file.ts`");
  }
  const engine = getEngine();
  engine.store.checkReadyForRun();
  const live = startLive(def, params, options, engine);
  if (def.options.logPrints) installPrintCapture();
  engine.register(live);
  engine.setFlowState(live, Running());
  return live;
}

/** End a run opened with openFlowRun: wait for what it submitted, then Completed, Failed or Cancelled. */
export async function closeFlowRun(def: FlowDefinition, live: LiveFlowRun, body: { ok: true; value?: unknown } | { ok: false; error: unknown }): Promise<FlowRunOutcome> {
  const outcome = await settleFlowRun(def, live, body);
  await runFlowEndHandlers(outcome.record, def.options);
  return outcome;
}

async function settleFlowRun(def: FlowDefinition, live: LiveFlowRun, body: { ok: true; value?: unknown } | { ok: false; error: unknown }): Promise<FlowRunOutcome> {
  const engine = getEngine();
  try {
    try {
      await settleSubmitted(live);
      if (!body.ok) throw body.error;
      handleFlowSuccess(live, body.value, engine);
      await runFlowHooks(def.options.onCompletion, live);
      return { record: live.record, ok: true, value: body.value };
    } catch (error) {
      const signal = live.controller.signal;
      if (signal.aborted && signal.reason instanceof CancelledError) return await finishFlow(def, live, Cancelled(signal.reason.message), error, engine);
      return await finishFlow(def, live, Failed(describeError(toErrorInfo(error))), error, engine);
    }
  } finally {
    engine.unregister(live);
    engine.store.flush();
  }
}

// ── subflows ────────────────────────────────────────────────────────────────────────────────────────────────

/** A flow called inside a flow: a task run in the parent stands for the child flow run. */
export async function runSubflow(def: FlowDefinition, params: Record<string, unknown>): Promise<FlowRunOutcome> {
  const engine = getEngine();
  const parentFlow = currentContext()!.flow!;
  const taskDef: TaskDefinition = {
    name: def.name,
    fn: def.fn,
    options: {},
    timings: { timeoutMs: null, cacheExpirationMs: null },
    sourceHash: sha256(def.fn.toString()).slice(0, 32),
    paramNames: ["parameters"],
  };
  const live = createTaskRun(taskDef, engine);
  const previous = parentFlow.previous.get(live.record.dynamicKey);
  let unreadable: string | null = null;
  if (previous?.state_type === "COMPLETED" && previous.result_ref && previous.subflow_run_id && !parentFlow.refreshCache) {
    let value: unknown;
    try {
      value = engine.store.loadResult(previous.result_ref);
    } catch (error) {
      // Like a task's unreadable cached result: run the subflow again rather than fail the parent.
      unreadable = `executed: cached result of subflow run ${previous.subflow_run_id.slice(0, 8)} unreadable (${(error as Error).message})`;
      engineLog("warning", `cached result ${previous.result_ref.slice(0, 12)} could not be read, executing instead: ${(error as Error).message}`, parentFlow.record.id, live.record.id);
    }
    if (unreadable === null) return cachedSubflow(engine, live, previous, previous.subflow_run_id, previous.result_ref, value);
  }
  live.record.runCount = 1;
  live.record.cacheReason = unreadable ?? (parentFlow.refreshCache ? "executed: refresh requested" : previous ? `executed: previous attempt ${previous.state_name}` : "executed: no earlier run");
  const resume = previous?.subflow_run_id ? safeFind(engine, previous.subflow_run_id) : undefined;
  // Named before it starts, so the DAG nests the child's task runs under this task run while they run.
  const childId = resume?.id ?? crypto.randomUUID();
  live.record.subflowRunId = childId;
  engine.setTaskState(live, Running());
  parentFlow.inflight++;
  try {
    const outcome = await runContextStorage.run({ flow: null, task: null }, () =>
      runFlow(def, params, {
        ...(resume ? { resume } : { parentTaskRunId: live.record.id, entrypoint: null, id: childId }),
        parentSignal: parentFlow.controller.signal,
        refreshCache: parentFlow.refreshCache,
        ...(parentFlow.dispatch ? { dispatch: parentFlow.dispatch } : {}),
      }),
    );
    live.record.subflowRunId = outcome.record.id;
    finishSubflowTask(live, outcome, engine);
    return outcome;
  } finally {
    endInflight(parentFlow);
  }
}

function cachedSubflow(engine: Engine, live: LiveTaskRun, previous: TaskRunRow, subflowRunId: string, resultRef: string, value: unknown): FlowRunOutcome {
  live.record.subflowRunId = subflowRunId;
  live.record.cachedFrom = previous.id;
  const record = engine.store.findFlowRun(subflowRunId);
  const from = fromRun(record);
  live.record.cacheReason = `cached: ${from}`;
  live.resultRef = resultRef;
  engine.setTaskState(live, Cached(from));
  return { record, ok: true, value };
}

function safeFind(engine: Engine, id: string): FlowRunRecord | undefined {
  try {
    const record = engine.store.findFlowRun(id);
    return record.state.type === "COMPLETED" ? undefined : record;
  } catch {
    return undefined;
  }
}

function finishSubflowTask(live: LiveTaskRun, outcome: FlowRunOutcome, engine: Engine): void {
  if (outcome.ok) {
    const row = engine.store.getFlowRunRow(outcome.record.id);
    live.resultRef = row?.result_ref ?? null;
    engine.setTaskState(live, Completed());
    return;
  }
  live.record.error = outcome.record.error;
  const s = outcome.record.state;
  engine.setTaskState(live, s.type === "CANCELLED" ? Cancelled(s.message) : Failed(`subflow ${outcome.record.name} ${s.name}: ${s.message}`));
}

// A notebook session reaches the engine through these, without loading it before a cell calls a task.
provideSessionEngine({ openFlowRun, closeFlowRun, CancelledError, getEngine, getRunGraph });

export type { TaskRunRecord, TaskRunRow };
