// The distributed task runner: a flow run that asks for it (`flow({ taskRunner: "distributed" })`, `cellflow run
// --distributed`) keeps its DAG, cache keys and states here, and hands each task run whose cache missed to task
// workers (`cellflow worker --tasks`) through graphile-worker; it awaits the run's end and goes on. A worker runs
// the task run through this same engine (retries, timeouts, logs, hooks, result storage): executeDispatched.

import fs from "node:fs";
import path from "node:path";
import v8 from "node:v8";
import type { ErrorInfo } from "../core/errors.js";
import { CellflowError, describeError, toErrorInfo } from "../core/errors.js";
import { Cancelled, Failed, TimedOut, type State, type StateName, type StateType } from "../core/states.js";
import { sha256 } from "../core/hash.js";
import { decodeHistory } from "../store/run-state.js";
import { taskRunFromRow, type TaskRunRow } from "../store/rows.js";
import type { EndedTaskRun } from "../store/task-queue.js";
import { deserializeResult, NotPersistableError, serializeValue } from "../store/serialize.js";
import type { TaskOptions } from "./options.js";
import { TaskAbort, type LiveFlowRun, type LiveTaskRun } from "./context.js";
import { CancelledError, TimeoutError, type Engine } from "./engine.js";
import { globalSingleton } from "./global.js";
import { engineLog } from "./logger.js";

export type TaskRunner = "local" | "distributed";

/** Where task workers find a distributed flow's tasks: its module, and the content hash they must have too. */
export interface DispatchTarget {
  /** The module, relative to the flow process's working directory when inside it (workers start in theirs). */
  entry: string;
  /** sha256 of the module's source: a worker with other code refuses the task run. */
  hash: string;
}

/** A task run's argument on its way to a worker: inline bytes, or the content address of a stored result. */
type WireArg = { v: string } | { ref: string };

/** What a dispatched task run's job carries (graphile-worker payload, JSON). */
export interface DispatchPayload {
  /** The task run's id (also the job's key). */
  id: string;
  entry: string;
  hash: string;
  task: string;
  /** The task function's source hash: which of the module's tasks of that name. */
  src: string;
  args: WireArg[];
  /** The call's options that survive JSON (retries, timeout, …); functions come from the module's definition. */
  opts: Partial<TaskOptions>;
}

/** How often a waiting flow process looks for ended task runs without a notification (one lost in a reconnect). */
const POLL_MS = 1000;
/** A task worker whose heartbeat is older than this does not count as running, for the "no worker" hint. */
const WORKER_SEEN_MS = 30_000;

/** A module's content hash, as a flow process and its workers compute it. */
export function sourceHashOf(file: string): string {
  return sha256(fs.readFileSync(file)).slice(0, 32);
}

/** The dispatch target of a flow defined in `entrypoint` ("<file>:<flow>"); refuses what workers cannot import. */
export function dispatchTargetFor(flowName: string, entrypoint: string | null, cwd = process.cwd()): DispatchTarget {
  const file = entrypoint ? entrypoint.slice(0, entrypoint.lastIndexOf(":")) : null;
  if (!file || !/\.[cm]?[jt]sx?$/.test(file)) {
    throw new CellflowError(
      "USAGE",
      `flow '${flowName}' cannot run its tasks on task workers: ${file ? `${path.basename(file)} is not a module` : "it was not defined in a module file"} (workers import the flow's module to find its tasks)`,
      "define the flow in a .ts or .js file and run it with `cellflow run file.ts --distributed`",
    );
  }
  const relative = path.relative(cwd, file);
  const entry = relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
  return { entry, hash: sourceHashOf(file) };
}

/** Install graphile-worker's schema once per process before the first dispatch (its own migrations are idempotent). */
const queueReady = globalSingleton("dispatchQueueReady", () => ({ promise: null as Promise<void> | null }));
export function ensureJobQueue(engine: Engine): Promise<void> {
  if (!engine.store.onPostgres) {
    return Promise.reject(new CellflowError("USAGE", "distributed task runs need the store on PostgreSQL", "set CELLFLOW_DATABASE_URL=postgres://… here and on every task worker (see README, Scaling out)"));
  }
  queueReady.promise ??= import("../worker/job-queue.js").then(({ installJobQueue }) =>
    installJobQueue(process.env.CELLFLOW_DATABASE_URL!.trim(), (line) => process.stderr.write(`cellflow: ${line}\n`)),
  );
  queueReady.promise.catch(() => (queueReady.promise = null));
  return queueReady.promise;
}

