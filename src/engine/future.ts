// TaskFuture: the handle submit() returns. Passing one to another task makes a DAG edge.

import type { State } from "../core/states.js";
import { Pending } from "../core/states.js";
import type { LiveFlowRun, LiveTaskRun } from "./context.js";

/** The placeholder `settled` of a future until settleOn() gives it the task run's own. */
const NOT_YET: Promise<void> = new Promise<void>(() => {});

/** Made by the engine for a submitted task run (`t.submit()`), which settles it (fulfil, fail, settleOn). */
export class TaskFuture<T = unknown> {
  /** Settles when the task run ends, never rejects: what waitFor waits on. */
  readonly settled: Promise<void> = NOT_YET;
  private live: LiveTaskRun | null = null;
  private outcome: { ok: true; value: T } | { ok: false; error: unknown } | null = null;
  /** The flow run that submitted it: its failure counts as unseen there until someone reads it (markObserved). */
  private submitter: LiveFlowRun | null = null;

  /** @internal the engine attaches the task run once it exists, and the flow run that submitted it, if any. */
  attach(live: LiveTaskRun, submitter: LiveFlowRun | null = null): void {
    this.live = live;
    this.submitter = submitter;
  }

  /** @internal `settled` is this one, which resolves once the engine settled the future (fulfil, fail). */
  settleOn(settled: Promise<unknown>): void {
    (this as { settled: Promise<unknown> }).settled = settled;
  }

  /** @internal the task run completed with `value`. */
  fulfil(value: T): void {
    this.outcome = { ok: true, value };
  }

  /** @internal the task run ended with `error`: unseen by the flow that submitted it until someone reads it. */
  fail(error: unknown): void {
    this.outcome = { ok: false, error };
    const live = this.live;
    if (this.submitter && live && live.record.state.type !== "CANCELLED") this.submitter.unobservedFailures.add(live);
  }

  get taskRunId(): string | null {
    return this.live?.record.id ?? null;
  }

  get taskRun(): LiveTaskRun | null {
    return this.live;
  }

  /** The task run's current state. */
  get state(): State {
    return this.live?.record.state ?? Pending();
  }

  /** Wait for the task run to end (whatever its state) and return that state. */
  async wait(): Promise<State> {
    await this.settled;
    return this.state;
  }

  /** The task's return value; rejects with its error when it failed. */
  result(): Promise<T> {
    // Ended already (a flow reading its futures after submitting them all): no tick spent waiting for `settled`.
    const outcome = this.outcome;
    if (outcome) {
      this.markObserved();
      return outcome.ok ? Promise.resolve(outcome.value) : Promise.reject(outcome.error);
    }
    return this.settled.then(() => this.read());
  }

  private read(): T {
    this.markObserved();
    const outcome = this.outcome!;
    if (outcome.ok) return outcome.value;
    throw outcome.error;
  }

  /** @internal */
  markObserved(): void {
    if (this.submitter) {
      this.submitter.unobservedFailures.delete(this.live!);
      this.submitter = null;
    }
  }

  /** @internal settled outcome, for the engine resolving arguments. */
  get settledOutcome(): { ok: true; value: T } | { ok: false; error: unknown } | null {
    return this.outcome;
  }

  // Awaiting a future gives its result, like Prefect's future.result().
  then<A = T, B = never>(onFulfilled?: ((value: T) => A | PromiseLike<A>) | null, onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.result().then(onFulfilled, onRejected);
  }
}

/** A list of futures from map(), with helpers to wait for all of them. */
export interface TaskFutureList<T> extends Array<TaskFuture<T>> {
  result(): Promise<T[]>;
  wait(): Promise<State[]>;
}

export function futureList<T>(futures: TaskFuture<T>[]): TaskFutureList<T> {
  const list = futures as TaskFutureList<T>;
  Object.defineProperty(list, "result", { value: () => Promise.all(futures.map((f) => f.result())), enumerable: false });
  Object.defineProperty(list, "wait", { value: () => Promise.all(futures.map((f) => f.wait())), enumerable: false });
  return list;
}
