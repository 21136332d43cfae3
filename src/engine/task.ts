// task(): turns a function into a tracked task with call, submit(), map() and with().

import { CellflowError } from "../core/errors.js";
import { getEngine } from "./engine.js";
import { TaskFuture, futureList, type TaskFutureList } from "./future.js";
import { parameterNames, sha256 } from "./hashing.js";
import { validateTaskOptions, type TaskOptions } from "./options.js";
import { createTaskRun, runTask, type CallOptions, type TaskDefinition } from "./task-run.js";
import { registerTaskDefinition } from "./task-registry.js";
// A call outside any flow asks a notebook session for its run, which it opens through the engine flow-run.ts provides
// as it loads (context.ts, SessionEngine): loaded with whatever can make that call, however it was imported.
import "./flow-run.js";

/** An argument may be the value, a future of it, or (for an array) an array of values and futures. */
export type MaybeFuture<A extends unknown[]> = {
  [K in keyof A]: A[K] | TaskFuture<A[K]> | PromiseLike<A[K]> | (A[K] extends ReadonlyArray<infer E> ? Array<E | TaskFuture<E>> : never);
};

export interface TaskCallOptions extends TaskOptions {
  /** Wait for these futures (state only, not data) before this task starts. */
  waitFor?: unknown[];
}

export interface Task<A extends unknown[], R> {
  /** Run the task and wait for its value. */
  (...args: MaybeFuture<A>): Promise<Awaited<R>>;
  /** Start the task and return a future at once; futures passed as arguments become DAG edges. */
  submit(...args: MaybeFuture<A>): TaskFuture<Awaited<R>>;
  /** Submit one run per element of the array arguments (non-array arguments and unmapped() ones are passed to each). */
  map(...args: { [K in keyof A]: A[K][] | A[K] | Unmapped<A[K]> }): TaskFutureList<Awaited<R>>;
  /** The same task with other options, e.g. t.with({ waitFor: [f] }) or t.with({ retries: 5 }). */
  with(options: TaskCallOptions): Task<A, R>;
  readonly taskName: string;
  readonly options: Readonly<TaskOptions>;
  readonly fn: (...args: A) => R;
}

const UNMAPPED = Symbol.for("cellflow.unmapped");

export interface Unmapped<T> {
  [UNMAPPED]: true;
  value: T;
}

/** Pass an array to every mapped call as a whole instead of mapping over it. */
export function unmapped<T>(value: T): Unmapped<T> {
  return { [UNMAPPED]: true, value };
}

function isUnmapped(v: unknown): v is Unmapped<unknown> {
  return typeof v === "object" && v !== null && (v as Record<symbol, unknown>)[UNMAPPED] === true;
}

/**
 * Define a task.
 * @example const parse = task("parse", (hits: Hit[]) => hits.map(toRow));
 * @example const get = task({ name: "get", retries: 3, retryDelay: [1, 5, 30] }, async (url: string) => fetchJson(url));
 */
export function task<A extends unknown[], R>(nameOrOptions: string | TaskOptions, fn: (...args: A) => R): Task<A, R> {
  if (typeof fn !== "function") {
    throw new CellflowError("BAD_OPTION", `task(${JSON.stringify(typeof nameOrOptions === "string" ? nameOrOptions : nameOrOptions?.name)}) needs a function as its second argument`, 'write task("name", (x) => ...)');
  }
  const options: TaskOptions = typeof nameOrOptions === "string" ? { name: nameOrOptions } : { ...nameOrOptions };
  return build(options, fn, undefined);
}

function build<A extends unknown[], R>(options: TaskOptions, fn: (...args: A) => R, waitFor: unknown[] | undefined): Task<A, R> {
  const name = options.name || fn.name || "task";
  const def: TaskDefinition = {
    name,
    fn: fn as (...args: any[]) => unknown,
    options,
    timings: validateTaskOptions(name, options),
    sourceHash: sha256(fn.toString()).slice(0, 32),
    paramNames: parameterNames(fn as (...args: never[]) => unknown),
  };
  const call: CallOptions = { waitFor };
  registerTaskDefinition(def);

  // An awaited call needs no future: its promise is the result (one promise chain and two closures less per task).
  const invoke = ((...args: unknown[]) => runTask(def, createTaskRun(def, getEngine(), true), args, call)) as Task<A, R>;
  Object.defineProperties(invoke, {
    taskName: { value: name },
    options: { value: Object.freeze({ ...options }) },
    fn: { value: fn },
    name: { value: name },
  });
  invoke.submit = (...args: unknown[]) => {
    const live = createTaskRun(def, getEngine(), true);
    const flow = live.flow;
    // The outcome goes to the future (a failure counted unseen in the flow until read), never to an unhandled
    // rejection; the task run's own promise, which never rejects then, is the future's `settled`.
    const future = new TaskFuture<Awaited<R>>();
    future.attach(live, flow);
    future.settleOn(runTask(def, live, args, call, future as TaskFuture<unknown>));
    flow?.futures.add(future);
    return future;
  };
  invoke.map = ((...args: unknown[]) => {
    const lengths = args.filter((a) => Array.isArray(a)).map((a) => (a as unknown[]).length);
    if (lengths.length === 0) throw new CellflowError("USAGE", `${name}.map() needs at least one array argument to map over`, "pass an array, or call submit() for a single run");
    if (new Set(lengths).size > 1) throw new CellflowError("USAGE", `${name}.map() got arrays of different lengths (${lengths.join(", ")})`, "map over arrays of one length, or wrap constants in unmapped()");
    const futures: TaskFuture<Awaited<R>>[] = [];
    for (let i = 0; i < lengths[0]; i++) {
      futures.push(invoke.submit(...(args.map((a) => (isUnmapped(a) ? a.value : Array.isArray(a) ? a[i] : a)) as MaybeFuture<A>)));
    }
    return futureList(futures);
  }) as Task<A, R>["map"];
  invoke.with = (more: TaskCallOptions) => {
    const { waitFor: moreWaitFor, ...rest } = more;
    return build({ ...options, ...rest }, fn, moreWaitFor ?? waitFor);
  };
  return invoke;
}