// ── the flow process's side ──────────────────────────────────────────────────────────────────────────────────

/** Hand the task run to task workers (its cache missed) and resolve to its value, or reject with its error. */
export function dispatchTask(def: { name: string; sourceHash: string; options: TaskOptions; paramNames: string[] }, live: LiveTaskRun, args: unknown[], target: DispatchTarget, engine: Engine): Promise<unknown> {
  const payload: DispatchPayload = {
    id: live.record.id,
    entry: target.entry,
    hash: target.hash,
    task: def.name,
    src: def.sourceHash,
    args: args.map((arg, i) => wireArg(arg, def.paramNames[i] ?? `arg${i}`, live, engine)),
    opts: portableOptions(def.options),
  };
  const waiting = remoteTasks(engine).wait(live);
  // The row marks the task run dispatched (max_retries set); its job joins the batch. Written here for the first
  // time when the task run was dispatched at once (createTaskRun left it unwritten), else again.
  live.maxRetries = def.options.retries ?? 0;
  live.unwritten = false;
  engine.store.saveTaskRun(live.record, live);
  engine.store.taskQueue.dispatch({ id: live.record.id, payload });
  return waiting;
}

function wireArg(arg: unknown, name: string, live: LiveTaskRun, engine: Engine): WireArg {
  const origin = typeof arg === "object" && arg !== null ? engine.origins.get(arg) : undefined;
  if (origin && !origin.hash.startsWith("mem:")) return { ref: origin.hash };
  try {
    return { v: serializeValue(arg).toString("base64") };
  } catch (error) {
    const why = error instanceof NotPersistableError ? error.message.replace(/^the result/, "it") : (error as Error).message;
    throw new CellflowError("DISTRIBUTED", `argument '${name}' of task ${live.record.dynamicKey} cannot be sent to a task worker: ${why}`, "pass plain data or task results to tasks that run on workers");
  }
}

function portableOptions(o: TaskOptions): Partial<TaskOptions> {
  const out: Partial<TaskOptions> = {};
  if (o.retries !== undefined) out.retries = o.retries;
  if (o.retryDelay !== undefined && typeof o.retryDelay !== "function") out.retryDelay = o.retryDelay;
  if (o.retryJitter !== undefined) out.retryJitter = o.retryJitter;
  if (o.timeout !== undefined) out.timeout = o.timeout;
  if (o.cacheExpiration !== undefined) out.cacheExpiration = o.cacheExpiration;
  if (o.logPrints !== undefined) out.logPrints = o.logPrints;
  if (o.tags !== undefined) out.tags = o.tags;
  return out;
}

interface Waiter {
  live: LiveTaskRun;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** The task runs this process waits for on workers: woken by the store's notification when one ends. */
class RemoteTasks {
  private readonly waiters = new Map<string, Waiter>();
  private readonly flows = new Map<string, number>();
  /** The change number read up to in `seqOf`'s store; null until the first wait there. */
  private seq: number | null = null;
  private seqOf: object | null = null;
  /** Flow runs told there is no task worker (once each). */
  private readonly hinted = new Set<string>();
  private unlisten: (() => void) | null = null;
  private poll: NodeJS.Timeout | null = null;
  private checking = false;

  constructor(private readonly engine: Engine) {}

