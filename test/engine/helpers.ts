// Test helpers: a fresh store in a temp CELLFLOW_HOME for each test file, and small tools to read what
// the engine persisted and to count what task bodies did.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { configureStore } from "../../src/engine/engine.js";
import { getEngine } from "../../src/engine/engine.js";
import type { TaskRunRecord } from "../../src/core/records.js";
import { taskRunFromRow } from "../../src/store/rows.js";

export function tempHome(prefix = "cellflow-test-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Point the engine at a new empty store; returns its folder. */
export function freshStore(): string {
  const home = tempHome();
  configureStore(home);
  return home;
}

export function store() {
  return getEngine().store;
}

/** The store after every batched write reached SQLite. */
export function flushed() {
  const s = getEngine().store;
  s.flush();
  return s;
}

/** State names of a task run's or flow run's persisted history, oldest first. */
export function historyNames(kind: "flow" | "task", id: string): string[] {
  return flushed().getHistory(kind, id).map((s) => s.name);
}

/** The task run with this dynamic key in a list of task runs; fails the test when it is missing. */
export function byKey(taskRuns: TaskRunRecord[], dynamicKey: string): TaskRunRecord {
  const found = taskRuns.find((t) => t.dynamicKey === dynamicKey);
  if (!found) throw new Error(`no task run ${dynamicKey} among ${taskRuns.map((t) => t.dynamicKey).join(", ")}`);
  return found;
}

/** Every task run of a flow run over all its attempts, as records, oldest first. */
export function allTaskRuns(flowRunId: string): TaskRunRecord[] {
  return flushed().getAllTaskRunRows(flowRunId).map(taskRunFromRow);
}

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Resolves when `check()` is true, polling every few ms; rejects after `limitMs`. */
export async function until(check: () => boolean, limitMs = 5000, what = "condition"): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Counts bodies running at once and the highest count seen. */
export class Gauge {
  now = 0;
  max = 0;
  enter(): void {
    this.now++;
    this.max = Math.max(this.max, this.now);
  }
  leave(): void {
    this.now--;
  }
}
