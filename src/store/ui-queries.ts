// Reads for the web UI: paged and filtered run lists, counts over time, workers seen, and change feeds that
// resume from the store's monotonic order (flow/task run `seq`, log `id`).

import type { FlowRunRecord, LogRecord, TaskRunBrief, TaskRunRecord } from "../core/records.js";
import type { StateName, StateType } from "../core/states.js";
import { flowRunFromRow, logFromRow, taskRunFromRow, type FlowRunRow, type LogRow } from "./rows.js";
import { decodeHistory } from "./run-state.js";
import type { Store } from "./store.js";
import { runFilterSql } from "./run-filters.js";
import { listArtifacts, type ArtifactRecord, type ListArtifactsOptions } from "./artifacts.js";

/** A flow run without its parameters and history: one row of a list. */
export type FlowRunSummaryRecord = Omit<FlowRunRecord, "parameters" | "entrypoint"> & { seq: number };

export interface RunsFilter {
  /** A state name (Failed, Late) or type (FAILED). */
  state?: string;
  flow?: string;
  deploymentId?: string;
  /** Runs carrying this tag. */
  tag?: string;
  /** Matched against the run's name, flow name and id prefix. */
  search?: string;
  /** Only runs created at or after this time (ms). */
  since?: number;
  offset?: number;
  /** @default 100 */
  limit?: number;
}

const SUMMARY_COLUMNS =
  "id, flow_name, name, state_type, state_name, state_message, state_ts, attempt, start_time, end_time, created_at, parent_task_run_id, deployment_id, tags, error, scheduled_time, seq";

function summaryFromRow(row: FlowRunRow & { seq: number }): FlowRunSummaryRecord {
  const full = flowRunFromRow({ ...row, parameters: "{}", history: "[]", entrypoint: null });
  const { parameters: _p, entrypoint: _e, ...rest } = full;
  return { ...rest, seq: row.seq };
}

function filterOf(filter: RunsFilter): { from: string; where: string; order: string; args: unknown[] } {
  // State, flow, tag and time filters as `runs ls` builds them (each walks an index newest first).
  const base = runFilterSql({ state: filter.state, flow: filter.flow, tag: filter.tag, since: filter.since });
  const where: string[] = base.where ? [base.where.replace(/^WHERE /, "")] : [];
  const args: unknown[] = [...base.args];
  if (filter.deploymentId) {
    where.push("flow_runs.deployment_id = ?");
    args.push(filter.deploymentId);
  }
  if (filter.search) {
    const like = `%${filter.search.replace(/[%_\\]/g, (c) => "\\" + c)}%`;
    // lower() on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
    where.push("(lower(flow_runs.name) LIKE lower(?) ESCAPE '\\' OR lower(flow_runs.flow_name) LIKE lower(?) ESCAPE '\\' OR flow_runs.id LIKE lower(?) ESCAPE '\\')");
    args.push(like, like, `${filter.search.replace(/[%_\\]/g, "")}%`);
  }
  return { from: base.from, where: where.length ? `WHERE ${where.join(" AND ")}` : "", order: base.order, args };
}

/** One page of flow runs, newest first, with the number of runs that match. */
export async function listRunSummaries(store: Store, filter: RunsFilter = {}): Promise<{ runs: FlowRunSummaryRecord[]; total: number }> {
  store.flush();
  const { from, where, order, args } = filterOf(filter);
  const limit = Math.max(1, Math.min(filter.limit ?? 100, 1000));
  const columns = SUMMARY_COLUMNS.split(", ").map((c) => `flow_runs.${c}`).join(", ");
  const rows = store.db
    .prepare(`SELECT ${columns} FROM ${from} ${where} ORDER BY ${order} LIMIT ? OFFSET ?`)
    .all(...args, limit, Math.max(0, filter.offset ?? 0)) as Array<FlowRunRow & { seq: number }>;
  const total = (store.db.prepare(`SELECT COUNT(*) AS n FROM ${from} ${where}`).get(...args) as { n: number }).n;
  return { runs: rows.map(summaryFromRow), total };
}

/** Runs created since `since`, counted per time bucket and state type (Late counted apart from Scheduled). */
export async function countRunsOverTime(store: Store, since: number, bucketMs: number): Promise<Array<{ bucket: number; state: StateType | "LATE"; count: number }>> {
  store.flush();
  const rows = store.db
    .prepare(
      `SELECT (created_at - ?) / ? AS bucket, CASE WHEN state_name = 'Late' THEN 'LATE' ELSE state_type END AS state, COUNT(*) AS count
       FROM flow_runs WHERE created_at >= ? AND parent_task_run_id IS NULL GROUP BY bucket, state`,
    )
    .all(since, bucketMs, since) as Array<{ bucket: number; state: StateType | "LATE"; count: number }>;
  return rows.map((r) => ({ ...r, bucket: Math.floor(r.bucket) }));
}

