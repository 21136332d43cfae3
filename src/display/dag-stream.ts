// The text DAG of a stored run, written a page at a time: one pass over a slim outline of every task run places
// and measures the rows, then full records are read a page at a time in display order. Memory stays flat
// however many task runs the run has; the text is the same as renderDag's.

import type { FlowRunRecord, TaskRunRecord } from "../core/records.js";
import { shortTaskRunId } from "../core/ids.js";
import type { Store } from "../store/store.js";
import { durationOf, errorOf, headLines, rowText, type Row, type TextWidths } from "./dag.js";

const PAGE = 1000;

interface Placed {
  rowid: number;
  id: string;
  key: string;
  name: string;
  start: number;
  upstream: string[];
}

/**
 * Write the text DAG of `flow`'s latest attempt from the store, line by line (each line ends with "\n").
 * @example writeDagText(store, run, (text) => process.stdout.write(text))
 */
export function writeDagText(store: Store, flow: FlowRunRecord, write: (text: string) => void, now = Date.now()): void {
  write(headLines(flow, now).join("\n") + "\n");
  const placed: Placed[] = [];
  const index = new Map<string, number>();
  const perName = new Map<string, number>();
  const widths: TextWidths = { label: 0, state: 0, duration: 0, runs: 0, layer: 1 };
  for (const o of store.taskRunOutlines(flow.id, flow.attempt)) {
    index.set(o.id, placed.length);
    placed.push({ rowid: o.rowid, id: o.id, key: o.dynamic_key, name: o.task_name, start: o.start_time ?? Number.MAX_SAFE_INTEGER, upstream: JSON.parse(o.upstream) as string[] });
    perName.set(o.task_name, (perName.get(o.task_name) ?? 0) + 1);
    widths.state = Math.max(widths.state, o.state_name.length);
    widths.duration = Math.max(widths.duration, durationOf({ startTime: o.start_time, endTime: o.end_time }, now).length);
    widths.runs = Math.max(widths.runs, `runs ${o.run_count}`.length);
  }
  if (placed.length === 0) return void write("  (no task runs yet)\n");
  const label = (i: number) => ((perName.get(placed[i].name) ?? 0) > 1 ? placed[i].key : placed[i].name);
  for (let i = 0; i < placed.length; i++) widths.label = Math.max(widths.label, label(i).length);
  const layer = layersOf(placed, index);
  widths.layer = String(layer.reduce((a, b) => Math.max(a, b), 1)).length;
  const order = placed.map((_, i) => i);
  order.sort((a, b) => layer[a] - layer[b] || placed[a].start - placed[b].start || placed[a].key.localeCompare(placed[b].key));
  for (let from = 0; from < order.length; from += PAGE) {
    const page = order.slice(from, from + PAGE);
    const records = store.taskRunsByRowid(page.map((i) => placed[i].rowid));
    let text = "";
    for (const i of page) {
      const run = records.get(placed[i].rowid);
      if (run) text += rowText(rowOf(run, label(i), layer[i], now, (id) => (index.has(id) ? label(index.get(id)!) : shortTaskRunId(id))), widths) + "\n";
    }
    write(text);
  }
}

function rowOf(run: TaskRunRecord, label: string, layer: number, now: number, nameOf: (id: string) => string): Row {
  const waitFor = new Set(run.inputs.filter((i) => i.kind === "wait_for").map((i) => i.taskRunId));
  const upstream = run.upstream.map((id) => (waitFor.has(id) ? `${nameOf(id)} (wait)` : nameOf(id)));
  return { run, label, layer, duration: durationOf(run, now), upstream, error: errorOf(run) };
}

/**
 * Layer = 1 + the deepest upstream layer (as renderDag computes it), without recursion: upstream runs are
 * nearly always created first, so one forward pass settles almost every graph; later passes fix the rest.
 */
function layersOf(placed: Placed[], index: Map<string, number>): Int32Array {
  const layer = new Int32Array(placed.length).fill(1);
  for (let pass = 0; pass < 64; pass++) {
    let changed = false;
    for (let i = 0; i < placed.length; i++) {
      let deepest = 0;
      for (const id of placed[i].upstream) {
        const up = index.get(id);
        if (up !== undefined && up !== i) deepest = Math.max(deepest, layer[up]);
      }
      if (deepest + 1 !== layer[i]) {
        layer[i] = deepest + 1;
        changed = true;
      }
    }
    if (!changed) break;
  }
  return layer;
}
