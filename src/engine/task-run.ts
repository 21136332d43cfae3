// The task run lifecycle: create the run, resolve its inputs, consult the cache, execute with retries,
// timeouts and cancellation, persist the result. Reads top to bottom like the lifecycle it drives.

import type { TaskInput, TaskRunRecord } from "../core/records.js";
import { CellflowError, toErrorInfo, describeError } from "../core/errors.js";
import { AwaitingRetry, Cached, Cancelled, Completed, Failed, isTerminal, Pending, Retrying, Running, TimedOut, type State } from "../core/states.js";
import { NotPersistableError, serializeResult } from "../store/serialize.js";
import { cacheKeyFor, fromRun, effectivePolicy, explainExecution } from "./cache.js";
import { sleep } from "./concurrency.js";
import { currentContext, runContextStorage, TaskAbort, type LiveFlowRun, type LiveTaskRun } from "./context.js";
import { CancelledError, getEngine, TimeoutError, type Engine } from "./engine.js";
import { TaskFuture } from "./future.js";
import { hashValue, UnhashableError } from "./hashing.js";
import { engineLog, installPrintCapture } from "./logger.js";
import { retryDelayMs, type ResolvedTaskTimings, type TaskOptions } from "./options.js";
import { shortTaskRunId, timeOrderedId } from "../core/ids.js";
import { dispatchTask } from "./dispatch.js";
import type { CachedResultRef } from "../store/store.js";
import type { TaskRunRow } from "../store/rows.js";
import type { CachePolicy } from "./options.js";

/** What task() builds: everything the engine needs to run calls of one task. */
export interface TaskDefinition {
  name: string;
  fn: (...args: any[]) => unknown;
  options: TaskOptions;
  timings: ResolvedTaskTimings;
  sourceHash: string;
  paramNames: string[];
}

/** A task whose upstream failed ends Failed without running; the flow sees this error. */
export class UpstreamFailedError extends Error {
  constructor(readonly upstream: string, override readonly cause: unknown) {
    super(`upstream task ${upstream} failed: ${describeError(toErrorInfo(cause))}`);
    this.name = "UpstreamFailedError";
  }
}

const FUTURE_BRAND = Symbol.for("cellflow.future");
(TaskFuture.prototype as unknown as Record<symbol, boolean>)[FUTURE_BRAND] = true;

export function isFuture(value: unknown): value is TaskFuture<unknown> {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[FUTURE_BRAND] === true;
}

let standaloneCounter = 0;
/** Shared by every task run without tags (never mutated): one less array per task run in memory. */
const NO_TAGS: string[] = Object.freeze([]) as unknown as string[];
/** Shared by every task run without inputs or upstream edges (never mutated), as NO_TAGS. */
const NO_INPUTS: TaskInput[] = Object.freeze([]) as unknown as TaskInput[];
const NO_UPSTREAM: string[] = NO_TAGS;
const NO_WAIT: unknown[] = NO_TAGS;

/**
 * Create the task run (Pending) synchronously at the call, so dynamic keys follow call order. A task call's run
 * (`dispatchable`) in a distributed flow is not written yet: see LiveTaskRun.unwritten.
 */
export function createTaskRun(def: TaskDefinition, engine: Engine, dispatchable = false): LiveTaskRun {
  const ctx = currentContext();
  const flow = ctx?.flow ?? null;
  let n: number;
  if (flow) {
    n = flow.counters.get(def.name) ?? 0;
    flow.counters.set(def.name, n + 1);
  } else n = standaloneCounter++;
  const record: TaskRunRecord = {
    id: timeOrderedId(),
    flowRunId: flow?.record.id ?? "",
    flowAttempt: flow?.record.attempt ?? 1,
    taskName: def.name,
    dynamicKey: `${def.name}-${n}`,
    state: Pending(),
    inputs: NO_INPUTS,
    upstream: NO_UPSTREAM,
    cacheKey: null,
    cacheReason: "",
    cachedFrom: null,
    runCount: 0,
    startTime: null,
    endTime: null,
    tags: def.options.tags ?? NO_TAGS,
    subflowRunId: null,
  };
  const live: LiveTaskRun = {
    record,
    sourceHash: def.sourceHash,
    resultRef: null,
    cacheExpires: null,
    history: [],
    controller: new TaskAbort(),
    flow,
    parent: ctx?.task ?? null,
    logPrints: def.options.logPrints ?? flow?.logPrints ?? false,
    slot: -1,
    keyIndex: n,
    // Set here, not added later (setTaskState, lookupCache): a property added to the literal's object gives every task
    // run a properties array of its own (~40 bytes, held as long as its future).
    cacheScope: null,
    unwritten: dispatchable && Boolean(flow?.dispatch),
  };
  if (live.logPrints) installPrintCapture();
  if (flow && engine.keepTaskRecords) live.slot = flow.taskRuns.push(record);
  engine.setTaskState(live, record.state);
  return live;
}

