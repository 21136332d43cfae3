// How the CLI prints: plain-record JSON, aligned tables, and one line per state change while a run goes.

import type { FlowRunRecord, RunEvent, RunGraph, TaskRunRecord } from "../core/records.js";
import { elapsedMs, formatDuration } from "../core/duration.js";
import { stateGlyph } from "../core/states.js";
import { escapeTerminal } from "../core/terminal-text.js";
import { stringifyJson } from "../core/result-json.js";

/** Write text to the terminal with user text in it neutralised (escape sequences, bidi marks): every CLI line goes here. */
export function print(text: string, stream: NodeJS.WritableStream = process.stdout): void {
  stream.write(escapeTerminal(text));
}

/** One-line user text (a name, a message's first line) for a terminal line. */
const inline = (text: string): string => escapeTerminal(text, { inline: true });

/** The stable --json shape of a flow run. */
export function flowRunJson(run: FlowRunRecord, taskRuns?: TaskRunRecord[], result?: unknown, subflows?: RunGraph["subflows"]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: run.id,
    name: run.name,
    flowName: run.flowName,
    state: { type: run.state.type, name: run.state.name, message: run.state.message },
    parameters: run.parameters,
    attempt: run.attempt,
    startTime: iso(run.startTime),
    endTime: iso(run.endTime),
    createdAt: iso(run.createdAt),
    entrypoint: run.entrypoint,
    deploymentId: run.deploymentId,
  };
  if (run.scheduledTime !== undefined) out.scheduledTime = iso(run.scheduledTime);
  if (run.error) out.error = run.error;
  if (taskRuns) out.taskRuns = taskRuns.map((t) => taskRunJson(t, subflows));
  if (result !== undefined) out.result = result;
  return out;
}

/**
 * Write { ...flowRunJson(run), taskRuns, ...after } as JSON.stringify(…, null, 2) would, without holding every
 * task run: they are read from `taskRuns` (a store iterator, a run without subflows) and written in chunks.
 * `after` holds the keys that follow taskRuns (result, artifacts, history), in order.
 */
export function writeFlowRunJson(run: FlowRunRecord, taskRuns: Iterable<TaskRunRecord>, write: (text: string) => void, after: Record<string, unknown> = {}): void {
  let text = JSON.stringify(flowRunJson(run), null, 2).slice(0, -2) + ',\n  "taskRuns": [';
  let count = 0;
  for (const t of taskRuns) {
    text += (count === 0 ? "\n    " : ",\n    ") + JSON.stringify(taskRunJson(t), null, 2).replace(/\n/g, "\n    ");
    if (++count % 500 === 0) {
      write(text);
      text = "";
    }
  }
  text += count === 0 ? "]" : "\n  ]";
  for (const [key, value] of Object.entries(after)) {
    const json = value === undefined ? undefined : stringifyJson(value, 2);
    if (json !== undefined) text += `,\n  ${JSON.stringify(key)}: ${json.replace(/\n/g, "\n  ")}`;
  }
  write(text + "\n}\n");
}

/** Task-run state names with their counts, e.g. "3 Completed, 1 Failed". */
export function stateSummary(counts: Array<{ name: string; count: number }>): string {
  return counts.map(({ name, count }) => `${count} ${name}`).join(", ") || "no task runs";
}

/** A task run as JSON; a subflow's node carries its child run's `taskRuns`, nested the same way. */
export function taskRunJson(t: TaskRunRecord, subflows?: RunGraph["subflows"]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: t.id,
    name: t.taskName,
    dynamicKey: t.dynamicKey,
    state: { type: t.state.type, name: t.state.name, message: t.state.message },
    startTime: iso(t.startTime),
    endTime: iso(t.endTime),
    durationMs: t.startTime !== null && t.endTime !== null ? elapsedMs(t.startTime, t.endTime) : null,
    runCount: t.runCount,
    cacheReason: t.cacheReason,
    cachedFrom: t.cachedFrom,
    upstream: t.upstream,
    inputs: t.inputs,
    tags: t.tags,
  };
  if (t.subflowRunId) out.subflowRunId = t.subflowRunId;
  const child = subflows?.[t.id];
  if (child) {
    out.subflowRun = { id: child.flowRun.id, name: child.flowRun.name, flowName: child.flowRun.flowName, state: { type: child.flowRun.state.type, name: child.flowRun.state.name, message: child.flowRun.state.message } };
    out.taskRuns = child.taskRuns.map((c) => taskRunJson(c, child.subflows));
  }
  if (t.error) out.error = { name: t.error.name, message: t.error.message };
  return out;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function table(headers: string[], cells: string[][]): string {
  const rows = cells.map((r) => r.map(inline));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join("  ").trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

export function runDuration(run: { startTime: number | null; endTime: number | null }): string {
  if (run.startTime === null) return "—";
  return formatDuration(elapsedMs(run.startTime, run.endTime ?? Date.now()));
}

let lastClock = { ms: NaN, text: "" };
/** HH:MM:SS.mmm (UTC); consecutive progress lines mostly share a millisecond, so the last one is reused. */
function clock(ms: number): string {
  if (ms !== lastClock.ms) lastClock = { ms, text: new Date(ms).toISOString().slice(11, 23) };
  return lastClock.text;
}

/** One line per state change and per warning/error log line, for a run in progress. */
export function progressLine(event: RunEvent): string | null {
  switch (event.kind) {
    case "flow": {
      const r = event.run;
      const msg = r.state.message ? ` — ${inline(r.state.message)}` : "";
      return `${clock(r.state.timestamp)} ${stateGlyph(r.state)} flow ${inline(r.name)} ${r.state.name}${msg}`;
    }
    case "task": {
      const r = event.run;
      let detail = "";
      if (r.state.name === "Cached" || (r.state.type === "COMPLETED" && r.cacheReason)) detail = ` (${inline(r.cacheReason ?? "")})`;
      else if (r.state.message) detail = ` — ${inline(firstLine(r.state.message))}`;
      const took = r.state.type === "COMPLETED" || r.state.type === "FAILED" ? ` ${runDuration(r)}` : "";
      return `${clock(r.state.timestamp)} ${stateGlyph(r.state)} task ${inline(r.dynamicKey)} ${r.state.name}${took}${detail}`;
    }
    case "log": {
      const l = event.log;
      if (l.level === "debug") return null;
      return `${clock(l.timestamp)}   ${l.level}: ${inline(firstLine(l.message))}`;
    }
  }
}

function firstLine(text: string): string {
  const i = text.indexOf("\n");
  return i < 0 ? text : text.slice(0, i);
}

export function graphSummary(graph: RunGraph): string {
  const counts = new Map<string, number>();
  for (const t of graph.taskRuns) counts.set(t.state.name, (counts.get(t.state.name) ?? 0) + 1);
  return [...counts].map(([name, n]) => `${n} ${name}`).join(", ") || "no task runs";
}
