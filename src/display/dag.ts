// Renders a run's DAG (its task runs, states, timings, cache reasons, edges and errors) as text and HTML.

import { describeError } from "../core/errors.js";
import { elapsedMs, formatDuration } from "../core/duration.js";
import { escapeTerminal } from "../core/terminal-text.js";
import type { FlowRunRecord, RunGraph, TaskRunRecord } from "../core/records.js";
import { stateGlyph, type State } from "../core/states.js";
import { escapeHtml } from "./html.js";
import { shortTaskRunId } from "../core/ids.js";
import { stateColor } from "../core/state-colors.js";

/** Options for {@link renderDag}. */
export interface RenderDagOptions {
  /**
   * The clock used for the elapsed time of runs still running (ms since the epoch).
   * @default Date.now()
   */
  now?: number;
}

/** The DAG as a MIME bundle: a layered text listing and an HTML table. */
export interface DagBundle {
  "text/plain": string;
  "text/html": string;
  [mime: string]: unknown;
}

/** What a DAG line shows of a task run: a whole record, or the few columns a streamed listing reads. */
export type RowRun = Pick<TaskRunRecord, "id" | "state" | "runCount" | "cacheReason" | "startTime" | "endTime" | "error">;

/** One task run as the DAG lists it (also what the terminal UI renders). */
export interface Row<R extends RowRun = TaskRunRecord> {
  run: R;
  label: string;
  layer: number;
  duration: string;
  upstream: string[];
  error: string | null;
  /** 0 for the run's own task runs, 1 for a subflow's task runs (listed right under its row), and so on. */
  depth: number;
}

export { stateColor };

export function durationOf(run: { startTime: number | null; endTime: number | null }, now: number): string {
  if (run.startTime === null) return "—";
  return formatDuration(elapsedMs(run.startTime, run.endTime ?? now));
}

export function errorOf(run: RowRun | FlowRunRecord): string | null {
  if (run.state.type !== "FAILED" && run.state.type !== "CRASHED") return null;
  if (run.error) return describeError(run.error);
  return run.state.message || null;
}

// Task names label the rows; a name used by several calls (map, loops) falls back to its dynamic key.
function labels(runs: TaskRunRecord[]): Map<string, string> {
  const counts = new Map<string, number>();
  for (const r of runs) counts.set(r.taskName, (counts.get(r.taskName) ?? 0) + 1);
  return new Map(runs.map((r) => [r.id, (counts.get(r.taskName) ?? 0) > 1 ? r.dynamicKey : r.taskName]));
}

// Layer = 1 + the deepest upstream layer, so every edge points to an earlier layer.
function layers(runs: TaskRunRecord[]): Map<string, number> {
  const byId = new Map(runs.map((r) => [r.id, r]));
  const layer = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (run: TaskRunRecord): number => {
    const known = layer.get(run.id);
    if (known !== undefined) return known;
    if (visiting.has(run.id)) return 1; // a cycle cannot come from the engine; do not recurse forever
    visiting.add(run.id);
    let deepest = 0;
    for (const id of run.upstream) {
      const up = byId.get(id);
      if (up) deepest = Math.max(deepest, visit(up));
    }
    visiting.delete(run.id);
    layer.set(run.id, deepest + 1);
    return deepest + 1;
  };
  for (const run of runs) visit(run);
  return layer;
}

/**
 * What stays put while a run goes: each task run's label, layer and upstream text, and the row order. Computed
 * once per graph version (the same task runs, the same start times) and reused for every frame after.
 */
export interface DagLayout {
  flowRunId: string;
  attempt: number;
  ids: string[];
  upstreamCounts: number[];
  starts: Array<number | null>;
  labels: string[];
  layers: number[];
  upstream: string[][];
  /** Indexes into the graph's task runs, by layer, then start time, then dynamic key. */
  order: number[];
}

function sameRuns(layout: DagLayout, graph: RunGraph): boolean {
  const runs = graph.taskRuns;
  if (layout.flowRunId !== graph.flowRun.id || layout.attempt !== graph.flowRun.attempt || layout.ids.length !== runs.length) return false;
  for (let i = 0; i < runs.length; i++) {
    if (runs[i].id !== layout.ids[i] || runs[i].upstream.length !== layout.upstreamCounts[i]) return false;
  }
  return true;
}