export interface CallOptions {
  waitFor?: unknown[];
}

/** Resolved: what a task run that waits for nothing waits one tick on before it starts (as an await would). */
const TICK = Promise.resolve();

/**
 * Run one call of a task to its end. Resolves to the task's value; rejects with its error. A submitted call passes
 * its future: the outcome goes there, and the promise resolves (never rejects) once it has.
 *
 * A call with nothing to wait for (no futures among its arguments, no waitFor, no concurrency slot, not dispatched
 * to task workers) whose inputs hash without an error starts one tick later through TICK.then(): no suspended async
 * function held per task run in flight (a loop of 10,000 submits holds 10,000), and a synchronous task ends in that
 * tick. Any other call goes through runTaskAsync, with the same steps in the same order.
 */
export function runTask(def: TaskDefinition, live: LiveTaskRun, args: unknown[], call: CallOptions, future: TaskFuture<unknown> | null = null): Promise<unknown> {
  if ((call.waitFor?.length ?? 0) > 0 || needsSlots(def, live) || live.flow?.dispatch || args.some(hasFuture)) return runTaskAsync(def, live, args, call, future, null);
  const engine = getEngine();
  const inputs = inputsNow(def, live, args, engine);
  if (isThenable(inputs)) return runTaskAsync(def, live, args, call, future, inputs as Promise<never>);
  if (live.flow) live.flow.inflight++;
  return TICK.then(() => runStarted(def, live, inputs as unknown[], future, engine));
}

/** runTaskAsync's steps after the inputs, for a call runTask() started itself: the value, or a promise of it. */
function runStarted(def: TaskDefinition, live: LiveTaskRun, resolved: unknown[], future: TaskFuture<unknown> | null, engine: Engine): unknown {
  if (live.flow) live.flow.running.add(live);
  let outcome: unknown;
  try {
    const cached = lookupCache(def, live, resolved, engine);
    outcome = cached ? handleCached(live, cached, engine) : execute(def, live, resolved, engine);
  } catch (error) {
    return endRun(def, live, future, engine, false, error);
  }
  return isThenable(outcome) ? endLater(def, live, future, engine, outcome as Promise<unknown>) : endRun(def, live, future, engine, true, outcome);
}

async function endLater(def: TaskDefinition, live: LiveTaskRun, future: TaskFuture<unknown> | null, engine: Engine, outcome: Promise<unknown>): Promise<unknown> {
  let value: unknown;
  try {
    value = await outcome;
  } catch (error) {
    return endRun(def, live, future, engine, false, error);
  }
  return endRun(def, live, future, engine, true, value);
}

/** The end of a run runStarted() began, in runTaskAsync's order: the error's state, off the running set, the outcome, inflight. */
function endRun(def: TaskDefinition, live: LiveTaskRun, future: TaskFuture<unknown> | null, engine: Engine, ok: boolean, outcome: unknown): unknown {
  const flow = live.flow;
  try {
    if (!ok && !isTerminal(live.record.state)) handleException(def, live, outcome, engine);
  } catch (error) {
    // As in runTaskAsync: an error while recording the failure (the store's, say) is the one the caller sees.
    outcome = error;
  } finally {
    flow?.running.delete(live);
  }
  try {
    if (future) {
      if (ok) future.fulfil(outcome);
      else future.fail(outcome);
      return undefined;
    }
    if (ok) return outcome;
    throw outcome;
  } finally {
    if (flow) endInflight(flow);
  }
}

