// `runs show` and the end of `cellflow run` stream from the store a page at a time; what they print is exactly
// what the whole-graph renderers print (text DAG and --json), for graphs with edges, waits, failures and caching.

import { beforeEach, describe, expect, it } from "vitest";
import { getEngine } from "../../src/engine/engine.js";
import { renderDag } from "../../src/display/dag.js";
import { writeDagText } from "../../src/display/dag-stream.js";
import { flowRunJson, writeFlowRunJson } from "../../src/cli/output.js";
import { flow, task } from "../../src/index.js";
import { freshStore } from "../engine/helpers.js";

beforeEach(() => {
  freshStore();
});

function streamed(fn: (write: (text: string) => void) => void): string {
  let out = "";
  fn((text) => (out += text));
  return out;
}

async function sampleRun(): Promise<string> {
  const load = task("load", (n: number) => ({ rows: Array.from({ length: n }, (_, i) => i) }));
  const double = task("double", (d: { rows: number[] }) => ({ rows: d.rows.map((x) => x * 2) }));
  const check = task("check", (d: { rows: number[] }) => {
    if (d.rows.length > 2) throw new Error("too many rows\nsecond line");
    return d.rows.length;
  });
  const side = task("side", () => "side");
  const f = flow("sample", async () => {
    const a = await load(2);
    const b = await load(3);
    const s = side.submit();
    await double(a);
    const d = await double(b);
    await check(await double(a));
    const late = task("late", () => 1);
    await late.with({ waitFor: [s] })();
    await check(d);
  });
  const run = await f.run().catch((e: unknown) => e);
  void run;
  const store = getEngine().store;
  store.flush();
  return store.listFlowRuns({ limit: 1 })[0].id;
}

describe("streamed output equals the whole-graph output", () => {
  it("text DAG: writeDagText prints renderDag's text, line for line", async () => {
    const id = await sampleRun();
    const store = getEngine().store;
    const run = store.findFlowRun(id);
    const now = Date.now();
    const whole = renderDag({ flowRun: run, taskRuns: store.getTaskRuns(id, run.attempt) }, { now })["text/plain"] + "\n";
    expect(whole).toContain("← ");
    expect(whole).toContain("(wait)");
    expect(whole).toContain("too many rows");
    expect(streamed((w) => writeDagText(store, run, w, now))).toBe(whole);
  });

  it("--json: writeFlowRunJson prints JSON.stringify(flowRunJson(…), null, 2), with and without a result, artifacts and history", async () => {
    const id = await sampleRun();
    const store = getEngine().store;
    const run = store.findFlowRun(id);
    const taskRuns = store.getTaskRuns(id, run.attempt);
    expect(streamed((w) => writeFlowRunJson(run, store.iterateTaskRuns(id, run.attempt), w))).toBe(JSON.stringify(flowRunJson(run, taskRuns), null, 2) + "\n");
    const result = { nested: { list: [1, 2, { deep: "x" }] }, text: "a\nb" };
    expect(streamed((w) => writeFlowRunJson(run, store.iterateTaskRuns(id, run.attempt), w, { result }))).toBe(JSON.stringify(flowRunJson(run, taskRuns, result), null, 2) + "\n");
    expect(streamed((w) => writeFlowRunJson(run, [], w))).toBe(JSON.stringify(flowRunJson(run, []), null, 2) + "\n");
    const trailing = { result, artifacts: [{ key: "k" }], history: [] };
    const whole = { ...flowRunJson(run, taskRuns), ...trailing };
    expect(streamed((w) => writeFlowRunJson(run, store.iterateTaskRuns(id, run.attempt), w, trailing))).toBe(JSON.stringify(whole, null, 2) + "\n");
  });

  it("text DAG: rows that tie on layer and start time come in renderDag's (localeCompare) key order", async () => {
    // Names that sort differently by code point and by collation (case, "_" and "-", accents), several calls each so
    // that rows are labelled by key, keys whose numbers sort as text ("t-10" before "t-9"), and a key of another form.
    const names = ["t", "T", "t_x", "t-x", "é", "e", "z", "a.b", "custom"];
    const f = flow("ties", async () => {
      for (const name of names) {
        const t = task(name, (i: number) => i);
        for (let i = 0; i < 12; i++) await t(i);
      }
    });
    await f.run();
    const store = getEngine().store;
    store.flush();
    const run = store.listFlowRuns({ limit: 1 })[0];
    store.db.prepare("UPDATE task_runs SET start_time = 1000, end_time = 1005 WHERE flow_run_id = ?").run(run.id);
    store.db.prepare("UPDATE task_runs SET dynamic_key = 'custom key' WHERE flow_run_id = ? AND dynamic_key = 'custom-3'").run(run.id);
    store.db.prepare("UPDATE task_runs SET dynamic_key = 'custom-07' WHERE flow_run_id = ? AND dynamic_key = 'custom-7'").run(run.id);
    const now = Date.now();
    const whole = renderDag({ flowRun: run, taskRuns: store.getTaskRuns(run.id, run.attempt) }, { now })["text/plain"] + "\n";
    expect(whole.indexOf(" t-10 ")).toBeLessThan(whole.indexOf(" t-9 "));
    expect(streamed((w) => writeDagText(store, run, w, now))).toBe(whole);
  });

  it("text DAG: a run whose first edge comes late is read again with its ids, and prints renderDag's text", async () => {
    const make = task("make", (i: number) => ({ i }));
    const use = task("use", (d: { i: number }) => d.i);
    const f = flow("late-edge", async () => {
      const made = [];
      for (let i = 0; i < 600; i++) made.push(await make(i));
      await use(made[3]);
      await use(made[599]);
    });
    await f.run();
    const store = getEngine().store;
    store.flush();
    const run = store.listFlowRuns({ limit: 1 })[0];
    const now = Date.now();
    const whole = renderDag({ flowRun: run, taskRuns: store.getTaskRuns(run.id, run.attempt) }, { now })["text/plain"] + "\n";
    expect(whole).toContain("← make-3");
    expect(streamed((w) => writeDagText(store, run, w, now))).toBe(whole);
  });

  it("a run with no task runs", async () => {
    const f = flow("empty", async () => 1);
    await f.run();
    const store = getEngine().store;
    store.flush();
    const run = store.listFlowRuns({ limit: 1 })[0];
    const now = Date.now();
    expect(streamed((w) => writeDagText(store, run, w, now))).toBe(renderDag({ flowRun: run, taskRuns: [] }, { now })["text/plain"] + "\n");
  });
});