function sortOrder(runs: TaskRunRecord[], layerOf: number[]): number[] {
  const start = (i: number) => runs[i].startTime ?? Number.MAX_SAFE_INTEGER;
  const order = runs.map((_, i) => i);
  return order.sort((a, b) => layerOf[a] - layerOf[b] || start(a) - start(b) || runs[a].dynamicKey.localeCompare(runs[b].dynamicKey));
}

/** The graph's layout, reusing `previous` when the task runs are the same (and its order when no start time moved). */
export function dagLayout(graph: RunGraph, previous?: DagLayout | null): DagLayout {
  const runs = graph.taskRuns;
  if (previous && sameRuns(previous, graph)) {
    let moved = false;
    for (let i = 0; i < runs.length && !moved; i++) moved = runs[i].startTime !== previous.starts[i];
    if (!moved) return previous;
    return { ...previous, starts: runs.map((r) => r.startTime), order: sortOrder(runs, previous.layers) };
  }
  const names = labels(runs);
  const layerOf = layers(runs);
  const layerList = runs.map((run) => layerOf.get(run.id) ?? 1);
  return {
    flowRunId: graph.flowRun.id,
    attempt: graph.flowRun.attempt,
    ids: runs.map((r) => r.id),
    upstreamCounts: runs.map((r) => r.upstream.length),
    starts: runs.map((r) => r.startTime),
    labels: runs.map((run) => names.get(run.id) ?? run.dynamicKey),
    layers: layerList,
    upstream: runs.map((run) => {
      const waitFor = new Set(run.inputs.filter((i) => i.kind === "wait_for").map((i) => i.taskRunId));
      return run.upstream.map((id) => {
        const name = names.get(id) ?? shortTaskRunId(id);
        return waitFor.has(id) ? `${name} (wait)` : name;
      });
    }),
    order: sortOrder(runs, layerList),
  };
}

/**
 * The task runs of a graph as rows in dependency layers, ordered by layer, then start time; `layout` from
 * {@link dagLayout}. A subflow's task runs follow its row, one level deeper.
 */
export function rowsOf(graph: RunGraph, now: number, layout: DagLayout = dagLayout(graph), depth = 0): Row[] {
  const runs = graph.taskRuns;
  const rows = layout.order.map((i): Row => {
    const run = runs[i];
    return { run, label: layout.labels[i], layer: layout.layers[i], duration: durationOf(run, now), upstream: layout.upstream[i], error: errorOf(run), depth };
  });
  const subflows = graph.subflows;
  if (!subflows) return rows;
  return rows.flatMap((row) => {
    const child = subflows[row.run.id];
    return child ? [row, ...rowsOf(child, now, dagLayout(child), depth + 1)] : [row];
  });
}

/** The indent of a row's label in text: two spaces per level, the nested ones marked "└ ". */
export function indentOf(row: Pick<Row, "depth">): string {
  return row.depth === 0 ? "" : `${"  ".repeat(row.depth - 1)}└ `;
}

function headline(flow: FlowRunRecord, now: number): string {
  const parts = [`${stateGlyph(flow.state)} ${esc(flow.flowName)}`, esc(flow.name), flow.state.name, durationOf(flow, now)];
  if (flow.attempt > 1) parts.push(`attempt ${flow.attempt}`);
  return parts.join(" · ");
}

/** User text in the text rendering (names, reasons, errors) cannot drive the terminal it is printed to. */
const esc = (text: string): string => escapeTerminal(text, { inline: true });
const escLines = (text: string, indent: string): string => text.split("\n").map(esc).join(`\n${indent}`);

function renderText(graph: RunGraph, rows: Row[], now: number): string {
  const out = headLines(graph.flowRun, now);
  if (rows.length === 0) {
    out.push("  (no task runs yet)");
    return out.join("\n");
  }
  const width = (pick: (r: Row) => string) => Math.max(...rows.map((r) => pick(r).length));
  const widths: TextWidths = {
    label: width((r) => indentOf(r) + r.label),
    state: width((r) => r.run.state.name),
    duration: width((r) => r.duration),
    runs: width((r) => `runs ${r.run.runCount}`),
    layer: String(Math.max(...rows.map((r) => r.layer))).length,
  };
  for (const row of rows) out.push(rowText(row, widths));
  return out.join("\n");
}

/** The flow run's headline and, when it failed, its error: the first lines of the text DAG. */
export function headLines(flow: FlowRunRecord, now: number): string[] {
  const out = [headline(flow, now)];
  const flowError = errorOf(flow);
  if (flowError) out.push(`  ${escLines(flowError, "  ")}`);
  return out;
}