/** runTask() for a call that waits first, or whose inputs failed to hash (`inputs`: what inputsNow() gave then). */
async function runTaskAsync(def: TaskDefinition, live: LiveTaskRun, args: unknown[], call: CallOptions, future: TaskFuture<unknown> | null, inputs: Promise<never> | null): Promise<unknown> {
  const engine = getEngine();
  const flow = live.flow;
  if (flow) flow.inflight++;
  try {
    let resolved: unknown[];
    // A distributed flow's task run that waits before its dispatch (for upstream task runs or a tag slot) is written
    // Pending now, so other processes see it wait; one dispatched at once is written with its job.
    if (live.unwritten && waitsFirst(def, live, args, call)) {
      live.unwritten = false;
      engine.store.saveTaskRun(live.record, live);
    }
    const waitFor = call.waitFor ?? NO_WAIT;
    try {
      checkWaitForCycle(live, waitFor);
      // Arguments without futures and no waitFor: nothing to wait for, so no async function either (the await
      // below still takes the one tick it took, so a submitted task starts after submit() returns, as before).
      resolved = await (inputs ?? (waitFor.length === 0 && !args.some(hasFuture) ? inputsNow(def, live, args, engine) : resolveInputs(def, live, args, waitFor, engine)));
    } catch (error) {
      if (error instanceof UpstreamFailedError && isCancellation(error.cause, live)) {
        // Downstream of a cancelled task is cancelled too, not failed.
        live.record.cacheReason = `not run: upstream \`${error.upstream}\` was cancelled`;
        finish(engine, live, Cancelled(`upstream ${error.upstream} was cancelled`), error.cause);
      } else if (error instanceof UpstreamFailedError) {
        live.record.cacheReason = `not run: upstream \`${error.upstream}\` failed`;
        finish(engine, live, Failed(error.message), error);
      } else handleException(def, live, error, engine); // e.g. a waitFor cycle: never leave the run Pending
      throw error;
    }
    if (flow) flow.running.add(live);
    let release: (() => void) | null = null;
    let value: unknown;
    try {
      // Most task runs wait for no slot: no await (a promise and a tick per task run) when there is none to take.
      if (needsSlots(def, live)) release = await acquireSlots(def, live, engine);
      const cached = lookupCache(def, live, resolved, engine);
      if (cached) value = handleCached(live, cached, engine);
      // The distributed task runner: a task worker executes it; this process waits for its end.
      else if (flow?.dispatch) value = await dispatchTask(def, live, resolved, flow.dispatch, engine);
      else {
        // A synchronous task usually ends inside execute(): its value, not a promise (see execute).
        const outcome = execute(def, live, resolved, engine);
        value = isThenable(outcome) ? await outcome : outcome;
      }
    } catch (error) {
      if (!isTerminal(live.record.state)) handleException(def, live, error, engine);
      throw error;
    } finally {
      release?.();
      flow?.running.delete(live);
    }
    if (!future) return value;
    future.fulfil(value);
  } catch (error) {
    if (!future) throw error;
    future.fail(error);
  } finally {
    if (flow) endInflight(flow);
  }
}

/** One task run or subflow of `flow` has ended; wake the flow if it waits for the last one. */
export function endInflight(flow: LiveFlowRun): void {
  if (--flow.inflight === 0 && flow.onIdle) {
    const wake = flow.onIdle;
    flow.onIdle = null;
    wake();
  }
}

// ── inputs ──────────────────────────────────────────────────────────────────────────────────────────────────

/** Arrays longer than this are not scanned for task results: a data set is not a list of edges. */
const ARRAY_EDGE_SCAN = 1000;

/** Shared by inputsNow() for primitive arguments, which never add to it (inputOf adds edges of objects only). */
const NO_EDGES = new Set<string>();
NO_EDGES.add = () => {
  throw new Error("internal: an edge was added to the shared empty set");
};

function isObjectLike(arg: unknown): boolean {
  return typeof arg === "object" && arg !== null;
}

/** Whether an argument is a future, or an array holding one: the task run waits for its upstream first. */
function hasFuture(arg: unknown): boolean {
  return isFuture(arg) || (Array.isArray(arg) && arg.some(isFuture));
}

/**
 * The inputs of a call whose arguments hold no futures and that waits for nothing (most calls): resolveInputs
 * without an async function. Its error comes back as a rejected promise, so the caller's await sees it when it
 * saw it before.
 */
function inputsNow(def: TaskDefinition, live: LiveTaskRun, args: unknown[], engine: Engine): unknown[] | Promise<never> {
  // One input per argument, in an array of that length: no room for 17 that a push makes, and no copy to its length.
  const inputs: TaskInput[] = new Array(args.length);
  // Only an object argument can be an edge (a task's result, or an array of them): none, no set.
  const upstream = args.some(isObjectLike) ? new Set<string>() : NO_EDGES;
  let n = 0;
  try {
    for (; n < args.length; n++) inputs[n] = inputOf(def, n, args[n], null, upstream, engine);
  } catch (error) {
    inputs.length = n;
    return Promise.reject(error);
  } finally {
    setInputs(live, inputs, upstream);
  }
  return args;
}

