// Mapping between database rows and the plain run records of src/core/records.ts.

import type { FlowRunRecord, LogRecord, TaskInput, TaskRunRecord } from "../core/records.js";
import type { State, StateName, StateType } from "../core/states.js";
import { encodeHistory } from "./run-state.js";

export interface FlowRunRow {
  id: string;
  flow_name: string;
  name: string;
  state_type: string;
  state_name: string;
  state_message: string;
  state_ts: number;
  history: string;
  parameters: string;
  attempt: number;
  start_time: number | null;
  end_time: number | null;
  created_at: number;
  entrypoint: string | null;
  parent_task_run_id: string | null;
  deployment_id: string | null;
  tags: string;
  error: string | null;
  result_ref: string | null;
  owner: string | null;
  heartbeat: number | null;
  /** Set for runs a deployment scheduled (migration 2); absent in rows built by the engine. */
  scheduled_time?: number | null;
  /** "distributed" when the run's task runs go to task workers (migration 11), else null. */
  task_runner: string | null;
}

export interface TaskRunRow {
  id: string;
  flow_run_id: string | null;
  flow_attempt: number;
  task_name: string;
  dynamic_key: string;
  state_type: string;
  state_name: string;
  state_message: string;
  state_ts: number;
  history: string;
  inputs: string;
  upstream: string;
  cache_key: string | null;
  /** "run" for a key scoped to its flow run (migration 13), looked up only by that run's reruns; null otherwise. */
  cache_scope: string | null;
  cache_expires: number | null;
  cache_reason: string;
  cached_from: string | null;
  source_hash: string | null;
  result_ref: string | null;
  run_count: number;
  start_time: number | null;
  end_time: number | null;
  tags: string;
  subflow_run_id: string | null;
  error: string | null;
  /** PostgreSQL: the task worker holding a dispatched task run (migration 9); not a SQLite column. */
  worker_id?: string | null;
  max_retries?: number | null;
  /** The change number of the row's last write, when read with it. */
  seq?: number;
}

/** What the engine knows of a task run beyond its public record. */
export interface TaskRunExtra {
  cacheExpires: number | null;
  /** "run" when its cache key is scoped to its flow run (not in the global cache index); else null or absent. */
  cacheScope?: "run" | null;
  sourceHash: string | null;
  resultRef: string | null;
  history: State[];
  /** The task worker holding a dispatched task run, when this process is that worker (PostgreSQL). */
  workerId?: string | null;
  /** Set for a dispatched task run: the retries a crash of its worker may use (PostgreSQL). */
  maxRetries?: number | null;
}

export interface FlowRunExtra {
  history: State[];
  resultRef: string | null;
  owner: string | null;
  heartbeat: number | null;
}

function stateOf(row: { state_type: string; state_name: string; state_message: string; state_ts: number }): State {
  return { type: row.state_type as StateType, name: row.state_name as StateName, message: row.state_message, timestamp: row.state_ts };
}

export function flowRunFromRow(row: FlowRunRow): FlowRunRecord {
  const record: FlowRunRecord = {
    id: row.id,
    flowName: row.flow_name,
    name: row.name,
    state: stateOf(row),
    parameters: JSON.parse(row.parameters),
    attempt: row.attempt,
    startTime: row.start_time,
    endTime: row.end_time,
    createdAt: row.created_at,
    entrypoint: row.entrypoint,
    parentTaskRunId: row.parent_task_run_id,
    deploymentId: row.deployment_id,
    tags: JSON.parse(row.tags),
  };
  if (row.error) record.error = JSON.parse(row.error);
  if (row.scheduled_time !== undefined && row.scheduled_time !== null) record.scheduledTime = row.scheduled_time;
  if (row.task_runner === "distributed") record.taskRunner = "distributed";
  return record;
}

export function taskRunFromRow(row: TaskRunRow): TaskRunRecord {
  const record: TaskRunRecord = {
    id: row.id,
    flowRunId: row.flow_run_id ?? "",
    flowAttempt: row.flow_attempt,
    taskName: row.task_name,
    dynamicKey: row.dynamic_key,
    state: stateOf(row),
    inputs: JSON.parse(row.inputs),
    upstream: JSON.parse(row.upstream),
    cacheKey: row.cache_key,
    cacheReason: row.cache_reason,
    cachedFrom: row.cached_from,
    runCount: row.run_count,
    startTime: row.start_time,
    endTime: row.end_time,
    tags: JSON.parse(row.tags),
    subflowRunId: row.subflow_run_id,
  };
  if (row.error) record.error = JSON.parse(row.error);
  return record;
}

/** The columns a text DAG line prints (Store.taskRunLinesByRowid); `inputs` only when the task run waited for some. */
export type TaskRunLineRow = Pick<
  TaskRunRow,
  "id" | "state_type" | "state_name" | "state_message" | "state_ts" | "run_count" | "cache_reason" | "start_time" | "end_time" | "upstream" | "error"
> & { inputs: string | null };

/** A task run as one line of the text DAG shows it. */
export interface TaskRunLine extends Pick<TaskRunRecord, "id" | "state" | "runCount" | "cacheReason" | "startTime" | "endTime" | "upstream" | "error"> {
  /** Upstream task runs it only waited for (`waitFor`), not took data from. */
  waitFor: string[];
}

const NO_IDS: string[] = [];

export function taskRunLineFromRow(row: TaskRunLineRow): TaskRunLine {
  const inputs = row.inputs === null ? null : (JSON.parse(row.inputs) as TaskRunRecord["inputs"]);
  const line: TaskRunLine = {
    id: row.id,
    state: stateOf(row),
    runCount: row.run_count,
    cacheReason: row.cache_reason,
    startTime: row.start_time,
    endTime: row.end_time,
    upstream: row.upstream === "[]" ? NO_IDS : JSON.parse(row.upstream),
    waitFor: inputs ? inputs.filter((i) => i.kind === "wait_for").map((i) => i.taskRunId!) : NO_IDS,
  };
  if (row.error) line.error = JSON.parse(row.error);
  return line;
}