  wait(live: LiveTaskRun): Promise<unknown> {
    const store = this.engine.store;
    // Every end committed from now on has a higher change number; earlier ones are not ours. Kept between waits: a
    // chain of task runs costs no extra trip per link.
    if (this.seqOf !== store) {
      // Another store (configureStore): its change numbers are its own.
      this.seqOf = store;
      this.seq = null;
      this.hinted.clear();
    }
    this.seq ??= store.taskQueue.currentSeq();
    if (this.waiters.size === 0) {
      this.unlisten = store.taskQueue.onTaskEnd(() => this.check());
      this.poll = setInterval(() => this.check(), POLL_MS);
    }
    if (!this.hinted.has(live.record.flowRunId)) {
      this.hinted.add(live.record.flowRunId);
      this.hintIfNoWorker(live);
    }
    return new Promise((resolve, reject) => {
      this.waiters.set(live.record.id, { live, resolve, reject });
      const flowId = live.record.flowRunId;
      this.flows.set(flowId, (this.flows.get(flowId) ?? 0) + 1);
      // The flow was cancelled or timed out: stop waiting, and take the task run from its worker.
      live.controller.onAbort = (reason) => this.abandon(live, reason);
    });
  }

  private hintIfNoWorker(live: LiveTaskRun): void {
    if (this.engine.store.taskQueue.liveTaskWorkers(WORKER_SEEN_MS) > 0) return;
    engineLog("warning", "no task worker is running: the flow's task runs wait in the queue until one starts (`cellflow worker --tasks` on any machine with this store)", live.record.flowRunId || null, null);
  }

  private check(): void {
    if (this.checking || this.waiters.size === 0) return;
    this.checking = true;
    try {
      for (const row of this.engine.store.taskQueue.endedSince([...this.flows.keys()], this.seq ?? 0)) {
        this.seq = Math.max(this.seq ?? 0, Number(row.seq));
        const waiter = this.waiters.get(row.id);
        if (waiter) this.settle(waiter, row);
      }
    } catch (error) {
      // The store is unreachable for now: the next notification or poll asks again.
      process.stderr.write(`cellflow: reading ended task runs failed (retrying): ${(error as Error).message}\n`);
    } finally {
      this.checking = false;
    }
  }

  private forget(live: LiveTaskRun): void {
    this.waiters.delete(live.record.id);
    live.controller.onAbort = null;
    const flowId = live.record.flowRunId;
    const n = (this.flows.get(flowId) ?? 1) - 1;
    if (n > 0) this.flows.set(flowId, n);
    else this.flows.delete(flowId);
    if (this.waiters.size === 0) {
      this.unlisten?.();
      this.unlisten = null;
      if (this.poll) clearInterval(this.poll);
      this.poll = null;
    }
  }

  /** The worker's verdict becomes the flow process's live record (the row is the worker's: nothing is written). */
  private settle(waiter: Waiter, row: EndedTaskRun): void {
    const { live } = waiter;
    this.forget(live);
    const r = live.record;
    r.state = { type: row.state_type as StateType, name: row.state_name as StateName, message: row.state_message, timestamp: Number(row.state_ts) };
    r.runCount = row.run_count;
    r.startTime = row.start_time === null ? null : Number(row.start_time);
    r.endTime = row.end_time === null ? null : Number(row.end_time);
    r.cacheReason = row.cache_reason;
    const error = row.error ? (JSON.parse(row.error) as ErrorInfo) : undefined;
    if (error) r.error = error;
    live.history = decodeHistory(row.history);
    live.resultRef = row.result_ref;
    live.cacheExpires = row.cache_expires;
    if (r.state.type !== "COMPLETED") {
      this.engine.showTaskState(live);
      waiter.reject(remoteError(live, error));
      return;
    }
    let value: unknown;
    try {
      if (!row.result_ref) value = undefined;
      else value = row.result_bytes ? deserializeResult(row.result_bytes, row.result_ref) : this.engine.store.loadResult(row.result_ref);
    } catch (error) {
      // Stored by the worker, unreadable here (e.g. a result file on a disk this machine does not share).
      this.engine.showTaskState(live);
      waiter.reject(new CellflowError("DISTRIBUTED", `the result of ${live.record.dynamicKey} (completed on a task worker) cannot be read here: ${(error as Error).message}`, "point result storage at a location every machine shares (README, Scaling out)"));
      return;
    }
    if (typeof value === "object" && value !== null && row.result_ref) this.engine.origins.set(value, { taskRunId: live.record.id, hash: row.result_ref });
    if (live.record.cacheKey) this.engine.remember(live.record.cacheKey, { taskRunId: live.record.id, flowRunId: live.record.flowRunId || null, value, resultRef: row.result_ref, expires: row.cache_expires });
    this.engine.showTaskState(live);
    waiter.resolve(value);
  }