async function resolveInputs(def: TaskDefinition, live: LiveTaskRun, args: unknown[], waitFor: unknown[], engine: Engine): Promise<unknown[]> {
  const inputs: TaskInput[] = [];
  const upstream = new Set<string>();
  const resolved: unknown[] = new Array(args.length);
  // The edges are recorded even when an upstream failed, so the DAG shows what this run waited on.
  try {
    for (let i = 0; i < args.length; i++) {
      let arg = args[i];
      const fromFuture = isFuture(arg) ? arg.taskRunId : null;
      if (isFuture(arg)) arg = await settleFuture(arg, upstream);
      else if (Array.isArray(arg) && arg.some(isFuture)) {
        const items: unknown[] = [];
        for (const item of arg) items.push(isFuture(item) ? await settleFuture(item, upstream) : item);
        arg = items;
      }
      resolved[i] = arg;
      inputs.push(inputOf(def, i, arg, fromFuture, upstream, engine));
    }
    for (const item of waitFor) {
      if (isFuture(item)) {
        await item.settled;
        item.markObserved();
        const id = item.taskRunId;
        if (id) {
          upstream.add(id);
          inputs.push({ name: "waitFor", kind: "wait_for", taskRunId: id });
        }
        const outcome = item.settledOutcome;
        if (outcome && !outcome.ok) throw new UpstreamFailedError(item.taskRun?.record.dynamicKey ?? "?", outcome.error);
      } else if (item && typeof (item as PromiseLike<unknown>).then === "function") {
        try {
          await item;
        } catch (error) {
          throw new UpstreamFailedError("waitFor promise", error);
        }
      }
    }
  } finally {
    // Copied to their length: a pushed-to array keeps room for 17 elements, and a live DAG keeps every record.
    setInputs(live, inputs.slice(), upstream);
  }
  return resolved;
}

/** Argument `i` (its value resolved) as an input: an edge (added to `upstream`) when a task returned it, else its hash. */
function inputOf(def: TaskDefinition, i: number, arg: unknown, fromFuture: string | null, upstream: Set<string>, engine: Engine): TaskInput {
  const name = def.paramNames[i] ?? `arg${i}`;
  const origin = typeof arg === "object" && arg !== null ? engine.origins.get(arg) : undefined;
  if (!origin && Array.isArray(arg) && arg.length <= ARRAY_EDGE_SCAN) {
    // A list of task results (e.g. from futures.result()) is an edge to each of those tasks.
    for (const item of arg) {
      const from = typeof item === "object" && item !== null ? engine.origins.get(item) : undefined;
      if (from) upstream.add(from.taskRunId);
    }
  }
  if (origin) {
    upstream.add(origin.taskRunId);
    return { name, kind: "task_run", taskRunId: origin.taskRunId, hash: origin.hash };
  }
  let hash: string | undefined;
  try {
    hash = hashValue(arg, (obj: object) => engine.origins.get(obj)?.hash);
  } catch (error) {
    if (!(error instanceof UnhashableError)) throw error;
  }
  // Literals, not `{ ...input, hash }`: a spread object gets a hidden class of its own (~200 bytes per task run).
  if (fromFuture) return hash === undefined ? { name, kind: "task_run", taskRunId: fromFuture } : { name, kind: "task_run", taskRunId: fromFuture, hash };
  return hash === undefined ? { name, kind: "value" } : { name, kind: "value", hash };
}

/** `inputs` (kept as is: an array of its length) and the edges become the record's. */
function setInputs(live: LiveTaskRun, inputs: TaskInput[], upstream: Set<string>): void {
  live.record.inputs = inputs.length === 0 ? NO_INPUTS : inputs;
  live.record.upstream = upstream.size === 0 ? NO_UPSTREAM : [...upstream];
}

async function settleFuture(future: TaskFuture<unknown>, upstream: Set<string>): Promise<unknown> {
  await future.settled;
  future.markObserved();
  const outcome = future.settledOutcome!;
  if (future.taskRunId) upstream.add(future.taskRunId);
  if (!outcome.ok) throw new UpstreamFailedError(future.taskRun?.record.dynamicKey ?? "?", outcome.error);
  return outcome.value;
}