/** Column widths of the text DAG (the widest cell of each column; the label's includes its indent). */
export interface TextWidths {
  label: number;
  state: number;
  duration: number;
  runs: number;
  layer: number;
}

/** One task run's line of the text DAG (and its error lines beneath it), without a trailing newline. */
export function rowText(row: Row<RowRun>, w: TextWidths): string {
  const cells = [
    `${String(row.layer).padStart(w.layer)} ${stateGlyph(row.run.state)} ${(indentOf(row) + esc(row.label)).padEnd(w.label)}`,
    row.run.state.name.padEnd(w.state),
    row.duration.padStart(w.duration),
    `runs ${row.run.runCount}`.padEnd(w.runs),
  ];
  if (row.upstream.length > 0) cells.push(`← ${esc(row.upstream.join(", "))}`);
  if (row.run.cacheReason) cells.push(row.upstream.length > 0 ? `· ${esc(row.run.cacheReason)}` : esc(row.run.cacheReason));
  let text = `  ${cells.join("  ").trimEnd()}`;
  if (row.error) text += `\n  ${" ".repeat(w.layer + 3)}${escLines(row.error, `  ${" ".repeat(w.layer + 3)}`)}`;
  return text;
}

const BOX = "font-family:var(--jp-code-font-family,monospace);font-size:12px;line-height:1.5";
const TD = "padding:1px 8px;text-align:left;vertical-align:top;white-space:nowrap";
const MUTED = "color:#6b7280";

function stateHtml(state: State): string {
  return `<span style="color:${stateColor(state)};font-weight:600">${escapeHtml(stateGlyph(state))} ${escapeHtml(state.name)}</span>`;
}

function renderHtml(graph: RunGraph, rows: Row[], now: number): string {
  const flow = graph.flowRun;
  const head = [
    `${stateHtml(flow.state)} <b>${escapeHtml(flow.flowName)}</b>`,
    `<span style="${MUTED}">${escapeHtml(flow.name)}</span>`,
    escapeHtml(durationOf(flow, now)),
  ];
  if (flow.attempt > 1) head.push(`attempt ${flow.attempt}`);
  const flowError = errorOf(flow);
  const parts = [`<div class="cellflow-dag" style="${BOX}">`, `<div>${head.join(" · ")}</div>`];
  if (flowError) parts.push(`<div style="color:${stateColor(flow.state)};white-space:pre-wrap">${escapeHtml(flowError)}</div>`);
  if (rows.length === 0) {
    parts.push(`<div style="${MUTED}">no task runs yet</div></div>`);
    return parts.join("");
  }
  const th = (s: string) => `<th style="${TD};${MUTED};font-weight:normal">${s}</th>`;
  parts.push(
    `<table style="border-collapse:collapse;margin-top:4px"><thead><tr>${["#", "task", "state", "duration", "runs", "upstream", "cache"].map(th).join("")}</tr></thead><tbody>`,
  );
  for (const row of rows) {
    const cells = [
      `<span style="${MUTED}">${row.layer}</span>`,
      row.depth > 0 ? `<span style="padding-left:${row.depth * 16}px">└ ${escapeHtml(row.label)}</span>` : escapeHtml(row.label),
      stateHtml(row.run.state),
      escapeHtml(row.duration),
      String(row.run.runCount),
      row.upstream.length > 0 ? `← ${escapeHtml(row.upstream.join(", "))}` : "",
      `<span style="${MUTED}">${escapeHtml(row.run.cacheReason)}</span>`,
    ];
    parts.push(`<tr data-task-run="${escapeHtml(row.run.id)}"${row.depth > 0 ? ` data-depth="${row.depth}"` : ""}>${cells.map((c) => `<td style="${TD}">${c}</td>`).join("")}</tr>`);
    if (row.error) {
      parts.push(
        `<tr><td></td><td colspan="6" style="${TD};white-space:pre-wrap;color:${stateColor(row.run.state)}">${escapeHtml(row.error)}</td></tr>`,
      );
    }
  }
  parts.push("</tbody></table></div>");
  return parts.join("");
}

/**
 * Renders a flow run's DAG: one line (row) per task run in dependency layers, with its state glyph
 * and name, duration, run count, upstream edges and cache reason, and the error of failed runs.
 * @example display.bundle(renderDag(graph))
 */
export function renderDag(graph: RunGraph, options: RenderDagOptions = {}): DagBundle {
  const now = options.now ?? Date.now();
  const rows = rowsOf(graph, now);
  return { "text/plain": renderText(graph, rows, now), "text/html": renderHtml(graph, rows, now) };
}
