// The text DAG of a stored run without subflows, written a page at a time: one pass over a slim outline of every
// task run places and measures the rows, then the printed columns are read a page at a time in display order. Memory
// stays flat however many task runs the run has; the text is the same as renderDag's.

import type { FlowRunRecord } from "../core/records.js";
import type { TaskRunLine } from "../store/rows.js";
import { shortTaskRunId } from "../core/ids.js";
import type { Store } from "../store/store.js";
import { durationOf, errorOf, headLines, rowText, type Row, type TextWidths } from "./dag.js";

const PAGE = 250;

/**
 * Where each task run goes, in typed columns: 100,000 of them take ~3 MB and no string or array per task run. Built
 * after the run, when V8's old space may be near its next full collection, it must add little there.
 */
interface Outline {
  n: number;
  rowid: Float64Array;
  start: Float64Array;
  /** Each task run's task name, as an index into `names`. */
  name: Uint32Array;
  names: string[];
  /** Task runs per name, by name index: a name used once labels its row, else the dynamic key does. */
  perName: number[];
  /** The n of each dynamic key "<task name>-<n>", the form the engine gives them; -1 for another form (in `oddKeys`). */
  keyIndex: Int32Array;
  oddKeys: Map<number, string>;
  /** Task run ids, read only for a run with edges (the only use of them is resolving edges). */
  ids: string[] | null;
  /** Upstream task runs of the rows that have any, as outline indexes (ids outside the run are left out, as renderDag does). */
  upstream: Map<number, number[]>;
}

/**
 * Write the text DAG of `flow`'s latest attempt from the store, line by line (each line ends with "\n").
 * @example writeDagText(store, run, (text) => process.stdout.write(text))
 */
export function writeDagText(store: Store, flow: FlowRunRecord, write: (text: string) => void, now = Date.now()): void {
  write(headLines(flow, now).join("\n") + "\n");
  // Most huge runs have no edges: read without ids, and again with them once a row turns out to have upstream runs.
  const { outline, indexOf, widths } = readOutline(store, flow, now, false) ?? readOutline(store, flow, now, true)!;
  const n = outline.n;
  if (n === 0) return void write("  (no task runs yet)\n");
  const key = (i: number) => (outline.keyIndex[i] >= 0 ? `${outline.names[outline.name[i]]}-${outline.keyIndex[i]}` : outline.oddKeys.get(i)!);
  const byKey = (i: number) => outline.perName[outline.name[i]] > 1;
  const label = (i: number) => (byKey(i) ? key(i) : outline.names[outline.name[i]]);
  for (let i = 0; i < n; i++) {
    const k = outline.keyIndex[i];
    const length = !byKey(i) ? outline.names[outline.name[i]].length : k >= 0 ? outline.names[outline.name[i]].length + 1 + decimalDigits(k) : outline.oddKeys.get(i)!.length;
    widths.label = Math.max(widths.label, length);
  }
  const layer = layersOf(n, outline.upstream);
  widths.layer = String(layer.reduce((a, b) => Math.max(a, b), 1)).length;
  // By layer, start time, then dynamic key as localeCompare orders them (renderDag's order). Two keys of one task name
  // share "<name>-" and differ first at a digit (or one ends where the other has one): every collation orders digits
  // 0–9 and puts a prefix first, so comparing the numbers' decimal text gives localeCompare's answer without the
  // collator: its data (~2 MB resident) is then not loaded for a run of one task name called 100,000 times.
  const compareKeys = (a: number, b: number) => {
    const ka = outline.keyIndex[a];
    const kb = outline.keyIndex[b];
    if (ka >= 0 && kb >= 0 && outline.name[a] === outline.name[b]) return compareDecimalText(ka, kb);
    return key(a).localeCompare(key(b));
  };
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => layer[a] - layer[b] || outline.start[a] - outline.start[b] || compareKeys(a, b));
  const nameOf = (id: string) => {
    const at = indexOf(id);
    return at === undefined ? shortTaskRunId(id) : label(at);
  };
  const rowids: number[] = [];
  for (let from = 0; from < n; from += PAGE) {
    const page = order.subarray(from, from + PAGE);
    rowids.length = 0;
    for (const i of page) rowids.push(outline.rowid[i]);
    const records = store.taskRunLinesByRowid(rowids);
    let text = "";
    for (const i of page) {
      const run = records.get(outline.rowid[i]);
      if (run) text += rowText(rowOf(run, label(i), layer[i], now, nameOf), widths) + "\n";
    }
    write(text);
  }
}

