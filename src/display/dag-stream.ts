// The text DAG of a stored run without subflows, written a page at a time: one pass over a slim outline of every
// task run places and measures the rows, then the printed columns are read a page at a time in display order. Memory
// stays flat however many task runs the run has; the text is the same as renderDag's.

import type { FlowRunRecord } from "../core/records.js";
import type { TaskRunLine } from "../store/rows.js";
import { shortTaskRunId } from "../core/ids.js";
import type { Store } from "../store/store.js";
import { durationOf, errorOf, headLines, rowText, type Row, type TextWidths } from "./dag.js";

const PAGE = 250;
const NONE: number[] = [];

/** Where each task run goes, column by column: 100,000 of them take a few MB, not a record each. */
interface Outline {
  rowid: Float64Array;
  start: Float64Array;
  id: string[];
  key: string[];
  name: string[];
  /** Upstream task runs as indexes into this outline (ids outside the run are left out, as renderDag does). */
  upstream: number[][];
}

/**
 * Write the text DAG of `flow`'s latest attempt from the store, line by line (each line ends with "\n").
 * @example writeDagText(store, run, (text) => process.stdout.write(text))
 */
export function writeDagText(store: Store, flow: FlowRunRecord, write: (text: string) => void, now = Date.now()): void {
  write(headLines(flow, now).join("\n") + "\n");
  const { outline, indexOf, widths, perName } = readOutline(store, flow, now);
  const n = outline.id.length;
  if (n === 0) return void write("  (no task runs yet)\n");
  const label = (i: number) => ((perName.get(outline.name[i]) ?? 0) > 1 ? outline.key[i] : outline.name[i]);
  for (let i = 0; i < n; i++) widths.label = Math.max(widths.label, label(i).length);
  const layer = layersOf(outline.upstream);
  widths.layer = String(layer.reduce((a, b) => Math.max(a, b), 1)).length;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => layer[a] - layer[b] || outline.start[a] - outline.start[b] || outline.key[a].localeCompare(outline.key[b]));
  const nameOf = (id: string) => {
    const at = indexOf(id);
    return at === undefined ? shortTaskRunId(id) : label(at);
  };
  for (let from = 0; from < n; from += PAGE) {
    const page = order.slice(from, from + PAGE);
    const records = store.taskRunLinesByRowid(page.map((i) => outline.rowid[i]));
    let text = "";
    for (const i of page) {
      const run = records.get(outline.rowid[i]);
      if (run) text += rowText(rowOf(run, label(i), layer[i], now, nameOf), widths) + "\n";
    }
    write(text);
  }
}

function readOutline(store: Store, flow: FlowRunRecord, now: number) {
  const count = store.taskRunCount(flow.id, flow.attempt);
  const outline: Outline = { rowid: new Float64Array(count), start: new Float64Array(count), id: [], key: [], name: [], upstream: [] };
  // Ids are looked up only to resolve edges: a run without any (often the huge ones) never builds the map.
  let index = null as Map<string, number> | null;
  const indexOf = (id: string): number | undefined => {
    if (!index) {
      index = new Map();
      for (let k = 0; k < outline.id.length; k++) index.set(outline.id[k], k);
    }
    return index.get(id);
  };
  const names = new Map<string, string>();
  const perName = new Map<string, number>();
  const widths: TextWidths = { label: 0, state: 0, duration: 0, runs: 0, layer: 1 };
  const later: Array<[number, string[]]> = [];
  for (const o of store.taskRunOutlines(flow.id, flow.attempt)) {
    const i = outline.id.length;
    if (i >= count) break; // rows added since the count: they belong to the next listing
    outline.rowid[i] = o.rowid;
    outline.start[i] = o.start_time ?? Number.MAX_SAFE_INTEGER;
    outline.id.push(o.id);
    index?.set(o.id, i);
    outline.key.push(o.dynamic_key);
    // One string per task name, not one per row.
    let name = names.get(o.task_name);
    if (name === undefined) names.set(o.task_name, (name = o.task_name));
    outline.name.push(name);
    let up = NONE;
    if (o.upstream !== "[]") {
      const ids = JSON.parse(o.upstream) as string[];
      up = [];
      for (const id of ids) {
        const at = indexOf(id);
        if (at !== undefined) up.push(at);
      }
      // An upstream created later than its downstream (rare): resolved once every id is known.
      if (up.length < ids.length) later.push([i, ids]);
    }
    outline.upstream.push(up);
    perName.set(o.task_name, (perName.get(o.task_name) ?? 0) + 1);
    widths.state = Math.max(widths.state, o.state_name.length);
    widths.duration = Math.max(widths.duration, durationOf({ startTime: o.start_time, endTime: o.end_time }, now).length);
    widths.runs = Math.max(widths.runs, `runs ${o.run_count}`.length);
  }
  for (const [i, ids] of later) {
    outline.upstream[i] = ids.map(indexOf).filter((at): at is number => at !== undefined);
  }
  const n = outline.id.length;
  outline.rowid = outline.rowid.subarray(0, n);
  outline.start = outline.start.subarray(0, n);
  return { outline, indexOf, widths, perName };
}

function rowOf(run: TaskRunLine, label: string, layer: number, now: number, nameOf: (id: string) => string): Row<TaskRunLine> {
  const upstream = run.upstream.map((id) => (run.waitFor.includes(id) ? `${nameOf(id)} (wait)` : nameOf(id)));
  return { run, label, layer, duration: durationOf(run, now), upstream, error: errorOf(run), depth: 0 };
}

/**
 * Layer = 1 + the deepest upstream layer (as renderDag computes it), without recursion: upstream runs are
 * nearly always created first, so one forward pass settles almost every graph; later passes fix the rest.
 */
function layersOf(upstream: number[][]): Int32Array {
  const layer = new Int32Array(upstream.length).fill(1);
  for (let pass = 0; pass < 64; pass++) {
    let changed = false;
    for (let i = 0; i < upstream.length; i++) {
      let deepest = 0;
      for (const up of upstream[i]) if (up !== i) deepest = Math.max(deepest, layer[up]);
      if (deepest + 1 !== layer[i]) {
        layer[i] = deepest + 1;
        changed = true;
      }
    }
    if (!changed) break;
  }
  return layer;
}