  private abandon(live: LiveTaskRun, reason: unknown): void {
    const waiter = this.waiters.get(live.record.id);
    if (!waiter) return;
    this.forget(live);
    const message = reason instanceof Error ? reason.message : String(reason);
    const state: State = reason instanceof TimeoutError ? TimedOut(message) : Cancelled(message);
    try {
      if (this.engine.store.taskQueue.abandon(live.record.id, state)) {
        live.record.state = state;
        live.history.push(state);
        live.record.endTime = state.timestamp;
        this.engine.showTaskState(live);
      }
    } catch (error) {
      process.stderr.write(`cellflow: could not cancel task run ${live.record.dynamicKey} on its worker: ${(error as Error).message}\n`);
    }
    waiter.reject(reason instanceof Error ? reason : new CancelledError(message));
  }
}

/** The error a flow's code sees for a task run that did not complete on its worker. */
export class RemoteTaskError extends Error {
  constructor(info: ErrorInfo) {
    super(info.message);
    this.name = info.name;
    if (info.stack) this.stack = info.stack;
  }
}

function remoteError(live: LiveTaskRun, info: ErrorInfo | undefined): Error {
  const state = live.record.state;
  if (info) return new RemoteTaskError(info);
  if (state.type === "CANCELLED") return new CancelledError(state.message);
  return new RemoteTaskError({ name: state.name === "Crashed" ? "TaskCrashed" : "Error", message: `task ${live.record.dynamicKey} ${state.name}: ${state.message}` });
}

const remotes = new WeakMap<Engine, RemoteTasks>();
function remoteTasks(engine: Engine): RemoteTasks {
  let r = remotes.get(engine);
  if (!r) remotes.set(engine, (r = new RemoteTasks(engine)));
  return r;
}

// ── the task worker's side ───────────────────────────────────────────────────────────────────────────────────

/** A claimed task run as a live run held by `workerId` on this task worker (no flow run lives here). */
export function claimedTaskRun(row: TaskRunRow & { flow_info?: string | null }, workerId: string, logPrints: boolean): LiveTaskRun {
  const live: LiveTaskRun = {
    record: taskRunFromRow(row),
    sourceHash: row.source_hash,
    resultRef: null,
    cacheExpires: null,
    history: decodeHistory(row.history),
    controller: new TaskAbort(),
    flow: null as LiveFlowRun | null,
    parent: null,
    logPrints,
    workerId,
    maxRetries: row.max_retries ?? 0,
    cacheScope: row.cache_scope === "run" ? "run" : null,
  };
  if (row.flow_info) {
    const flow = JSON.parse(row.flow_info) as { name: string; flowName: string; parameters: Record<string, unknown>; attempt: number };
    live.remoteFlow = { id: live.record.flowRunId, ...flow };
  }
  delete live.record.error;
  // The claim counted this attempt; execution counts it again as it starts it.
  live.record.runCount -= 1;
  return live;
}

/** A dispatched task run's arguments, as the flow process sent them (stored results are read from the store). */
export function decodeArgs(payload: DispatchPayload, engine: Engine): unknown[] {
  return payload.args.map((a) => ("ref" in a ? engine.store.loadResult(a.ref) : v8.deserialize(Buffer.from(a.v, "base64"))));
}

/** A claimed task run this worker cannot execute (other code, no such task, unreadable arguments) ends Failed, saying why. */
export function refuseDispatched(live: LiveTaskRun, error: unknown, engine: Engine): void {
  const info = toErrorInfo(error);
  live.record.error = info;
  engineLog("error", `${live.record.dynamicKey} not run on task worker ${live.workerId}: ${describeError(info)}`, live.record.flowRunId || null, live.record.id);
  engine.setTaskState(live, Failed(describeError(info)));
}