/** A task that waits for one of the task runs it is nested in would wait forever. */
function checkWaitForCycle(live: LiveTaskRun, waitFor: unknown[]): void {
  for (const item of waitFor) {
    if (!isFuture(item)) continue;
    const target = item.taskRun;
    if (!target) continue;
    for (let p: LiveTaskRun | null = live.parent; p; p = p.parent) {
      if (p === target || p.record.id === target.record.id) {
        throw new CellflowError(
          "WAITFOR_CYCLE",
          `waitFor cycle: task ${live.record.dynamicKey} waits for ${target.record.dynamicKey}, which cannot finish before ${live.record.dynamicKey} does`,
          `remove ${target.record.dynamicKey} from the waitFor list of ${def(live)}`,
        );
      }
    }
    if (target === live) {
      throw new CellflowError("WAITFOR_CYCLE", `waitFor cycle: task ${live.record.dynamicKey} waits for itself`, "remove it from its own waitFor list");
    }
  }
}

function def(live: LiveTaskRun): string {
  return `'${live.record.taskName}'`;
}

/** Whether the task run waits before it can start: for futures among its arguments, `waitFor`, or a tag slot. */
function waitsFirst(def: TaskDefinition, live: LiveTaskRun, args: unknown[], call: CallOptions): boolean {
  if ((call.waitFor?.length ?? 0) > 0 || needsSlots(def, live)) return true;
  return args.some((arg) => isFuture(arg) || (Array.isArray(arg) && arg.some(isFuture)));
}

function needsSlots(task: TaskDefinition, live: LiveTaskRun): boolean {
  return (live.flow?.semaphore != null && !live.parent) || (task.options.tags?.length ?? 0) > 0;
}

async function acquireSlots(task: TaskDefinition, live: LiveTaskRun, engine: Engine): Promise<(() => void) | null> {
  const flow = live.flow;
  const releases: Array<() => void> = [];
  const signal = flow?.controller.signal ?? live.controller.signal;
  if (flow?.semaphore && !live.parent) releases.push(await flow.semaphore.acquire(signal));
  const tags = task.options.tags ?? [];
  if (tags.length > 0) {
    const limits = engine.limits.limitsFor(tags);
    if (limits.size > 0) releases.push(await engine.limits.acquire(live.record.id, limits, signal));
  }
  return releases.length ? () => releases.forEach((r) => r()) : null;
}

// ── cache ───────────────────────────────────────────────────────────────────────────────────────────────────

interface CacheHit {
  taskRunId: string;
  /** The flow run the result came from, to name it in the cache reason. */
  flowRunId: string | null;
  value: unknown;
  resultRef: string | null;
  expires: number | null;
}

function lookupCache(def: TaskDefinition, live: LiveTaskRun, args: unknown[], engine: Engine): CacheHit | null {
  const flow = live.flow;
  const explicit = def.options.cachePolicy !== undefined || def.options.cacheKey !== undefined;
  const policy = flow || explicit ? effectivePolicy(def.options) : "none";
  const scope = explicit ? "global" : "run";
  const refresh = def.options.refreshCache === true || flow?.refreshCache === true;
  const custom = def.options.cacheKey ? customKey(def, live, args) : undefined;
  const key = cacheKeyFor({ taskName: def.name, policy, scope, flowRunId: flow?.record.id ?? null, sourceHash: def.sourceHash, inputs: live.record.inputs }, custom);
  live.record.cacheKey = key;
  live.cacheScope = scope === "run" ? "run" : null;
  const previous = flow?.previous.get(live.record.dynamicKey);
  if (key === null || refresh) {
    live.record.cacheReason = explainMiss(def, live, previous, policy, key, refresh);
    return null;
  }
  const now = Date.now();
  const memo = engine.recall(key);
  if (memo && (memo.expires === null || memo.expires > now)) return memo;
  // A key scoped to this run can only have been stored by an earlier attempt of it; any other is in the store's index.
  const stored = scope === "global" ? engine.store.findCached(key) : flow?.hasHistory ? earlierCached(flow, key) : null;
  if (stored) {
    if (stored.cacheExpires !== null && stored.cacheExpires <= now) {
      live.record.cacheReason = `executed: cached result of ${shortTaskRunId(stored.taskRunId)} expired`;
      return null;
    }
    try {
      const value = engine.store.loadResult(stored.resultRef);
      return { taskRunId: stored.taskRunId, flowRunId: stored.flowRunId, value, resultRef: stored.resultRef, expires: stored.cacheExpires };
    } catch (error) {
      live.record.cacheReason = `executed: cached result of ${shortTaskRunId(stored.taskRunId)} unreadable (${(error as Error).message})`;
      engineLog("warning", `cached result ${stored.resultRef.slice(0, 12)} could not be read, executing instead: ${(error as Error).message}`, flow?.record.id ?? null, live.record.id);
      return null;
    }
  }
  live.record.cacheReason = explainMiss(def, live, previous, policy, key, refresh);
  return null;
}

