// Benchmark: `runs ls` filters on a store of 50,000 flow runs (query time per filter, and the plan's index), then
// `runs prune` of 40,000 of them (runs/s) and the store file's size before, after the checkpoint and after VACUUM.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { FlowRunRecord, TaskRunRecord } from "../src/core/records.js";
import { makeState, type StateName } from "../src/core/states.js";
import { saveDeployments, type DeploymentRecord } from "../src/deploy/index.js";
import type { ListRunsOptions } from "../src/store/run-filters.js";
import { Store } from "../src/store/store.js";

const RUNS = Number(process.env.CELLFLOW_BENCH_RUNS) || 50_000;
const PRUNED_SHARE = 0.8;
const DAY = 86_400_000;
const STATES: StateName[] = ["Completed", "Completed", "Completed", "Failed", "Cached", "Crashed", "TimedOut", "Cancelled"];
const FLOWS = ["etl", "report", "backup", "ingest", "train"];

const round = (x: number) => Math.round(x * 100) / 100;

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** 50,000 runs over 50 days (the oldest 80% older than 10 days), two task runs and a log line each, through the store's writer. */
function seed(store: Store, now: number): void {
  const deployments: DeploymentRecord[] = ["nightly", "hourly"].map((name) => ({
    id: crypto.randomUUID(), name, entrypoint: "/bench/flows.ts:etl", flowName: "etl", parameters: {}, catchup: "once", alerts: [], paused: false, schedules: [], createdAt: now, updatedAt: now,
  }));
  saveDeployments(store, deployments);
  for (let i = 0; i < RUNS; i++) {
    const old = i < RUNS * PRUNED_SHARE;
    const createdAt = old ? now - 10 * DAY - Math.floor((i / RUNS) * 40 * DAY) : now - Math.floor(((RUNS - i) / RUNS) * 9 * DAY);
    const state = makeState(STATES[i % STATES.length], "", createdAt + 1000);
    const id = crypto.randomUUID();
    const record: FlowRunRecord = {
      id, flowName: FLOWS[i % FLOWS.length], name: `run-${i}`, state, parameters: { i }, attempt: 1, startTime: createdAt, endTime: createdAt + 1000, createdAt,
      entrypoint: null, parentTaskRunId: null, deploymentId: i % 10 === 0 ? deployments[i % 20 === 0 ? 0 : 1].id : null,
      tags: i % 7 === 0 ? ["prod", "nightly"] : i % 13 === 0 ? ["rare"] : [],
    };
    store.saveFlowRun(record, { history: [makeState("Pending", "", createdAt), makeState("Running", "", createdAt + 1), state], resultRef: null, owner: null, heartbeat: null });
    for (let t = 0; t < 2; t++) {
      const done = makeState("Completed", "", createdAt + 500);
      const task: TaskRunRecord = {
        id: `${id}-${t}`, flowRunId: id, flowAttempt: 1, taskName: `task${t}`, dynamicKey: `task${t}-0`, state: done, inputs: [], upstream: [], cacheKey: `k${i}-${t}`,
        cacheReason: "executed", cachedFrom: null, runCount: 1, startTime: createdAt + 10, endTime: createdAt + 500, tags: [], subflowRunId: null,
      };
      const bytes = Buffer.from(`result ${i}-${t}`);
      const ref = `${i.toString(16).padStart(8, "0")}${t}`.padEnd(64, "0");
      store.writer.result(ref, bytes);
      store.saveTaskRun(task, { cacheExpires: null, sourceHash: null, resultRef: ref, history: [makeState("Pending", "", createdAt + 10), done] });
    }
    store.appendLog({ flowRunId: id, taskRunId: null, level: i % 5 === 0 ? "warning" : "info", message: `line ${i}`, timestamp: createdAt + 100 });
  }
  store.flush();
}

export async function benchRuns(): Promise<Record<string, number>> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "cellflow-bench-runs-"));
  const store = Store.open(home);
  const now = Date.now();
  const out: Record<string, number> = {};
  let start = performance.now();
  seed(store, now);
  out[`seed ${RUNS} runs (s)`] = round((performance.now() - start) / 1000);

  const filters: Array<[string, ListRunsOptions]> = [
    ["no filter", {}],
    ["--state Failed", { state: "Failed" }],
    ["--state Cached", { state: "Cached" }],
    ["--flow report", { flow: "report" }],
    ["--deployment nightly", { deployment: "nightly" }],
    ["--tag prod", { tag: "prod" }],
    ["--tag rare", { tag: "rare" }],
    ["--since 1d", { since: now - DAY }],
    ["--tag prod --state Failed --since 30d", { tag: "prod", state: "Failed", since: now - 30 * DAY }],
    ["--deployment hourly --flow etl --since 5d", { deployment: "hourly", flow: "etl", since: now - 5 * DAY }],
    ["--tag rare --limit 500", { tag: "rare", limit: 500 }],
  ];
  for (const [name, options] of filters) {
    const samples: number[] = [];
    for (let k = 0; k < 15; k++) {
      start = performance.now();
      store.listFlowRuns(options);
      samples.push(performance.now() - start);
    }
    out[`runs ls ${name} (ms, median of 15)`] = round(median(samples));
    process.stderr.write(`plan ${name}: ${store.explainListFlowRuns(options).join(" | ")}\n`);
  }

  const sizeBefore = store.compact(false);
  start = performance.now();
  const ids = store.selectPrunableRuns({ before: now - 10 * DAY + 1 });
  const summary = store.deleteRuns(ids);
  const seconds = (performance.now() - start) / 1000;
  out["prune: runs deleted"] = summary.runs;
  out["prune: task runs deleted"] = summary.taskRuns;
  out["prune: results deleted"] = summary.results;
  out["prune (runs/s)"] = Math.round(summary.runs / seconds);
  out["store file before prune (MB)"] = round(sizeBefore / 1e6);
  out["store file after prune + checkpoint (MB)"] = round(store.compact(false) / 1e6);
  start = performance.now();
  out["store file after VACUUM (MB)"] = round(store.compact(true) / 1e6);
  out["VACUUM (s)"] = round((performance.now() - start) / 1000);
  out["integrity_check ok"] = store.integrityCheck() === "ok" ? 1 : 0;
  store.close();
  fs.rmSync(home, { recursive: true, force: true });
  return out;
}
