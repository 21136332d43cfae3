// Flow run listings with filters (state, flow, deployment, tag, since), each served by an index of migration 3.

import type { SqlDatabase } from "./sql.js";
import { NAME_TO_TYPE, STATE_TYPES, type StateName, type StateType } from "../core/states.js";
import type { LogRecord } from "../core/records.js";
import type { FlowRunRow } from "./rows.js";

export interface ListRunsOptions {
  /** A state name (Failed, Cached, TimedOut, …) or type (FAILED, COMPLETED, …), any case. */
  state?: string;
  flow?: string;
  /** A deployment's name. */
  deployment?: string;
  /** Runs carrying this tag. */
  tag?: string;
  /** Runs created at or after this time (ms since the epoch). */
  since?: number;
  /** Runs created before this time (ms since the epoch). */
  before?: number;
  /** @default 20 */
  limit?: number;
}

/**
 * A state filter as the column it compares, any case: a type (failed, COMPLETED) matches every name of that type
 * (Failed takes in TimedOut, Completed takes in Cached); a name that is no type (Cached, Late, TimedOut) only itself.
 */
export function stateFilter(value: string): { column: "state_name"; value: StateName } | { column: "state_type"; value: StateType } | null {
  const lower = value.toLowerCase();
  const type = STATE_TYPES.find((t) => t.toLowerCase() === lower);
  if (type) return { column: "state_type", value: type };
  const name = (Object.keys(NAME_TO_TYPE) as StateName[]).find((n) => n.toLowerCase() === lower);
  return name ? { column: "state_name", value: name } : null;
}

/**
 * The FROM and WHERE clauses and their arguments for a run filter, and the ORDER BY that walks an index newest
 * first. A tag filter starts from the tag table, whose (tag, created_at) index is in that order already.
 */
export function runFilterSql(options: ListRunsOptions): { from: string; where: string; order: string; args: unknown[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  let from = "flow_runs";
  let order = "flow_runs.created_at DESC, flow_runs.rowid DESC";
  if (options.tag) {
    from = "flow_run_tags t JOIN flow_runs ON flow_runs.id = t.flow_run_id";
    order = "t.created_at DESC, t.flow_run_id DESC";
    where.push("t.tag = ?");
    args.push(options.tag);
  }
  if (options.state) {
    const filter = stateFilter(options.state);
    // An unknown state matches nothing (the CLI refuses it before it gets here).
    if (filter) {
      where.push(`flow_runs.${filter.column} = ?`);
      args.push(filter.value);
    } else where.push("1 = 0");
  }
  if (options.flow) {
    where.push("flow_runs.flow_name = ?");
    args.push(options.flow);
  }
  if (options.deployment) {
    where.push("flow_runs.deployment_id = (SELECT id FROM deployments WHERE name = ?)");
    args.push(options.deployment);
  }
  // With a tag, the time bounds go on the tag table's own copy of created_at, inside its index.
  const created = options.tag ? "t.created_at" : "flow_runs.created_at";
  if (options.since !== undefined) {
    where.push(`${created} >= ?`);
    args.push(options.since);
  }
  if (options.before !== undefined) {
    where.push(`${created} < ?`);
    args.push(options.before);
  }
  return { from, where: where.length ? `WHERE ${where.join(" AND ")}` : "", order, args };
}

/** The listing statement for a filter and its arguments (the limit last). */
export function listFlowRunsSql(options: ListRunsOptions = {}): { sql: string; args: unknown[] } {
  const { from, where, order, args } = runFilterSql(options);
  return { sql: `SELECT flow_runs.* FROM ${from} ${where} ORDER BY ${order} LIMIT ?`, args: [...args, options.limit ?? 20] };
}

/** Flow run rows matching the filter, newest first. */
export function listFlowRunRows(db: SqlDatabase, options: ListRunsOptions = {}): FlowRunRow[] {
  const { sql, args } = listFlowRunsSql(options);
  return db.prepare(sql).all(...args) as FlowRunRow[];
}

export const LOG_LEVELS: readonly LogRecord["level"][] = ["debug", "info", "warning", "error"];

/** "warn" → "warning"; any case; null when it is no level. */
export function logLevel(value: string): LogRecord["level"] | null {
  const lower = value.toLowerCase();
  if (lower === "warn") return "warning";
  if (lower === "err") return "error";
  return LOG_LEVELS.find((l) => l === lower) ?? null;
}

/** The levels at or above `min`, for `logs.level IN (...)`. */
export function levelsFrom(min: LogRecord["level"]): LogRecord["level"][] {
  return LOG_LEVELS.slice(LOG_LEVELS.indexOf(min));
}
