// The task runs of a live flow run's attempt, for its DAG. An ended task run's record never changes again, so it is
// kept in a slim form (its times in typed columns, no state object, no dynamic key string): a live DAG of 100,000
// task runs holds ~20 MB less. records() builds equal plain records again, in creation order.

import type { TaskInput, TaskRunRecord } from "../core/records.js";
import { isTerminal, NAME_TO_TYPE, type StateName } from "../core/states.js";

/** An ended task run's record without what can be rebuilt: its flow run and attempt are the list's. */
class EndedTaskRun {
  constructor(
    readonly id: string,
    readonly taskName: string,
    /** The n of dynamic key "<task name>-<n>". */
    readonly keyIndex: number,
    readonly stateName: StateName,
    readonly stateMessage: string,
    /** The inputs, or for the usual single value input its hash (its name is inputName). */
    readonly inputs: TaskInput[] | string,
    readonly inputName: string,
    readonly upstream: string[],
    readonly cacheKey: string | null,
    readonly cacheReason: string,
    readonly cachedFrom: string | null,
    readonly runCount: number,
    readonly tags: string[],
  ) {}
}

/** A time column's value for null. */
const NONE = Number.NaN;

export class TaskRunList {
  private readonly slots: Array<TaskRunRecord | EndedTaskRun> = [];
  /** Per slot, for ended ones: the state's timestamp, the start and the end time (NaN: null). */
  private times = new Float64Array(3 * 64);
  /** The last records() answer while its caller still holds it: its rebuilt records are reused. */
  private last: WeakRef<TaskRunRecord[]> | null = null;

  constructor(
    readonly flowRunId: string,
    readonly flowAttempt: number,
  ) {}

  get length(): number {
    return this.slots.length;
  }

  /** Add a task run's record; returns its slot, for update(). */
  push(record: TaskRunRecord): number {
    return this.slots.push(record) - 1;
  }

  /**
   * The task run in `slot` changed state: an ended one is kept slim, one that changes again (it is never expected
   * to) gets its full record back. `keyIndex` is the n of its dynamic key "<task name>-<n>".
   */
  update(slot: number, record: TaskRunRecord, keyIndex: number): void {
    const current = this.slots[slot];
    if (current === undefined || current.id !== record.id) return;
    if (!isTerminal(record.state) || !this.slimmable(record)) {
      if (current !== record) this.slots[slot] = record;
      return;
    }
    const state = record.state;
    const input = record.inputs.length === 1 ? record.inputs[0] : null;
    // One value input (the common call) keeps its hash only: no array and object of its own. A value input is always
    // { name, kind, hash } or { name, kind } (resolveInputs), so it is rebuilt exactly.
    const single = input !== null && input.kind === "value" && input.hash !== undefined;
    this.slots[slot] = new EndedTaskRun(
      record.id, record.taskName, keyIndex, state.name, state.message, single ? input.hash! : record.inputs, single ? input.name : "", record.upstream,
      record.cacheKey, record.cacheReason, record.cachedFrom, record.runCount, record.tags,
    );
    if (this.times.length < 3 * (slot + 1)) {
      const grown = new Float64Array(Math.max(this.times.length * 2, 3 * (slot + 1)));
      grown.set(this.times);
      this.times = grown;
    }
    this.times[3 * slot] = state.timestamp;
    this.times[3 * slot + 1] = record.startTime ?? NONE;
    this.times[3 * slot + 2] = record.endTime ?? NONE;
  }

  /** Every task run's record, in creation order: the live ones themselves, ended ones rebuilt (equal to theirs). */
  records(): TaskRunRecord[] {
    const previous = this.last?.deref();
    const out: TaskRunRecord[] = new Array(this.slots.length);
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[i];
      if (!(slot instanceof EndedTaskRun)) {
        out[i] = slot;
        continue;
      }
      const before = previous?.[i];
      out[i] = before !== undefined && before.id === slot.id && before.state.name === slot.stateName && before.state.timestamp === this.times[3 * i] ? before : this.rebuild(slot, i);
    }
    this.last = new WeakRef(out);
    return out;
  }

  /** Only what rebuild() makes again exactly: no error, no subflow, of this list's run and attempt. */
  private slimmable(record: TaskRunRecord): boolean {
    const state = record.state;
    return (
      !("error" in record) && record.subflowRunId === null && record.flowRunId === this.flowRunId && record.flowAttempt === this.flowAttempt &&
      state.type === NAME_TO_TYPE[state.name]
    );
  }

  private rebuild(slot: EndedTaskRun, i: number): TaskRunRecord {
    const start = this.times[3 * i + 1];
    const end = this.times[3 * i + 2];
    // The keys in the order createTaskRun gives them, so the record reads (and prints as JSON) the same.
    return {
      id: slot.id,
      flowRunId: this.flowRunId,
      flowAttempt: this.flowAttempt,
      taskName: slot.taskName,
      dynamicKey: `${slot.taskName}-${slot.keyIndex}`,
      state: { type: NAME_TO_TYPE[slot.stateName], name: slot.stateName, message: slot.stateMessage, timestamp: this.times[3 * i] },
      inputs: typeof slot.inputs === "string" ? [{ name: slot.inputName, kind: "value", hash: slot.inputs }] : slot.inputs,
      upstream: slot.upstream,
      cacheKey: slot.cacheKey,
      cacheReason: slot.cacheReason,
      cachedFrom: slot.cachedFrom,
      runCount: slot.runCount,
      startTime: Number.isNaN(start) ? null : start,
      endTime: Number.isNaN(end) ? null : end,
      tags: slot.tags,
      subflowRunId: null,
    };
  }
}
