// The one way a flow or task run's state is written: it encodes the history, pairs a state name with its type and
// knows the terminal states (from core/states.ts). The batch writer stores whole rows built here; every other
// transition (claims, crash reaping, catch-up, cancellation) is one conditional UPDATE built here.

import { NAME_TO_TYPE, TERMINAL, type State, type StateName, type StateType } from "../core/states.js";
import type { SqlDatabase } from "./sql.js";

/**
 * A history entry is stored compactly, as [name, timestamp] or [name, timestamp, message] (the type follows from
 * the name): a task run's row is written on the hot path, and its size is most of the write's cost.
 */
export function encodeState(s: State): string {
  return s.message ? `["${s.name}",${s.timestamp},${JSON.stringify(s.message)}]` : `["${s.name}",${s.timestamp}]`;
}

export function encodeHistory(history: State[]): string {
  let out = "[";
  for (let i = 0; i < history.length; i++) {
    if (i > 0) out += ",";
    out += encodeState(history[i]);
  }
  return out + "]";
}

export function decodeHistory(json: string): State[] {
  const raw = JSON.parse(json) as Array<[StateName, number, string?]>;
  return raw.map(([name, timestamp, message]) => ({ type: NAME_TO_TYPE[name], name, message: message ?? "", timestamp }));
}

/** A state from its name: the type is the name's own, never given apart from it. */
export function stateNamed(name: StateName, message = "", timestamp = Date.now()): State {
  return { type: NAME_TO_TYPE[name], name, message, timestamp };
}

/** `(…)` list of the terminal types, for SQL. */
export const TERMINAL_TYPES_SQL = sqlList([...TERMINAL]);

/** `(…)` list of the types a run holds while a process works on it: a run in one of them has a live owner or crashed. */
export const ACTIVE_FLOW_TYPES_SQL = sqlList(["PENDING", "RUNNING", "CANCELLING"]);

function sqlList(types: StateType[]): string {
  return `(${types.map((t) => `'${t}'`).join(", ")})`;
}

/**
 * For the batch writer's flow run upsert: another process may have asked the run to cancel (state Cancelling)
 * since its owner last wrote it; the owner's next ordinary write must not erase that request before its heartbeat
 * reads it. Only an end state or the owner's own Cancelling replaces it.
 */
export const KEEP_CANCEL_REQUEST = `flow_runs.state_type <> 'CANCELLING' OR excluded.state_type IN ${sqlList(["CANCELLING", ...TERMINAL])}`;

/** The fencing condition of a flow run upsert on PostgreSQL (writer.ts): the row's attempt is current and not reaped. */
export const ATTEMPT_FENCE = "flow_runs.attempt <= excluded.attempt AND flow_runs.state_type <> 'CRASHED'";

/**
 * Append one encoded entry to a history column in SQL both dialects share (the column is always a compact JSON
 * array, so the closing bracket is its last character). Takes the entry twice.
 */
const APPEND_HISTORY = "history = CASE WHEN history = '[]' THEN '[' || ? || ']' ELSE substr(history, 1, length(history) - 1) || ',' || ? || ']' END";

export type RunTable = "flow_runs" | "task_runs";

export interface Transition {
  /** The new state (build it with `stateNamed` or a constructor of core/states.ts). */
  state: State;
  /** The rows that move: a WHERE clause with `?` parameters, which should also say which states it moves from. */
  where: string;
  args?: unknown[];
  /** Other columns written with the state (owner, attempt, …); an `end_time` here replaces the terminal rule. */
  set?: Record<string, unknown>;
}

/**
 * Move the rows of `table` that match `where` to `state`, appending it to their history; a terminal state also
 * sets end_time. One statement, so it is atomic against other writers. Returns how many rows moved.
 */
export function transitionRuns(db: SqlDatabase, table: RunTable, transition: Transition): number {
  const { state, where, args = [], set = {} } = transition;
  const entry = encodeState(state);
  const columns = ["state_type = ?", "state_name = ?", "state_message = ?", "state_ts = ?", APPEND_HISTORY];
  const values: unknown[] = [state.type, state.name, state.message, state.timestamp, entry, entry];
  if (TERMINAL.has(state.type) && !("end_time" in set)) {
    columns.push("end_time = ?");
    values.push(state.timestamp);
  }
  for (const [column, value] of Object.entries(set)) {
    columns.push(`${column} = ?`);
    values.push(value);
  }
  return db.prepare(`UPDATE ${table} SET ${columns.join(", ")} WHERE ${where}`).run(...values, ...args).changes;
}