/** Why the task run executes instead of coming from cache (explainExecution with this run's parts). */
function explainMiss(def: TaskDefinition, live: LiveTaskRun, previous: TaskRunRow | undefined, policy: CachePolicy, key: string | null, refresh: boolean): string {
  return explainExecution(previous, { sourceHash: def.sourceHash, inputs: live.record.inputs, policy, key }, refresh ? { ...def.options, refreshCache: true } : def.options);
}

/** A result an earlier attempt of this flow run stored under `key` (see LiveFlowRun.earlier). */
function earlierCached(flow: LiveFlowRun, key: string): CachedResultRef | null {
  const row = flow.earlier.get(key);
  return row ? { taskRunId: row.id, flowRunId: row.flow_run_id, resultRef: row.result_ref!, cacheExpires: row.cache_expires } : null;
}

/** The task's own cacheKey function; one that throws is logged and the call is not cached (it still runs). */
function customKey(def: TaskDefinition, live: LiveTaskRun, args: unknown[]): string | null {
  try {
    return def.options.cacheKey!({ taskName: def.name, flowRunId: flowIdOf(live), sourceHash: def.sourceHash }, ...args);
  } catch (error) {
    engineLog("warning", `cacheKey of ${live.record.dynamicKey} threw, so this call is not cached: ${messageOf(error)}`, flowIdOf(live), live.record.id);
    return null;
  }
}

function handleCached(live: LiveTaskRun, hit: CacheHit, engine: Engine): unknown {
  live.record.cachedFrom = hit.taskRunId;
  const from = fromRun(sourceRun(engine, hit.flowRunId));
  live.record.cacheReason = `cached: ${from}`;
  live.resultRef = hit.resultRef;
  live.cacheExpires = hit.expires;
  trackOrigin(engine, hit.value, live.record.id, hit.resultRef);
  engine.setTaskState(live, Cached(from));
  return hit.value;
}

/** The flow run a cached result came from: live in this process, else from the store. */
function sourceRun(engine: Engine, flowRunId: string | null): { id: string; name: string } | null {
  if (!flowRunId) return null;
  const live = engine.live.get(flowRunId);
  if (live) return live.record;
  const row = engine.store.getFlowRunRow(flowRunId);
  return row ? { id: row.id, name: row.name } : null;
}

// ── execution ───────────────────────────────────────────────────────────────────────────────────────────────

/** On a task worker: execute a dispatched task run (claimed by this worker) to its end, as a local one would. */
export async function executeDispatched(def: TaskDefinition, live: LiveTaskRun, args: unknown[]): Promise<void> {
  const engine = getEngine();
  try {
    await execute(def, live, args, engine);
  } catch (error) {
    if (!isTerminal(live.record.state)) handleException(def, live, error, engine);
  }
}

/**
 * Execute the task run, with its retries, to its end: its value, or a promise of it. A synchronous task (its
 * function returns a plain value) that completes on its first attempt and has no onCompletion hooks ends here,
 * without a promise or a tick; any other attempt, and what follows it, goes on in executeAsync. A task's value is
 * never a thenable (invoke() awaits one), so a thenable returned here is always the execution still going on.
 */
function execute(def: TaskDefinition, live: LiveTaskRun, args: unknown[], engine: Engine): unknown {
  const retries = def.options.retries ?? 0;
  beginAttempt(live, retries, engine);
  let value: unknown;
  try {
    value = invokeNow(def, live, args);
    if (isThenable(value)) return executeAsync(def, live, args, engine, value as Promise<unknown>);
    handleSuccess(def, live, value, engine);
  } catch (error) {
    // Seen one tick later through the rejection, where an attempt's failure was always seen.
    return executeAsync(def, live, args, engine, Promise.reject(error));
  }
  if (def.options.onCompletion?.length) return runHooks(def.options.onCompletion, live).then(() => value);
  return value;
}

