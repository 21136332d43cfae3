// The DAG pane's data: a graph's rows in dependency layers (the same rows as the text DAG), filtered, counted and
// formatted one line each, so the pane renders only the rows that fit.

import { dagLayout, indentOf, rowsOf, type DagLayout, type Row } from "../display/dag.js";
import type { RunGraph, TaskRunRecord } from "../core/records.js";
import { NAME_TO_TYPE, stateGlyph, type StateName } from "../core/states.js";
import { escapeTerminal } from "../core/terminal-text.js";

export type DagRow = Row;

const SUMMARY_ORDER: StateName[] = [
  "Running",
  "Retrying",
  "Pending",
  "Scheduled",
  "AwaitingRetry",
  "Late",
  "Paused",
  "Completed",
  "Cached",
  "Failed",
  "TimedOut",
  "Crashed",
  "Cancelling",
  "Cancelled",
];

// The last graph's layout: a frame of the same graph version (states and durations moved, nothing else) reuses it.
let lastLayout: DagLayout | null = null;

/** The graph's rows in layers; `now` times the tasks still running. */
export function dagRows(graph: RunGraph | null, now: number): DagRow[] {
  if (!graph) return [];
  lastLayout = dagLayout(graph, lastLayout);
  return rowsOf(graph, now, lastLayout);
}

/** Every task run of the graph, its subflows' included. */
export function taskRunsOf(graph: RunGraph | null): TaskRunRecord[] {
  if (!graph) return [];
  return [...graph.taskRuns, ...Object.values(graph.subflows ?? {}).flatMap(taskRunsOf)];
}

/** Rows whose task name, label or dynamic key contains the filter, or whose state name starts with it. */
export function filterRows(rows: DagRow[], filter: string): DagRow[] {
  const term = filter.trim().toLowerCase();
  if (!term) return rows;
  return rows.filter(
    (r) =>
      r.label.toLowerCase().includes(term) ||
      r.run.taskName.toLowerCase().includes(term) ||
      r.run.dynamicKey.toLowerCase().includes(term) ||
      r.run.state.name.toLowerCase().startsWith(term),
  );
}

/**
 * "12 tasks · 3 ✓ Completed · 2 ◆ Cached · 1 ✗ Failed": every state present, in lifecycle order;
 * compact ("12 tasks · ✓3 ◆2 ✗1") for narrow terminals.
 */
export function summaryText(rows: DagRow[], compact = false): string {
  const counts = new Map<StateName, number>();
  for (const r of rows) counts.set(r.run.state.name, (counts.get(r.run.state.name) ?? 0) + 1);
  const parts = [`${rows.length} task${rows.length === 1 ? "" : "s"}`];
  for (const name of SUMMARY_ORDER) {
    const n = counts.get(name);
    const glyph = stateGlyph({ type: NAME_TO_TYPE[name], name });
    if (n) parts.push(compact ? `${glyph}${n}` : `${n} ${glyph} ${name}`);
  }
  return compact ? `${parts[0]} · ${parts.slice(1).join(" ")}` : parts.join(" · ");
}

/** A row's text after its glyph: label, state, duration, attempts, upstream edges, cache reason, error. */
export function rowText(row: DagRow, labelWidth: number): string {
  const parts = [(indentOf(row) + row.label).padEnd(labelWidth), row.run.state.name.padEnd(9), row.duration.padStart(7), `runs ${row.run.runCount}`];
  if (row.upstream.length > 0) parts.push(`← ${row.upstream.join(", ")}`);
  if (row.run.cacheReason) parts.push(`· ${row.run.cacheReason}`);
  if (row.error) parts.push(`· ${row.error.split("\n")[0]}`);
  return escapeTerminal(parts.join("  "), { inline: true });
}

/** The first row of the window so that `anchor` stays visible, moving as little as possible from `previous`. */
export function windowStart(previous: number, anchor: number, visible: number, total: number): number {
  const max = Math.max(0, total - visible);
  let start = Math.min(Math.max(0, previous), max);
  if (anchor < 0) return start;
  if (anchor < start) start = anchor;
  else if (anchor >= start + visible) start = anchor - visible + 1;
  return Math.min(Math.max(0, start), max);
}
