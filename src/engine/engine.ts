// The engine: one per process. Owns the store, the live runs, the in-memory result cache and the heartbeat
// that keeps this process's runs alive in the store and picks up cancellation requests from other processes.

import type { LogRecord } from "../core/records.js";
import type { State } from "../core/states.js";
import { Cancelling, isTerminal } from "../core/states.js";
import { Store } from "../store/store.js";
import { resolveHome } from "../store/home.js";
import { HEARTBEAT_MS, ownerId } from "../store/owner.js";
import { TagLimits } from "./concurrency.js";
import type { LiveFlowRun, LiveTaskRun } from "./context.js";
import { hasListeners, publish } from "./events.js";
import { globalSingleton } from "./global.js";
import { ResultMemo, type MemoEntry } from "./result-memo.js";

/** Where a value came from: objects returned by tasks are remembered, so passing one on is a DAG edge. */
export interface Origin {
  taskRunId: string;
  /** Content hash of the persisted result, or an in-memory identity when it could not be persisted. */
  hash: string;
}

const MEMO_LIMIT = 5000;

export class Engine {
  private storeInstance: Store | null = null;
  readonly live = new Map<string, LiveFlowRun>();
  /**
   * Keep every task run's record on its live flow run, for live DAGs (terminal UI, kernel). The CLI turns it
   * off: it prints from the store, and 100,000 records held for nothing cost ~100 MB.
   * @default true
   */
  keepTaskRecords = true;
  readonly origins = new WeakMap<object, Origin>();
  private readonly memo = new ResultMemo(MEMO_LIMIT);
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private limitsInstance: TagLimits | null = null;

  constructor(private home: string | null = null) {}

  get store(): Store {
    if (!this.storeInstance || this.storeInstance.isClosed) {
      this.storeInstance = Store.open(this.home ?? resolveHome());
      this.limitsInstance = null;
    }
    return this.storeInstance;
  }

  get limits(): TagLimits {
    this.limitsInstance ??= new TagLimits(this.store);
    return this.limitsInstance;
  }

  /** Point the engine at another store (tests, the CLI's --home). Closes the current one. */
  useHome(home: string | null): void {
    this.close();
    this.home = home;
    this.memo.clear();
  }

  close(): void {
    this.stopHeartbeat();
    this.storeInstance?.close();
    this.storeInstance = null;
    this.limitsInstance = null;
  }

  // ── in-memory results ───────────────────────────────────────────────────────────────────────────────────

  /** Keep a result for in-process cache hits: the last MEMO_LIMIT remembered (remembering a key again renews it). */
  remember(key: string, entry: MemoEntry): void {
    this.memo.set(key, entry);
  }

  recall(key: string): MemoEntry | undefined {
    return this.memo.get(key);
  }

  forget(key: string): void {
    this.memo.delete(key);
  }

  // ── state changes: persisted (batched) and published ───────────────────────────────────────────────────

  setFlowState(run: LiveFlowRun, state: State): void {
    run.record.state = state;
    run.history.push(state);
    if (state.type === "RUNNING" && run.record.startTime === null) run.record.startTime = state.timestamp;
    // A clock set back during the run must not end it before it started: durations are never negative.
    if (isTerminal(state)) run.record.endTime = Math.max(state.timestamp, run.record.startTime ?? state.timestamp);
    this.saveFlow(run);
    publish({ kind: "flow", run: run.record });
  }

  saveFlow(run: LiveFlowRun): void {
    const owner = isTerminal(run.record.state) ? null : ownerId();
    const extra = { history: run.history, resultRef: run.resultRef, owner, heartbeat: Date.now() };
    this.store.saveFlowRun(run.record, extra);
  }

  setTaskState(run: LiveTaskRun, state: State): void {
    run.record.state = state;
    run.history = appended(run.history, state);
    if ((state.type === "RUNNING" && run.record.startTime === null) || state.name === "Cached") run.record.startTime ??= state.timestamp;
    if (isTerminal(state)) run.record.endTime = Math.max(state.timestamp, run.record.startTime ?? state.timestamp);
    // A distributed flow's task run created Pending is written with its job, or once it waits (task-run.ts).
    if (!run.unwritten || state.type !== "PENDING") {
      run.unwritten = false;
      this.store.saveTaskRun(run.record, run);
    }
    // An ended task run's record is kept slim for the live DAG (not a dispatched one: its worker writes its states).
    if (run.slot !== undefined && run.slot >= 0 && run.flow && !run.flow.dispatch) run.flow.taskRuns.update(run.slot, run.record, run.keyIndex ?? 0);
    if (hasListeners()) publish({ kind: "task", run: run.record });
  }

  /** Publish a task run's state another process wrote (a task worker's): nothing is saved from here. */
  showTaskState(run: LiveTaskRun): void {
    publish({ kind: "task", run: run.record });
  }

  log(log: LogRecord): void {
    this.store.appendLog(log);
    publish({ kind: "log", log });
  }

  // ── live runs and the heartbeat ─────────────────────────────────────────────────────────────────────────

  register(run: LiveFlowRun): void {
    this.live.set(run.record.id, run);
    this.startHeartbeat();
  }

  unregister(run: LiveFlowRun): void {
    this.live.delete(run.record.id);
    if (this.live.size === 0) this.stopHeartbeat();
  }

  private startHeartbeat(): void {
    if (this.heartbeatTimer) return;
    this.heartbeatTimer = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.heartbeatTimer.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  /** Touch heartbeats, and abort runs another process asked to cancel. */
  beat(): void {
    try {
      const ids = [...this.live.keys()];
      for (const id of this.store.heartbeat(ids)) {
        const run = this.live.get(id);
        if (run && !run.controller.signal.aborted) {
          // Keep the request in the live history too: the run's next save rewrites the stored history from it.
          this.setFlowState(run, Cancelling("cancel requested"));
          run.controller.abort(new CancelledError("cancelled by request"));
        }
      }
    } catch (error) {
      process.stderr.write(`cellflow: heartbeat failed: ${(error as Error).message}\n`);
    }
  }
}

/** The reason a run's signal carries when the run is cancelled. */
export class CancelledError extends Error {
  constructor(message = "cancelled") {
    super(message);
    this.name = "CancelledError";
  }
}

/** The reason a run's signal carries when it times out. */
export class TimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TimeoutError";
  }
}

/**
 * `history` and then `state`, in a new array of that length: a pushed-to array keeps room for 17 states (152 bytes),
 * and a submitted task run's history lives as long as its future.
 */
function appended(history: State[], state: State): State[] {
  const n = history.length;
  const next = new Array<State>(n + 1);
  for (let i = 0; i < n; i++) next[i] = history[i];
  next[n] = state;
  return next;
}

const holder = globalSingleton("engine", () => ({ engine: null as Engine | null }));

export function getEngine(): Engine {
  holder.engine ??= new Engine();
  return holder.engine;
}

/**
 * Use the store under `home` from now on in this process.
 * @example configureStore("/tmp/my-home")
 */
export function configureStore(home: string | null): void {
  getEngine().useHome(home);
}

process.once("exit", () => {
  try {
    holder.engine?.close();
  } catch {
    // the process is leaving; nothing left to report to
  }
});