/** The attempt `attempt` (already started) to its end, then any retries, as execute() left them. */
async function executeAsync(def: TaskDefinition, live: LiveTaskRun, args: unknown[], engine: Engine, attempt: Promise<unknown>): Promise<unknown> {
  const retries = def.options.retries ?? 0;
  for (;;) {
    try {
      const value = await attempt;
      handleSuccess(def, live, value, engine);
      if (def.options.onCompletion?.length) await runHooks(def.options.onCompletion, live);
      return value;
    } catch (error) {
      if (isCancellation(error, live)) {
        finish(engine, live, Cancelled(messageOf(error)), error);
        throw error;
      }
      const n = live.record.runCount;
      if (n <= retries && shouldRetry(def, live, error, n)) {
        await handleRetry(def, live, error, engine);
        beginAttempt(live, retries, engine);
        attempt = invoke(def, live, args);
        continue;
      }
      handleException(def, live, error, engine);
      if (live.record.state.type === "FAILED") await runHooks(def.options.onFailure, live);
      throw error;
    }
  }
}

/** Count the attempt and announce it: Running for the first, Retrying for the others. */
function beginAttempt(live: LiveTaskRun, retries: number, engine: Engine): void {
  live.record.runCount++;
  if (live.controller.aborted) live.controller = new TaskAbort();
  engine.setTaskState(live, live.record.runCount === 1 ? Running() : Retrying(`attempt ${live.record.runCount} of ${retries + 1}`));
}

/** The task's retryCondition; one that throws is logged and means "do not retry": the task keeps its own error. */
function shouldRetry(def: TaskDefinition, live: LiveTaskRun, error: unknown, attempt: number): boolean {
  const condition = def.options.retryCondition;
  if (!condition) return true;
  try {
    return Boolean(condition(error, attempt));
  } catch (thrown) {
    engineLog("error", `retryCondition of ${live.record.dynamicKey} threw, so it is not retried: ${messageOf(thrown)}`, flowIdOf(live), live.record.id);
    return false;
  }
}