/** Runs that need a look: Late, Failed and Crashed ones, newest first. */
export async function listAttentionRuns(store: Store, since: number, limit = 20): Promise<FlowRunSummaryRecord[]> {
  const rows = store.db
    .prepare(
      `SELECT ${SUMMARY_COLUMNS} FROM flow_runs WHERE created_at >= ? AND (state_name = 'Late' OR state_type IN ('FAILED', 'CRASHED'))
       ORDER BY CASE WHEN state_name = 'Late' THEN 0 ELSE 1 END, created_at DESC LIMIT ?`,
    )
    .all(since, limit) as Array<FlowRunRow & { seq: number }>;
  return rows.map(summaryFromRow);
}

/** Distinct flow names, for the runs filter. */
export async function listFlowNames(store: Store): Promise<string[]> {
  return (store.db.prepare("SELECT DISTINCT flow_name FROM flow_runs ORDER BY flow_name").all() as Array<{ flow_name: string }>).map((r) => r.flow_name);
}

/** The flow runs started by these task runs (subflow calls), keyed by the parent task run id. */
export async function listSubflowRuns(store: Store, parentTaskRunIds: string[]): Promise<FlowRunSummaryRecord[]> {
  if (parentTaskRunIds.length === 0) return [];
  const out: FlowRunSummaryRecord[] = [];
  for (let i = 0; i < parentTaskRunIds.length; i += 500) {
    const chunk = parentTaskRunIds.slice(i, i + 500);
    const rows = store.db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM flow_runs WHERE parent_task_run_id IN (${chunk.map(() => "?").join(",")})`).all(...chunk) as Array<FlowRunRow & { seq: number }>;
    out.push(...rows.map(summaryFromRow));
  }
  return out;
}

/** A flow run's full record and state history, or null. */
export async function getFlowRunWithHistory(store: Store, id: string): Promise<{ run: FlowRunRecord; history: ReturnType<typeof decodeHistory> } | null> {
  store.flush();
  const row = store.getFlowRunRow(id);
  return row ? { run: flowRunFromRow(row), history: decodeHistory(row.history) } : null;
}

/** A task run's record, history and stored result reference, or null. */
export async function getTaskRunDetail(store: Store, id: string): Promise<{ run: TaskRunRecord; history: ReturnType<typeof decodeHistory>; resultRef: string | null } | null> {
  store.flush();
  const row = store.getTaskRunRow(id);
  return row ? { run: taskRunFromRow(row), history: decodeHistory(row.history), resultRef: row.result_ref } : null;
}

/** A task run as the run page lists and draws it (defined in core/records.ts, which the browser code can import). */
export type { TaskRunBrief };

// Only the columns a brief needs, read as arrays: at 10,000 task runs, building a 25-key object per row cost
// several times the query itself.
const BRIEF_COLUMNS = "id, flow_run_id, flow_attempt, task_name, dynamic_key, state_type, state_name, state_message, state_ts, upstream, cache_reason, run_count, start_time, end_time, subflow_run_id, seq";
type BriefRow = [string, string | null, number, string, string, StateType, StateName, string, number, string, string, number, number | null, number | null, string | null, number];

function briefFromRow(r: BriefRow): TaskRunBrief & { seq: number } {
  return {
    id: r[0], flowRunId: r[1] ?? "", flowAttempt: r[2], taskName: r[3], dynamicKey: r[4],
    state: { type: r[5], name: r[6], message: r[7], timestamp: r[8] },
    upstream: r[9] === "[]" ? [] : (JSON.parse(r[9]) as string[]),
    cacheReason: r[10], runCount: r[11], startTime: r[12], endTime: r[13], subflowRunId: r[14], seq: r[15],
  };
}

/** Task runs of a flow run over every attempt as briefs, oldest first. */
export async function listTaskRunBriefs(store: Store, flowRunId: string): Promise<TaskRunBrief[]> {
  store.flush();
  const rows = store.db.prepare(`SELECT ${BRIEF_COLUMNS} FROM task_runs WHERE flow_run_id = ? ORDER BY flow_attempt, rowid`).raw().all(flowRunId) as BriefRow[];
  return rows.map((r) => {
    const { seq: _seq, ...brief } = briefFromRow(r);
    return brief;
  });
}

/** Log lines of runs (and optionally only some task runs) after a log id, oldest first. */
export async function listLogs(store: Store, flowRunIds: string[], options: { taskRunId?: string; afterId?: number; limit?: number } = {}): Promise<Array<LogRecord & { id: number }>> {
  if (flowRunIds.length === 0) return [];
  const args: unknown[] = [...flowRunIds, options.afterId ?? 0];
  let sql = `SELECT * FROM logs WHERE flow_run_id IN (${flowRunIds.map(() => "?").join(",")}) AND id > ?`;
  if (options.taskRunId) {
    sql += " AND task_run_id = ?";
    args.push(options.taskRunId);
  }
  sql += " ORDER BY id LIMIT ?";
  args.push(options.limit ?? 5000);
  return (store.db.prepare(sql).all(...args) as Array<LogRow & { id: number }>).map((r) => ({ ...logFromRow(r), id: r.id }));
}

/** Where each change feed is now: the newest flow run seq, task run seq and log id. */
export async function changeCursor(store: Store): Promise<{ flow: number; task: number; log: number }> {
  const one = (sql: string) => (store.db.prepare(sql).get() as { n: number | null }).n ?? 0;
  return { flow: one("SELECT MAX(seq) AS n FROM flow_runs"), task: one("SELECT MAX(seq) AS n FROM task_runs"), log: one("SELECT MAX(id) AS n FROM logs") };
}

/** Flow runs changed after `afterSeq`, in change order. */
export async function flowRunsChangedSince(store: Store, afterSeq: number, limit = 500): Promise<FlowRunSummaryRecord[]> {
  const rows = store.db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM flow_runs WHERE seq > ? ORDER BY seq LIMIT ?`).all(afterSeq, limit) as Array<FlowRunRow & { seq: number }>;
  return rows.map(summaryFromRow);
}