/** The outline of the run's task runs, or null when it has edges and was read without ids (read it again with them). */
function readOutline(store: Store, flow: FlowRunRecord, now: number, withIds: boolean) {
  const count = store.taskRunCount(flow.id, flow.attempt);
  const outline: Outline = {
    n: 0,
    rowid: new Float64Array(count),
    start: new Float64Array(count),
    name: new Uint32Array(count),
    names: [],
    perName: [],
    keyIndex: new Int32Array(count),
    oddKeys: new Map(),
    ids: withIds ? new Array<string>(count) : null,
    upstream: new Map(),
  };
  // Ids are looked up only to resolve edges: a run without any (often the huge ones) never builds the map.
  let index = null as Map<string, number> | null;
  const indexOf = (id: string): number | undefined => {
    const ids = outline.ids;
    if (!ids) return undefined; // a row of a running run that gained upstream runs after the outline was read
    if (!index) {
      index = new Map();
      for (let k = 0; k < outline.n; k++) index.set(ids[k], k);
    }
    return index.get(id);
  };
  const nameIndex = new Map<string, number>();
  const widths: TextWidths = { label: 0, state: 0, duration: 0, runs: 0, layer: 1 };
  const later: Array<[number, string[]]> = [];
  for (const o of store.taskRunOutlines(flow.id, flow.attempt)) {
    const i = outline.n;
    if (i >= count) break; // rows added since the count: they belong to the next listing
    if (o.upstream !== "[]" && !outline.ids) return null;
    outline.n++;
    outline.rowid[i] = o.rowid;
    outline.start[i] = o.start_time ?? Number.MAX_SAFE_INTEGER;
    if (outline.ids) {
      outline.ids[i] = o.id;
      index?.set(o.id, i);
    }
    let name = nameIndex.get(o.task_name);
    if (name === undefined) {
      nameIndex.set(o.task_name, (name = outline.names.length));
      outline.names.push(o.task_name);
      outline.perName.push(0);
    }
    outline.name[i] = name;
    outline.perName[name]++;
    const k = keyIndexOf(o.dynamic_key, o.task_name);
    outline.keyIndex[i] = k;
    if (k < 0) outline.oddKeys.set(i, o.dynamic_key);
    if (o.upstream !== "[]") {
      const ids = JSON.parse(o.upstream) as string[];
      const up: number[] = [];
      for (const id of ids) {
        const at = indexOf(id);
        if (at !== undefined) up.push(at);
      }
      // Set even when empty, so the rows stay in creation order (the order layersOf settles them fastest in).
      outline.upstream.set(i, up);
      // An upstream created later than its downstream (rare): resolved once every id is known.
      if (up.length < ids.length) later.push([i, ids]);
    }
    widths.state = Math.max(widths.state, o.state_name.length);
    widths.duration = Math.max(widths.duration, durationOf({ startTime: o.start_time, endTime: o.end_time }, now).length);
    widths.runs = Math.max(widths.runs, `runs ${o.run_count}`.length);
  }
  for (const [i, ids] of later) outline.upstream.set(i, ids.map(indexOf).filter((at): at is number => at !== undefined));
  return { outline, indexOf, widths };
}

/** The n of dynamic key "<taskName>-<n>" (n in decimal, no leading zero, below 10^9), else -1. */
function keyIndexOf(key: string, taskName: string): number {
  const from = taskName.length + 1;
  const digits = key.length - from;
  if (digits < 1 || digits > 9 || key.charCodeAt(from - 1) !== 45 || !key.startsWith(taskName)) return -1;
  if (digits > 1 && key.charCodeAt(from) === 48) return -1;
  let n = 0;
  for (let i = from; i < key.length; i++) {
    const d = key.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

function decimalDigits(n: number): number {
  let digits = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    digits++;
  }
  return digits;
}

/** How String(a) and String(b) compare as text (a, b: integers from 0 to 10^9), without building them. */
function compareDecimalText(a: number, b: number): number {
  const da = decimalDigits(a);
  const db = decimalDigits(b);
  // Padded with zeros to one length they compare as numbers; equal so, the shorter (a prefix) comes first.
  const x = da < db ? a * 10 ** (db - da) : a;
  const y = db < da ? b * 10 ** (da - db) : b;
  return x !== y ? (x < y ? -1 : 1) : da - db;
}

function rowOf(run: TaskRunLine, label: string, layer: number, now: number, nameOf: (id: string) => string): Row<TaskRunLine> {
  const upstream = run.upstream.map((id) => (run.waitFor.includes(id) ? `${nameOf(id)} (wait)` : nameOf(id)));
  return { run, label, layer, duration: durationOf(run, now), upstream, error: errorOf(run), depth: 0 };
}

/**
 * Layer = 1 + the deepest upstream layer (as renderDag computes it), without recursion: upstream runs are
 * nearly always created first, so one forward pass settles almost every graph; later passes fix the rest.
 */
function layersOf(n: number, upstream: Map<number, number[]>): Int32Array {
  const layer = new Int32Array(n).fill(1);
  for (let pass = 0; pass < 64; pass++) {
    let changed = false;
    for (const [i, ups] of upstream) {
      let deepest = 0;
      for (const up of ups) if (up !== i) deepest = Math.max(deepest, layer[up]);
      if (deepest + 1 !== layer[i]) {
        layer[i] = deepest + 1;
        changed = true;
      }
    }
    if (!changed) break;
  }
  return layer;
}