export function flowRunToRow(r: FlowRunRecord, x: FlowRunExtra): FlowRunRow {
  return {
    id: r.id,
    flow_name: r.flowName,
    name: r.name,
    state_type: r.state.type,
    state_name: r.state.name,
    state_message: r.state.message,
    state_ts: r.state.timestamp,
    history: encodeHistory(x.history),
    parameters: safeJson(r.parameters),
    attempt: r.attempt,
    start_time: r.startTime,
    end_time: r.endTime,
    created_at: r.createdAt,
    entrypoint: r.entrypoint,
    parent_task_run_id: r.parentTaskRunId,
    deployment_id: r.deploymentId,
    tags: JSON.stringify(r.tags),
    error: r.error ? JSON.stringify(r.error) : null,
    result_ref: x.resultRef,
    owner: x.owner,
    heartbeat: x.heartbeat,
    task_runner: r.taskRunner ?? null,
  };
}

export function taskRunToRow(r: TaskRunRecord, x: TaskRunExtra): TaskRunRow {
  return {
    id: r.id,
    flow_run_id: r.flowRunId || null,
    flow_attempt: r.flowAttempt,
    task_name: r.taskName,
    dynamic_key: r.dynamicKey,
    state_type: r.state.type,
    state_name: r.state.name,
    state_message: r.state.message,
    state_ts: r.state.timestamp,
    history: encodeHistory(x.history),
    inputs: inputsJson(r.inputs),
    upstream: jsonList(r.upstream),
    cache_key: r.cacheKey,
    cache_scope: r.cacheKey === null ? null : (x.cacheScope ?? null),
    cache_expires: x.cacheExpires,
    cache_reason: r.cacheReason,
    cached_from: r.cachedFrom,
    source_hash: x.sourceHash,
    result_ref: x.resultRef,
    run_count: r.runCount,
    start_time: r.startTime,
    end_time: r.endTime,
    tags: jsonList(r.tags),
    subflow_run_id: r.subflowRunId,
    error: r.error ? JSON.stringify(r.error) : null,
    worker_id: x.workerId ?? null,
    max_retries: x.maxRetries ?? null,
  };
}

/**
 * A task run's inputs as JSON. The usual call's one value input, `{ name, kind: "value", hash }` (addInput's literal,
 * in that key order), is written by hand: the same text at a quarter of JSON.stringify's cost (~400 ns per task run).
 */
function inputsJson(inputs: readonly TaskInput[]): string {
  if (inputs.length === 1) {
    const input = inputs[0];
    if (input.kind === "value" && typeof input.hash === "string" && input.taskRunId === undefined) {
      return `[{"name":${JSON.stringify(input.name)},"kind":"value","hash":${JSON.stringify(input.hash)}}]`;
    }
  }
  return inputs.length === 0 ? "[]" : JSON.stringify(inputs);
}

/** A list of strings as JSON: most task runs have no tags and no upstream edges, and "[]" needs no stringify. */
function jsonList(list: readonly string[]): string {
  return list.length === 0 ? "[]" : JSON.stringify(list);
}

/** The task_runs columns the batch writer writes, in the order of `taskRunValues`. */
export const TASK_COLUMNS = [
  "id", "flow_run_id", "flow_attempt", "task_name", "dynamic_key", "state_type", "state_name", "state_message",
  "state_ts", "history", "inputs", "upstream", "cache_key", "cache_expires", "cache_reason", "cached_from",
  "source_hash", "result_ref", "run_count", "start_time", "end_time", "tags", "subflow_run_id", "error", "cache_scope",
] as const satisfies ReadonlyArray<keyof TaskRunRow>;

/**
 * `taskRunToRow` as positional values in TASK_COLUMNS order, then the slot of its change sequence (0 until the batch
 * sets it: SqlBatchGroup.seqOf), for the batch writer: one array per task run, its length exact (a push of the seq
 * onto it copied all 25 values into a new array of 53), and no object keyed by column name in between.
 */
export function taskRunValues(r: TaskRunRecord, x: TaskRunExtra): unknown[] {
  return [
    r.id,
    r.flowRunId || null,
    r.flowAttempt,
    r.taskName,
    r.dynamicKey,
    r.state.type,
    r.state.name,
    r.state.message,
    r.state.timestamp,
    encodeHistory(x.history),
    inputsJson(r.inputs),
    jsonList(r.upstream),
    r.cacheKey,
    x.cacheExpires,
    r.cacheReason,
    r.cachedFrom,
    x.sourceHash,
    x.resultRef,
    r.runCount,
    r.startTime,
    r.endTime,
    jsonList(r.tags),
    r.subflowRunId,
    r.error ? JSON.stringify(r.error) : null,
    r.cacheKey === null ? null : (x.cacheScope ?? null),
    0,
  ];
}

export interface LogRow {
  flow_run_id: string | null;
  task_run_id: string | null;
  level: string;
  message: string;
  ts: number;
}

export function logFromRow(row: LogRow): LogRecord {
  return {
    flowRunId: row.flow_run_id ?? "",
    taskRunId: row.task_run_id,
    level: row.level as LogRecord["level"],
    message: row.message,
    timestamp: row.ts,
  };
}

/** JSON that never throws: values that JSON cannot hold are written as their string form. */
export function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)) ?? "null";
  } catch {
    return JSON.stringify(String(value));
  }
}