/** Task runs of these flow runs changed after `afterSeq` as briefs, in change order, each with its seq. */
export async function taskRunsChangedSince(store: Store, flowRunIds: string[], afterSeq: number, limit = 2000): Promise<Array<TaskRunBrief & { seq: number }>> {
  if (flowRunIds.length === 0) return [];
  const rows = store.db
    .prepare(`SELECT ${BRIEF_COLUMNS} FROM task_runs WHERE seq > ? AND flow_run_id IN (${flowRunIds.map(() => "?").join(",")}) ORDER BY seq LIMIT ?`)
    .raw()
    .all(afterSeq, ...flowRunIds, limit) as BriefRow[];
  return rows.map(briefFromRow);
}

export interface WorkerSeen {
  owner: string;
  lastHeartbeat: number;
  running: number;
  claimed: number;
}

/** Processes that own deployment runs now or owned them lately (a worker stamps its runs with its owner id). */
export async function listWorkersSeen(store: Store, since: number): Promise<WorkerSeen[]> {
  return store.db
    .prepare(
      `SELECT owner, MAX(heartbeat) AS "lastHeartbeat", SUM(CASE WHEN state_type = 'RUNNING' THEN 1 ELSE 0 END) AS running, COUNT(*) AS claimed
       FROM flow_runs WHERE owner IS NOT NULL AND deployment_id IS NOT NULL AND heartbeat >= ? GROUP BY owner ORDER BY "lastHeartbeat" DESC`,
    )
    .all(since) as WorkerSeen[];
}

/** Artifacts (see src/store/artifacts.ts), for the artifacts page and a run's tab. */
export async function listArtifactRecords(store: Store, options: ListArtifactsOptions = {}): Promise<ArtifactRecord[]> {
  store.flush();
  return listArtifacts(store.db, options);
}

/** Distinct tags of flow runs, for the runs filter. */
export async function listRunTags(store: Store): Promise<string[]> {
  return (store.db.prepare("SELECT DISTINCT tag FROM flow_run_tags ORDER BY tag").all() as Array<{ tag: string }>).map((r) => r.tag);
}

/** Ids of the task runs of these flow runs that called a subflow. */
export async function listSubflowCallIds(store: Store, flowRunIds: string[]): Promise<string[]> {
  if (flowRunIds.length === 0) return [];
  const rows = store.db
    .prepare(`SELECT id FROM task_runs WHERE flow_run_id IN (${flowRunIds.map(() => "?").join(",")}) AND subflow_run_id IS NOT NULL`)
    .all(...flowRunIds) as Array<{ id: string }>;
  return rows.map((r) => r.id);
}

/** The flow run a task run belongs to, or null. */
export async function flowRunOfTaskRun(store: Store, taskRunId: string): Promise<string | null> {
  const row = store.db.prepare("SELECT flow_run_id FROM task_runs WHERE id = ?").get(taskRunId) as { flow_run_id: string | null } | undefined;
  return row?.flow_run_id ?? null;
}