/** One attempt as a promise of its value: rejects with its error, or at once when it is aborted (cancelled, timed out). */
function invoke(def: TaskDefinition, live: LiveTaskRun, args: unknown[]): Promise<unknown> {
  try {
    const result = invokeNow(def, live, args);
    return isThenable(result) ? (result as Promise<unknown>) : Promise.resolve(result);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Start one attempt: the task's value when its function returned a plain value, else a promise of the value that
 * rejects as soon as the attempt is aborted (cancelled, timed out). Throws the attempt's error when the function
 * threw, or the abort's reason when the attempt was aborted before it started or while the function ran.
 */
function invokeNow(def: TaskDefinition, live: LiveTaskRun, args: unknown[]): unknown {
  const abort = live.controller;
  if (abort.aborted) throw abort.reason;
  if (live.flow?.controller.signal.aborted) throw live.flow.controller.signal.reason;
  const timeoutMs = def.timings.timeoutMs;
  const timer = timeoutMs === null ? null : setTimeout(() => abort.abort(new TimeoutError(`task ${live.record.dynamicKey} timed out after ${timeoutMs / 1000}s`)), timeoutMs);
  let result: unknown;
  try {
    result = runContextStorage.run({ flow: live.flow, task: live }, def.fn, ...args);
  } catch (error) {
    if (timer) clearTimeout(timer);
    // Aborted while the function ran (it cancelled its own flow, say): the abort came first.
    throw abort.aborted ? abort.reason : error;
  }
  // A plain value (a synchronous task) settles now: no promise and no tick more per task run.
  if (!isThenable(result)) {
    if (timer) clearTimeout(timer);
    if (abort.aborted) throw abort.reason;
    return result;
  }
  return new Promise((resolve, reject) => {
    // Aborted while the function ran: rejected now, as an abort later rejects at once (its promise may never settle).
    if (abort.aborted) reject(abort.reason);
    else abort.onAbort = reject;
    const done = () => {
      abort.onAbort = null;
      if (timer) clearTimeout(timer);
    };
    Promise.resolve(result).then(
      (value) => {
        done();
        resolve(value);
      },
      (error) => {
        done();
        reject(error);
      },
    );
  });
}

function isThenable(value: unknown): boolean {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as PromiseLike<unknown>).then === "function";
}

function isCancellation(error: unknown, live: LiveTaskRun): boolean {
  return error instanceof CancelledError || (live.flow?.controller.signal.aborted === true && live.flow.controller.signal.reason instanceof CancelledError);
}

function handleSuccess(def: TaskDefinition, live: LiveTaskRun, value: unknown, engine: Engine): void {
  const flowRunId = flowIdOf(live);
  if (def.options.persistResult !== false) {
    try {
      const { bytes, ref } = serializeResult(value);
      if (bytes) engine.store.saveResult(ref, bytes);
      live.resultRef = ref;
    } catch (error) {
      // On PostgreSQL other processes and machines may need this result (a downstream task elsewhere, a rerun,
      // `runs result`): one that cannot be written fails the task (retried as its retries allow), never vanishes.
      if (!(error instanceof NotPersistableError) && engine.store.onPostgres) {
        throw new CellflowError("STORE", `the result of ${live.record.dynamicKey} could not be stored: ${(error as Error).message}`, "", { cause: error });
      }
      const why = error instanceof NotPersistableError ? error.message : `it could not be written: ${(error as Error).message}`;
      // On a task worker the result is the only way back to the flow: a task run whose result cannot be stored fails.
      if (live.workerId) throw new CellflowError("DISTRIBUTED", `the result of ${live.record.dynamicKey} cannot be sent back to its flow: ${why}`, "return plain data from tasks that run on workers");
      engineLog("warning", `result of ${live.record.dynamicKey} is kept in memory only and will not be cached across processes: ${why}`, flowRunId, live.record.id);
    }
  }
  const expirationMs = def.timings.cacheExpirationMs;
  live.cacheExpires = expirationMs === null ? null : Date.now() + expirationMs;
  trackOrigin(engine, value, live.record.id, live.resultRef);
  if (live.record.cacheKey) engine.remember(live.record.cacheKey, { taskRunId: live.record.id, flowRunId: flowIdOf(live), value, resultRef: live.resultRef, expires: live.cacheExpires });
  finish(engine, live, Completed(), undefined);
}

async function handleRetry(def: TaskDefinition, live: LiveTaskRun, error: unknown, engine: Engine): Promise<void> {
  const attempt = live.record.runCount;
  const delay = retryDelayMs(def.options.retryDelay, attempt, def.options.retryJitter ?? 0);
  const message = `retry ${attempt} of ${def.options.retries} in ${(delay / 1000).toFixed(delay < 1000 ? 2 : 1)}s after: ${messageOf(error)}`;
  engineLog("warning", `${live.record.dynamicKey} failed, ${message}`, flowIdOf(live), live.record.id);
  engine.setTaskState(live, AwaitingRetry(message, Date.now() + delay));
  await sleep(delay, live.flow?.controller.signal);
}

function handleException(def: TaskDefinition, live: LiveTaskRun, error: unknown, engine: Engine): void {
  if (isCancellation(error, live)) return finish(engine, live, Cancelled(messageOf(error)), error);
  const state = error instanceof TimeoutError ? TimedOut(error.message) : Failed(messageOf(error));
  const info = toErrorInfo(error); // its stack mapped to cell lines, engine frames hidden, when the task is a cell's
  engineLog("error", `${live.record.dynamicKey} ${state.name === "TimedOut" ? "timed out" : "failed"}: ${info.stack ?? describeError(info)}`, flowIdOf(live), live.record.id);
  live.record.error = info;
  engine.setTaskState(live, state);
}

function finish(engine: Engine, live: LiveTaskRun, state: State, error: unknown): void {
  if (error !== undefined) live.record.error = toErrorInfo(error);
  engine.setTaskState(live, state);
}

/** The flow run a task run belongs to, for its log lines (on a task worker there is no live flow run). */
function flowIdOf(live: LiveTaskRun): string | null {
  return live.record.flowRunId || null;
}

function messageOf(error: unknown): string {
  return describeError(toErrorInfo(error));
}

function trackOrigin(engine: Engine, value: unknown, taskRunId: string, resultRef: string | null): void {
  if (typeof value === "object" && value !== null) engine.origins.set(value, { taskRunId, hash: resultRef ?? `mem:${taskRunId}` });
}

/** Hooks run after the state is set; one that throws is logged and never changes the run's state. */
async function runHooks(hooks: Array<(task: TaskRunRecord, state: State) => void | Promise<void>> | undefined, live: LiveTaskRun): Promise<void> {
  for (const hook of hooks ?? []) {
    try {
      await hook(live.record, live.record.state);
    } catch (error) {
      engineLog("error", `hook of ${live.record.dynamicKey} failed: ${messageOf(error)}`, flowIdOf(live), live.record.id);
    }
  }
}
